"""The Linux desktop entry registers the convodesk:// scheme and starts the installed command."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import tomllib

import pytest

from tests.platform import ROOT

ENTRY = ROOT / "packaging" / "linux" / "convodesk.desktop"


def _entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(ENTRY, encoding="utf-8")
    return parser["Desktop Entry"]


def test_the_entry_handles_convodesk_links_with_the_installed_command() -> None:
    entry = _entry()
    assert "x-scheme-handler/convodesk" in entry["MimeType"].split(";")
    command, *arguments = entry["Exec"].split()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert command in scripts, "Exec names the command pyproject.toml installs"
    assert arguments == ["%u"], "the link is passed as the one argument"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_the_entry_is_valid_for_the_desktop() -> None:
    done = subprocess.run(["desktop-file-validate", str(ENTRY)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr
