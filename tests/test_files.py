"""files.write_atomic: through symlinks, never onto what is not a regular file, long names."""

import os
import stat
import threading

import pytest

from micrograd_cbook.files import write_atomic


def test_text_and_bytes_are_written_whole(tmp_path):
    path = tmp_path / "out.txt"
    write_atomic(path, "C = ½\n")
    assert path.read_bytes() == "C = ½\n".encode()
    write_atomic(path, b"\x89PNG")
    assert path.read_bytes() == b"\x89PNG"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_anything_but_text_or_bytes_is_a_type_error(tmp_path):
    with pytest.raises(TypeError, match="str or bytes"):
        write_atomic(tmp_path / "x", 3)  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []


def test_a_symlink_is_written_through_to_its_target_and_stays_a_link(tmp_path):
    target = tmp_path / "real" / "model.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "model.json"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    assert sorted(os.listdir(target.parent)) == ["model.json"]  # the temp file went beside it
    assert sorted(os.listdir(tmp_path)) == ["model.json", "real"]


def test_a_chain_of_symlinks_and_a_dangling_one_reach_the_final_target(tmp_path):
    target = tmp_path / "target.txt"
    (tmp_path / "b").symlink_to(target)  # dangling: the target does not exist yet
    (tmp_path / "a").symlink_to(tmp_path / "b")
    write_atomic(tmp_path / "a", "through two links")
    assert target.read_text() == "through two links"
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


def test_the_mode_of_the_old_file_is_kept(tmp_path):
    path = tmp_path / "script.sh"
    path.write_text("old")
    path.chmod(0o640)
    write_atomic(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_fifo_is_refused_and_left_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="FIFO") as info:
        write_atomic(fifo, "text")
    assert "not a regular file" in info.value.strerror
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert os.listdir(tmp_path) == ["pipe"]


def test_a_folder_is_refused_with_a_clear_error(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        write_atomic(tmp_path, "text")


def test_a_symlink_to_a_device_is_refused(tmp_path):
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    with pytest.raises(OSError, match="a device"):
        write_atomic(link, "text")
    assert link.is_symlink()


def test_a_250_character_file_name_works(tmp_path):
    path = tmp_path / ("m" * 245 + ".json")
    assert len(path.name) == 250
    write_atomic(path, "{}")
    assert path.read_text() == "{}"
    assert os.listdir(tmp_path) == [path.name]


def test_a_reader_sees_the_old_file_or_the_new_one_never_a_part(tmp_path):
    path = tmp_path / "big.txt"
    old, new = "a" * 200_000, "b" * 200_000
    write_atomic(path, old)
    seen: set[str] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(path.read_text())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(20):
            write_atomic(path, new if i % 2 == 0 else old)
    finally:
        stop.set()
        reader.join()
    assert seen <= {old, new}
