CREATE TABLE environments (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name TEXT NOT NULL COLLATE NOCASE,
    kind TEXT NOT NULL CHECK (kind IN ('personal', 'shared')),
    owner_id TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (environment_id, name)
);

-- view, author, execute, publish, manage for a user, group or service account.
CREATE TABLE workspace_grants (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    principal_type TEXT NOT NULL
        CHECK (principal_type IN ('user', 'group', 'service_account')),
    principal_id TEXT NOT NULL,
    permission TEXT NOT NULL
        CHECK (permission IN ('view', 'author', 'execute', 'publish', 'manage')),
    PRIMARY KEY (workspace_id, principal_type, principal_id, permission)
);
CREATE INDEX workspace_grants_principal ON workspace_grants (principal_type, principal_id);

CREATE TABLE engines (
    id TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id),
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    embedded INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'paired' CHECK (status IN ('paired', 'revoked')),
    version TEXT NOT NULL DEFAULT '',
    protocol INTEGER NOT NULL DEFAULT 0,
    capabilities TEXT NOT NULL DEFAULT '[]',
    capacity INTEGER NOT NULL DEFAULT 0,
    paired_at TEXT NOT NULL,
    paired_by TEXT NOT NULL DEFAULT '',
    last_connected_at TEXT,
    last_heartbeat_at TEXT,
    revoked_at TEXT
);

CREATE TABLE artifacts (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL COLLATE NOCASE,
    kind TEXT NOT NULL CHECK (kind IN ('plan', 'python')),
    description TEXT NOT NULL DEFAULT '',
    latest_version INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE artifact_versions (
    id TEXT PRIMARY KEY,
    artifact_id TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    entry_point TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    blob_key TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (artifact_id, version)
);

-- The bytes of an artifact version while the blob store is not there yet.
CREATE TABLE artifact_files (
    version_id TEXT PRIMARY KEY REFERENCES artifact_versions(id) ON DELETE CASCADE,
    content BLOB NOT NULL
);

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL COLLATE NOCASE,
    description TEXT NOT NULL DEFAULT '',
    artifact_version_id TEXT NOT NULL REFERENCES artifact_versions(id),
    engine_id TEXT,
    parameters TEXT NOT NULL DEFAULT '{}',
    secrets BLOB,
    secret_names TEXT NOT NULL DEFAULT '[]',
    cron TEXT NOT NULL DEFAULT '',
    next_run_at REAL,
    max_attempts INTEGER NOT NULL DEFAULT 1,
    retry_delay_seconds INTEGER NOT NULL DEFAULT 0,
    timeout_seconds INTEGER NOT NULL DEFAULT 3600,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);
CREATE INDEX tasks_next_run ON tasks (next_run_at) WHERE cron != '';

CREATE TABLE executions (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    artifact_version_id TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1,
    retry_of TEXT,
    trigger TEXT NOT NULL CHECK (trigger IN ('manual', 'schedule', 'retry')),
    triggered_by TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('queued', 'dispatched', 'running',
        'cancelling', 'succeeded', 'failed', 'cancelled', 'lost')),
    engine_id TEXT,
    not_before REAL NOT NULL DEFAULT 0,
    rows_read INTEGER NOT NULL DEFAULT 0,
    rows_written INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    exit_code INTEGER,
    result TEXT,
    log_lines INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX executions_task ON executions (task_id, created_at);
CREATE INDEX executions_status ON executions (status);

CREATE TABLE execution_logs (
    execution_id TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    stream TEXT NOT NULL DEFAULT 'out',
    line TEXT NOT NULL,
    PRIMARY KEY (execution_id, seq)
);

-- Files an engine sent up with an upload token: the full log, the result.
CREATE TABLE execution_files (
    execution_id TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('log', 'result')),
    content BLOB NOT NULL,
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (execution_id, kind)
);

CREATE TABLE upload_tokens_used (
    jti TEXT PRIMARY KEY,
    used_at TEXT NOT NULL
);

INSERT INTO environments (id, name, description, created_at, updated_at)
VALUES ('env_' || lower(hex(randomblob(9))), 'default', 'The default environment',
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

INSERT INTO workspaces (id, environment_id, name, kind, created_at)
SELECT 'wks_' || lower(hex(randomblob(9))), id, 'Shared', 'shared',
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM environments WHERE name = 'default';
