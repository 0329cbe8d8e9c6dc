-- Pairing keys and engine credentials are kept only as SHA-256 hashes. The
-- engine index lets the hub authenticate an engine without opening every
-- tenant store.
CREATE TABLE pairing_keys (
    hash TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    environment_id TEXT NOT NULL,
    engine_name TEXT NOT NULL DEFAULT '',
    prefix TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL,
    engine_id TEXT
);
CREATE INDEX pairing_keys_tenant ON pairing_keys (tenant_id);

CREATE TABLE engine_index (
    engine_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    credential_hash TEXT NOT NULL UNIQUE,
    revoked_at REAL
);
CREATE INDEX engine_index_tenant ON engine_index (tenant_id);
