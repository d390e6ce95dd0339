"""The width of the command's output: COLUMNS if set, else a terminal's own width, else 140
characters, decided when printing (not when the CLI was imported), the same however pytest runs."""

from __future__ import annotations

import io
import os
import pty
import select
import struct
import subprocess
import sys
import time

from loopsim.cli.common import PIPED_WIDTH, _PlainConsole

LINE = "word " * 50   # 250 characters


def _lines(console: _PlainConsole) -> list[str]:
    console.print(LINE)
    return console.file.getvalue().splitlines()


def test_output_to_no_terminal_is_piped_width_whatever_columns_was_at_import(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")   # as a test runner leaves it when the CLI is imported
    console = _PlainConsole(file=io.StringIO())
    monkeypatch.delenv("COLUMNS")
    lines = _lines(console)
    assert len(lines) == 2 and 80 < len(lines[0].rstrip()) <= PIPED_WIDTH, lines


def test_columns_set_when_printing_wins_for_output_to_no_terminal(monkeypatch):
    console = _PlainConsole(file=io.StringIO())
    monkeypatch.setenv("COLUMNS", "60")
    lines = _lines(console)
    assert len(lines) == 5 and all(len(x.rstrip()) <= 60 for x in lines)


def test_processes_started_by_tests_inherit_no_terminal_size():
    """tests/conftest.py removes the COLUMNS and LINES that pytest's readline import exports."""
    out = subprocess.run([sys.executable, "-c", "import os; print(os.environ.get('COLUMNS'), "
                          "os.environ.get('LINES'))"], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["None", "None"], out


def test_a_terminal_gets_its_own_width():
    """The command in a 97-column terminal (a pseudo-terminal) prints 97 columns wide."""
    import fcntl
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 97, 0, 0))
    code = "from loopsim.cli.common import console; print('width', console.width)"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave,
                            env=env)
    os.close(slave)
    out, deadline = b"", time.monotonic() + 60
    while time.monotonic() < deadline:
        if select.select([master], [], [], 1.0)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:   # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    assert proc.wait(timeout=60) == 0, out
    assert b"width 97" in out, out
