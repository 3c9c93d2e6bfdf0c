"""``write_file_atomically``: whole files only, private from the first byte, and two writers
of the same file at once (the server and a ``majlis`` command signing the audit checkpoint)
never break each other."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from certs.files import PRIVATE_MODE, PUBLIC_MODE, write_file_atomically


def test_a_file_is_written_whole_with_its_mode(tmp_path: Path) -> None:
    write_file_atomically(tmp_path / "keys" / "a.key", b"secret", PRIVATE_MODE)
    write_file_atomically(tmp_path / "ca.pem", b"public", PUBLIC_MODE)

    assert (tmp_path / "keys" / "a.key").read_bytes() == b"secret"
    assert stat.S_IMODE((tmp_path / "keys" / "a.key").stat().st_mode) == PRIVATE_MODE
    assert stat.S_IMODE((tmp_path / "ca.pem").stat().st_mode) == PUBLIC_MODE


def test_two_writers_of_one_file_at_once_both_succeed(tmp_path: Path) -> None:
    target = tmp_path / "checkpoint.json"
    failures: list[BaseException] = []

    def write_many(label: bytes) -> None:
        try:
            for n in range(300):
                write_file_atomically(target, label + str(n).encode(), PUBLIC_MODE)
        except OSError as error:
            failures.append(error)

    writers = [threading.Thread(target=write_many, args=(label,)) for label in (b"a", b"b")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()

    assert failures == []
    assert target.read_bytes() in {b"a299", b"b299"}
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.json"]  # no temporary left
