"""Token signing keys on disk: created once, private, rotated without breaking old tokens."""

from __future__ import annotations

import os
import time
from pathlib import Path

from certs.signing import load_signing_keys, rotate_signing_key


def test_the_first_load_creates_one_private_key(tmp_path: Path) -> None:
    key_id, keys = load_signing_keys(tmp_path)
    assert list(keys) == [key_id]
    key_file = tmp_path / f"token-signing-{key_id}.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert load_signing_keys(tmp_path)[0] == key_id  # idempotent


def test_a_rotated_key_signs_and_the_old_one_still_verifies(tmp_path: Path) -> None:
    old_id, _ = load_signing_keys(tmp_path)
    old_file = tmp_path / f"token-signing-{old_id}.pem"
    os.utime(old_file, (time.time() - 60, time.time() - 60))
    new_id = rotate_signing_key(tmp_path)
    signing_id, keys = load_signing_keys(tmp_path)
    assert signing_id == new_id
    assert set(keys) == {old_id, new_id}
