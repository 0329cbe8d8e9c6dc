"""TLS: the server's SSL context, and `tcloud certs dev` for trying HTTPS."""

from __future__ import annotations

import ssl

from tcloud.config import Config


def server_context(config: Config) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(config.tls_cert, config.tls_key)
    return context
