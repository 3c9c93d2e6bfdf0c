"""SSL contexts for the HTTPS server, from generated or operator-supplied files."""

from __future__ import annotations

import ssl
from pathlib import Path


class TlsConfigurationError(Exception):
    """The configured certificate or key cannot be used."""


def server_ssl_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """A server context accepting TLS 1.2 and newer only."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile=cert_file, keyfile=key_file)
    except (OSError, ssl.SSLError) as error:
        raise TlsConfigurationError(
            f"cannot load TLS certificate {cert_file} with key {key_file}: {error}"
        ) from None
    return context
