"""certs/authority.py: the local CA and server certificate, created, kept and renewed."""

from __future__ import annotations

import hashlib
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certs.authority import (
    SERVER_VALIDITY,
    certificate_hostnames,
    ensure_certificates,
)

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_creates_p256_ca_and_server_certificate_for_local_names(tmp_path: Path) -> None:
    report = ensure_certificates(tmp_path, NOW)

    assert report.ca_created
    assert report.server_action == "created"
    ca, server = load(report.files.ca_cert), load(report.files.server_cert)
    assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)
    assert ca.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    server.verify_directly_issued_by(ca)
    assert certificate_hostnames(server) >= {"localhost", "127.0.0.1", "::1"}


def test_private_keys_are_readable_by_owner_only(tmp_path: Path) -> None:
    report = ensure_certificates(tmp_path, NOW)

    for key in (report.files.ca_key, report.files.server_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        serialization.load_pem_private_key(key.read_bytes(), password=None)


def test_second_run_keeps_a_valid_certificate(tmp_path: Path) -> None:
    first = ensure_certificates(tmp_path, NOW)
    before = first.files.server_cert.read_bytes()

    second = ensure_certificates(tmp_path, NOW + timedelta(days=10))

    assert not second.ca_created
    assert second.server_action == "kept"
    assert second.files.server_cert.read_bytes() == before
    assert second.ca_fingerprint_sha256 == first.ca_fingerprint_sha256


def test_certificate_expiring_within_window_is_renewed(tmp_path: Path) -> None:
    issued = NOW - SERVER_VALIDITY + timedelta(days=20)  # expires in 20 days
    ensure_certificates(tmp_path, issued)
    old_serial = load(tmp_path / "server.pem").serial_number

    report = ensure_certificates(tmp_path, NOW, renew_within=timedelta(days=30))

    assert report.server_action == "renewed"
    assert not report.ca_created
    renewed = load(report.files.server_cert)
    assert renewed.serial_number != old_serial
    assert renewed.not_valid_after_utc > NOW + timedelta(days=300)
    renewed.verify_directly_issued_by(load(report.files.ca_cert))


def test_certificate_outside_window_is_kept(tmp_path: Path) -> None:
    ensure_certificates(tmp_path, NOW - SERVER_VALIDITY + timedelta(days=40))

    assert ensure_certificates(tmp_path, NOW).server_action == "kept"


def test_a_new_host_name_renews_the_certificate(tmp_path: Path) -> None:
    ensure_certificates(tmp_path, NOW)

    report = ensure_certificates(tmp_path, NOW, hostnames=("majlis.centre.example", "10.1.2.3"))

    assert report.server_action == "renewed"
    names = certificate_hostnames(load(report.files.server_cert))
    assert {"majlis.centre.example", "10.1.2.3", "localhost"} <= names


def test_fingerprint_is_sha256_of_the_ca_certificate(tmp_path: Path) -> None:
    report = ensure_certificates(tmp_path, NOW)

    der = load(report.files.ca_cert).public_bytes(serialization.Encoding.DER)
    expected = hashlib.sha256(der).hexdigest().upper()
    assert report.ca_fingerprint_sha256.replace(":", "") == expected


def test_unreadable_server_certificate_is_replaced(tmp_path: Path) -> None:
    ensure_certificates(tmp_path, NOW)
    (tmp_path / "server.pem").write_text("not a certificate")

    report = ensure_certificates(tmp_path, NOW)

    assert report.server_action == "created"
    load(report.files.server_cert).verify_directly_issued_by(load(report.files.ca_cert))
