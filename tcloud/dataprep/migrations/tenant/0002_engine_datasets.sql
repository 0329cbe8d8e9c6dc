-- The sample of a dataset read through an engine: a Parquet blob, sealed
-- with the tenant's key, kept until the dataset's spec changes or the grid
-- wants more rows than were asked.
CREATE TABLE prep_engine_samples (
    dataset_id TEXT PRIMARY KEY,
    spec_digest TEXT NOT NULL,
    rows_asked INTEGER NOT NULL,
    rows_read INTEGER NOT NULL,
    capped INTEGER NOT NULL DEFAULT 0,
    blob_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    sheets TEXT NOT NULL DEFAULT '[]',
    read_at TEXT NOT NULL
);

-- The pipeline that copies a dataset into the file area for full runs,
-- and the version of it dataprep made (a user's later version is not run).
CREATE TABLE prep_engine_copies (
    dataset_id TEXT PRIMARY KEY,
    pipeline_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    document_digest TEXT NOT NULL
);

ALTER TABLE prep_runs ADD COLUMN execution_id TEXT NOT NULL DEFAULT '';
