"""A local certificate authority and the server certificate it signs.

``ensure_certificates`` is idempotent: it creates what is missing, keeps a server certificate
that is valid and names the requested hosts, and renews one that expires within the renewal
window or lacks a host name. Keys are ECDSA P-256.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certs.files import PRIVATE_MODE, PUBLIC_MODE, write_file_atomically

DEFAULT_HOSTNAMES: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
CA_VALIDITY = timedelta(days=3650)
SERVER_VALIDITY = timedelta(days=397)
ORGANISATION = "Majlis"


@dataclass(frozen=True)
class CertificateFiles:
    """Where the TLS material of one data directory lives."""

    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca-key.pem"

    @property
    def server_cert(self) -> Path:
        return self.directory / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.directory / "server-key.pem"


@dataclass(frozen=True)
class CertificateReport:
    """What ``ensure_certificates`` found and did."""

    files: CertificateFiles
    ca_created: bool
    server_action: str  # "created", "renewed" or "kept"
    ca_fingerprint_sha256: str
    server_not_after: datetime


def ensure_certificates(
    directory: Path,
    now: datetime,
    hostnames: tuple[str, ...] = (),
    renew_within: timedelta = timedelta(days=30),
) -> CertificateReport:
    """Make sure a CA and a server certificate for ``hostnames`` exist in ``directory``."""
    files = CertificateFiles(directory)
    wanted = tuple(dict.fromkeys((*DEFAULT_HOSTNAMES, *hostnames)))
    ca_created = False
    if files.ca_cert.exists() and files.ca_key.exists():
        ca_key = _load_private_key(files.ca_key)
        ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = _make_ca_certificate(ca_key, now)
        write_file_atomically(files.ca_key, _key_pem(ca_key), PRIVATE_MODE)
        write_file_atomically(files.ca_cert, _cert_pem(ca_cert), PUBLIC_MODE)
        ca_created = True

    action = "kept"
    server_cert = _load_certificate(files.server_cert)
    if server_cert is None or not files.server_key.exists():
        action = "created"
    elif ca_created or _needs_renewal(server_cert, ca_cert, now, renew_within, wanted):
        action = "renewed"
    if action != "kept":
        server_key = ec.generate_private_key(ec.SECP256R1())
        server_cert = _make_server_certificate(server_key, ca_key, ca_cert, wanted, now)
        write_file_atomically(files.server_key, _key_pem(server_key), PRIVATE_MODE)
        write_file_atomically(files.server_cert, _cert_pem(server_cert), PUBLIC_MODE)
    assert server_cert is not None
    return CertificateReport(
        files=files,
        ca_created=ca_created,
        server_action=action,
        ca_fingerprint_sha256=fingerprint_sha256(ca_cert),
        server_not_after=server_cert.not_valid_after_utc,
    )


def fingerprint_sha256(certificate: x509.Certificate) -> str:
    """The fingerprint as browsers and ``openssl x509 -fingerprint -sha256`` show it."""
    return ":".join(f"{byte:02X}" for byte in certificate.fingerprint(hashes.SHA256()))


def certificate_hostnames(certificate: x509.Certificate) -> set[str]:
    """Every DNS name and IP address a certificate is valid for, as text."""
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    dns = set(names.get_values_for_type(x509.DNSName))
    addresses = {str(address) for address in names.get_values_for_type(x509.IPAddress)}
    return dns | addresses


def _needs_renewal(
    server_cert: x509.Certificate,
    ca_cert: x509.Certificate,
    now: datetime,
    renew_within: timedelta,
    hostnames: tuple[str, ...],
) -> bool:
    if server_cert.issuer != ca_cert.subject:
        return True
    if server_cert.not_valid_after_utc - now <= renew_within:
        return True
    return not set(_canonical(name) for name in hostnames) <= certificate_hostnames(server_cert)


def _canonical(hostname: str) -> str:
    try:
        return str(ipaddress.ip_address(hostname))
    except ValueError:
        return hostname.lower()


def _make_ca_certificate(key: ec.EllipticCurvePrivateKey, now: datetime) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, "Majlis local certificate authority"),
        ]
    )
    public_key = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )


def _make_server_certificate(
    key: ec.EllipticCurvePrivateKey,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    hostnames: tuple[str, ...],
    now: datetime,
) -> x509.Certificate:
    alternative_names: list[x509.GeneralName] = []
    for hostname in hostnames:
        try:
            alternative_names.append(x509.IPAddress(ipaddress.ip_address(hostname)))
        except ValueError:
            alternative_names.append(x509.DNSName(hostname.lower()))
    not_after = min(now + SERVER_VALIDITY, ca_cert.not_valid_after_utc)
    return (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                    x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0]),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def _load_private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} does not hold an ECDSA private key")
    return key


def _load_certificate(path: Path) -> x509.Certificate | None:
    if not path.exists():
        return None
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError:
        return None  # unreadable: replace it rather than refuse to start


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)
