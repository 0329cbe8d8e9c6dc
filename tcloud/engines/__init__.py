"""Environments, workspaces, engines, artifacts, tasks and their executions.

`hub` keeps the engines' websockets, `scheduler` fires cron tasks, `service`
holds the rules, `store` the SQL, `routes` the HTTP.
"""
