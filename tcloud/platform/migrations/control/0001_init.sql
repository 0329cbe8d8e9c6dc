CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    seat_limit INTEGER NOT NULL CHECK (seat_limit >= 1),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at TEXT NOT NULL
);

-- Where a login of a tenant lives, so sign-in finds the user without
-- opening every tenant store.
CREATE TABLE logins (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    login TEXT NOT NULL COLLATE NOCASE,
    user_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, login)
);
CREATE UNIQUE INDEX logins_user ON logins (tenant_id, user_id);

-- Session ids and tokens are kept only as SHA-256 hashes.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_seen_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    source_ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);

CREATE TABLE token_index (
    hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    token_id TEXT NOT NULL
);
CREATE INDEX token_index_token ON token_index (tenant_id, token_id);

-- One data key per tenant and version, wrapped by a master key version.
CREATE TABLE tenant_keys (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    master_version INTEGER NOT NULL,
    wrapped BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, version)
);
