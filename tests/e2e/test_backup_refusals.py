"""What ``majlis restore`` and ``majlis keys export`` refuse, each with one clear line and
nothing written: a data directory in use, a damaged backup, a wrong passphrase, another
installation's keys, a backup newer than the code, a weak passphrase."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.e2e.test_cli import environment, run

pytestmark = pytest.mark.slow
PASSPHRASE = "tamarind harbour lanterns 1947 mosaic"


@dataclass(frozen=True)
class Made:
    backup: Path
    keys: Path
    passphrase: Path
    root: Path


def export_keys(env: dict[str, str], keys: Path, passphrase: Path) -> None:
    result = run(["keys", "export", str(keys), "--passphrase-file", str(passphrase)], env)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Made:
    if request.config.getoption("--database") != "sqlite":
        # These refusals come before any database is touched; PostgreSQL's own one (a
        # database with tables) is in test_backup.py.
        pytest.skip("refusals of the files: on SQLite only")
    root = tmp_path_factory.mktemp("made")
    env = environment(root / "data", free_port())
    passphrase = root / "passphrase"
    passphrase.write_text(PASSPHRASE + "\n")
    assert run(["init"], env).returncode == 0
    export_keys(env, root / "keys", passphrase)  # makes the keys the server would make
    backup = run(["backup", str(root / "backup")], env)
    assert backup.returncode == 0, backup.stderr
    return Made(root / "backup", root / "keys", passphrase, root)


def restore(
    made: Made, data_dir: Path, backup: Path | None = None, keys: Path | None = None
) -> subprocess.CompletedProcess[str]:
    arguments = [
        "restore",
        str(backup or made.backup),
        "--keys",
        str(keys or made.keys),
        "--passphrase-file",
        str(made.passphrase),
    ]
    return run(arguments, environment(data_dir, free_port()))


def refusal(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout
    return result.stderr.strip().splitlines()[-1]


def test_restore_refuses_a_data_directory_in_use(made: Made, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.txt").write_text("someone's files")

    result = restore(made, tmp_path / "data")

    assert refusal(result) == (
        f"majlis: the data directory {tmp_path / 'data'} is not empty: restore only into an "
        "empty one (set MAJLIS_DATA_DIR to a new directory)"
    )
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["notes.txt"]


def test_restore_refuses_a_damaged_backup(made: Made, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(made.backup, damaged)
    with (damaged / "majlis.db").open("r+b") as database:
        database.seek(20_000)
        database.write(b"\x00damaged\x00")

    result = restore(made, tmp_path / "data", backup=damaged)

    line = refusal(result)
    assert "majlis.db does not match its manifest" in line
    assert line.endswith("the backup is damaged; restore another one")
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())


def test_restore_refuses_a_wrong_passphrase(made: Made, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("tamarind harbour lanterns 1948 mosaic\n")
    arguments = ["restore", str(made.backup), "--keys", str(made.keys)]

    result = run([*arguments, "--passphrase-file", str(wrong)], environment(tmp_path, 1))

    assert refusal(result) == (
        "majlis: cannot open the keys file: wrong passphrase, or the file was changed"
    )


def test_restore_refuses_the_keys_of_another_installation(made: Made, tmp_path: Path) -> None:
    """Checked before anything is written."""
    other = environment(tmp_path / "other", free_port())
    assert run(["init"], other).returncode == 0
    export_keys(other, tmp_path / "other-keys", made.passphrase)

    result = restore(made, tmp_path / "data", keys=tmp_path / "other-keys")

    assert "majlis: the keys file lacks data key(s)" in refusal(result)
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())


def test_restore_refuses_keys_whose_audit_key_did_not_sign_the_backup(
    made: Made, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(made.root / "data", copy)
    (copy / "audit" / "signing-key.pem").unlink()  # the export makes another one
    export_keys(environment(copy, free_port()), tmp_path / "mixed-keys", made.passphrase)

    result = restore(made, tmp_path / "data", keys=tmp_path / "mixed-keys")

    assert refusal(result) == (
        "majlis: the keys file does not belong to this backup: the backup's audit head is "
        "not signed by its audit key"
    )
    assert list((tmp_path / "data").iterdir()) == []  # the keys it had written are gone


def test_restore_refuses_a_backup_newer_than_the_code(made: Made, tmp_path: Path) -> None:
    newer = tmp_path / "newer"
    shutil.copytree(made.backup, newer)
    manifest = json.loads((newer / "manifest.json").read_text())
    (newer / "manifest.json").write_text(json.dumps({**manifest, "schema_revision": "0999"}))

    result = restore(made, tmp_path / "data", backup=newer)

    assert refusal(result).startswith(
        "majlis: the backup's schema 0999 is newer than this Majlis (knows up to "
    )


def test_keys_export_refuses_a_weak_passphrase(made: Made, tmp_path: Path) -> None:
    weak = tmp_path / "weak"
    weak.write_text("password1234\n")
    env = environment(made.root / "data", free_port())

    result = run(["keys", "export", str(tmp_path / "k"), "--passphrase-file", str(weak)], env)

    assert refusal(result).startswith("majlis: the passphrase is too weak (too_guessable)")
    assert not (tmp_path / "k").exists()


def test_backup_refuses_a_directory_in_use(made: Made) -> None:
    env = environment(made.root / "data", free_port())

    result = run(["backup", str(made.backup)], env)

    assert refusal(result) == (
        f"majlis: {made.backup} exists and is not empty: back up into a new directory"
    )
    assert sorted(p.name for p in made.backup.iterdir()) == ["majlis.db", "manifest.json"]
