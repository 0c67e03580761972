"""File names made from data, and files written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.saving import SaveFailed, safe_file_name, write_atomically


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("Camille Wang 2026-12-07", "Camille Wang 2026-12-07.pdf"),
        ("../../etc/passwd", "etc passwd.pdf"),
        ("C:\\Windows\\system32", "C Windows system32.pdf"),
        (".bashrc", "bashrc.pdf"),
        ("name. . .", "name.pdf"),
        ("CON", "_CON.pdf"),
        ("nul.txt", "_nul.txt.pdf"),
        ("com1", "_com1.pdf"),
        ("console", "console.pdf"),
        ("a\x00b\x1bc\u202ed", "a b c d.pdf"),
        ('what?*<>|"', "what.pdf"),
        ("", "Conversation.pdf"),
        ("...", "Conversation.pdf"),
        ("x" * 300, "x" * 120 + ".pdf"),
    ],
)
def test_names_from_data_are_plain_files(stem: str, expected: str) -> None:
    assert safe_file_name(stem, ".pdf") == expected


def test_the_suffix_is_the_callers() -> None:
    assert safe_file_name("invoice.pdf.exe", ".txt") == "invoice.pdf.exe.txt"
    assert not safe_file_name("report", ".json").startswith(".")


def test_a_file_is_replaced_only_when_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomically(target, b"first")
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary left behind


def test_a_failed_rename_is_a_clear_error_and_leaves_what_was_there(tmp_path: Path) -> None:
    """The target is a folder (the rename fails): the error says so, the temporary goes."""
    target = tmp_path / "out.txt"
    target.mkdir()
    (target / "inside").write_bytes(b"kept")
    with pytest.raises(SaveFailed, match=r"out\.txt could not be saved"):
        write_atomically(target, b"new")
    assert (target / "inside").read_bytes() == b"kept"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_folder_that_is_gone_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SaveFailed, match="could not be saved"):
        write_atomically(tmp_path / "missing" / "out.txt", b"data")
