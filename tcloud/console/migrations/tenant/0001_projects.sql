CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Who may read, write or administer one project, besides the holders of
-- projects:read and projects:write, who see and manage every project.
CREATE TABLE project_grants (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    principal_type TEXT NOT NULL
        CHECK (principal_type IN ('user', 'group', 'service_account')),
    principal_id TEXT NOT NULL,
    access TEXT NOT NULL CHECK (access IN ('read', 'write', 'admin')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (project_id, principal_type, principal_id)
);
CREATE INDEX project_grants_principal ON project_grants (principal_type, principal_id);
