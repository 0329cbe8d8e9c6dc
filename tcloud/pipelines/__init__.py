"""The pipelines app: connections, datasets, pipelines, previews and runs."""
