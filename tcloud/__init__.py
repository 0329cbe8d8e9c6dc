"""tcloud: a self-hostable integration cloud."""

__version__ = "0.1.0"
