-- An uploaded log or result is kept in the blob store when there is one;
-- `content` then stays empty and `blob_key` names the blob.
ALTER TABLE execution_files ADD COLUMN blob_key TEXT NOT NULL DEFAULT '';
