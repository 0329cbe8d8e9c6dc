CREATE TABLE preparations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    dataset_id TEXT NOT NULL,
    steps TEXT NOT NULL DEFAULT '[]',
    sample_rows INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    history_pos INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX preparations_dataset ON preparations (dataset_id);

-- Every step list a preparation has had, for undo and redo.
CREATE TABLE preparation_history (
    preparation_id TEXT NOT NULL REFERENCES preparations (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    steps TEXT NOT NULL,
    label TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (preparation_id, seq)
);

CREATE TABLE prep_runs (
    id TEXT PRIMARY KEY,
    preparation_id TEXT NOT NULL REFERENCES preparations (id) ON DELETE CASCADE,
    dataset_id TEXT NOT NULL,
    status TEXT NOT NULL,
    format TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    destination TEXT NOT NULL DEFAULT 'storage',
    target TEXT NOT NULL DEFAULT '',
    steps TEXT NOT NULL,
    rows_done INTEGER NOT NULL DEFAULT 0,
    rows_total INTEGER,
    rows_written INTEGER,
    blob_key TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL DEFAULT '',
    size INTEGER,
    error TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX prep_runs_preparation ON prep_runs (preparation_id, created_at);
CREATE INDEX prep_runs_status ON prep_runs (status);
