"""TLS material for Majlis: a local certificate authority, server certificates, SSL contexts.

Everything is made with ``cryptography``; operator-supplied certificates replace the generated
ones when configured.
"""

from certs.authority import CertificateFiles, CertificateReport, ensure_certificates
from certs.tls import server_ssl_context

__all__ = ["CertificateFiles", "CertificateReport", "ensure_certificates", "server_ssl_context"]
