-- A run's output replaces the earlier output of the same name as a new
-- version: the earlier row stays (its execution still lists it) with
-- replaced_by naming the version after it; the area lists current files.
ALTER TABLE area_files ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE area_files ADD COLUMN replaced_by TEXT;
CREATE INDEX area_files_current ON area_files (name) WHERE replaced_by IS NULL;
