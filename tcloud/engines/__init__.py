"""Environments, workspaces, engines, artifacts, tasks and their executions.

`hub` keeps the engines' websockets, `repository` serves artifacts and takes
uploads, `scheduler` fires cron tasks, `workspaces` says who may do what in
which workspace, `service` holds the other rules, `store` the SQL, `routes`
the HTTP, `embedded` the engine that `tcloud serve` starts.
"""
