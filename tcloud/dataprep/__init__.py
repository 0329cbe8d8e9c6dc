"""Data preparation: preparations as lists of steps, the grid, full runs.

    service    preparations, steps (checked by the runtime), undo and redo
    workbench  the grid's sample, pages, profiles, suggestions, sheets
    exports    full runs as a service: start, follow, cancel, download
    runs       the thread pool tenants share in turn, and the run itself
    datasets   the pipelines inventory, as local files the runtime reads
    remote     datasets only an engine may read: samples, copies for full runs
    frames     datasets as lazy frames, read the same way everywhere

The grid, the full run and a pipeline's "prepare" processor all call
`tcloud.runtime.prep.apply` on the same reading of the dataset
(tests/dataprep/test_flights.py, test_runs.py::test_a_pipeline_with_the_
prepare_processor_gives_the_full_run).

Limitations:

- A dataset on a folder, S3 or database connection is read through the
  tenant's engine (DESIGN has addresses a user typed reached from an
  engine, never from the server); its sample is as many rows as one
  websocket message holds (test_engine.py::test_a_sample_stays_within_one_
  message), and a lookup step still reads datasets of the file area only.
- The steps of a full run are applied in the server's thread pool; an
  engine only copies a dataset it must read into the file area first
  (test_engine.py::test_a_sqlite_dataset_is_sampled_and_run_through_the_
  engine).
- Exports to a user's S3 bucket go to AWS or to the one endpoint the
  operator configured (prep_export_s3_endpoint), never to an endpoint the
  user types (test_runs.py::test_an_export_to_the_users_bucket_keeps_no_
  credential).
- Decrypted copies of dataset files sit in a private temporary folder
  while the server runs; a killed process leaves them behind.
- Restart recovery visits every tenant's store at start-up, once.
"""
