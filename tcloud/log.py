"""Every logger of tcloud, declared once.

Messages are events with key=value context, never data values or secrets:
`access_log.info("request method=GET path=/x status=200")`.
"""

import logging

root = logging.getLogger("tcloud")
access = logging.getLogger("tcloud.access")
server = logging.getLogger("tcloud.server")
store = logging.getLogger("tcloud.store")
auth = logging.getLogger("tcloud.auth")
audit = logging.getLogger("tcloud.audit")
keys = logging.getLogger("tcloud.keys")
blobs = logging.getLogger("tcloud.blobs")
broker = logging.getLogger("tcloud.broker")
hub = logging.getLogger("tcloud.hub")
engine = logging.getLogger("tcloud.engine")
console = logging.getLogger("tcloud.console")
pipelines = logging.getLogger("tcloud.pipelines")
dataprep = logging.getLogger("tcloud.dataprep")
runtime = logging.getLogger("tcloud.runtime")

SECRET_WORDS = ("password", "secret", "token", "authorization", "cookie")


class RedactingFilter(logging.Filter):
    """Mask key=value pairs whose key names a secret, as a last line of defence."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        lowered = message.lower()
        if any(word + "=" in lowered for word in SECRET_WORDS):
            parts = []
            for part in message.split(" "):
                key, sep, _ = part.partition("=")
                if sep and any(word in key.lower() for word in SECRET_WORDS):
                    part = f"{key}=[secure]"
                parts.append(part)
            record.msg, record.args = " ".join(parts), None
        return True


def configure(level: str) -> None:
    """Send tcloud's events to stderr at the given level."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    handler.addFilter(RedactingFilter())
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    # aiosqlite logs SQL with its parameters at debug: never let it through.
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
