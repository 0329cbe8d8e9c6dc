-- Files of the tenant's file area: the bytes live in the blob store.
CREATE TABLE area_files (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT 'upload',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);

-- kind: files, folder, s3, sqlite, postgres. config is JSON without the
-- secret; secret is the sealed secret (an S3 secret key, a password).
CREATE TABLE connections (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind TEXT NOT NULL
        CHECK (kind IN ('files', 'folder', 's3', 'sqlite', 'postgres')),
    description TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL DEFAULT '{}',
    secret BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);

-- config: where on the connection (file_id, path, key, table, query), the
-- format and its options. sample: the engine's last sample, JSON.
CREATE TABLE datasets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    connection_id TEXT NOT NULL REFERENCES connections(id),
    description TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL DEFAULT '{}',
    sample TEXT,
    sampled_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX datasets_connection ON datasets (connection_id);

CREATE TABLE pipelines (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description TEXT NOT NULL DEFAULT '',
    latest_version INTEGER NOT NULL DEFAULT 0,
    artifact_id TEXT,
    task_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);

-- Every save is a new version; a version is never changed. A published
-- version keeps the artifact version its run plan went to.
CREATE TABLE pipeline_versions (
    id TEXT PRIMARY KEY,
    pipeline_id TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    plan TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    artifact_version_id TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    UNIQUE (pipeline_id, version)
);
