"""Disks, permissions and settings as hostile input: each problem is one line naming the file and what to do.

The full disk is a real tmpfs mounted inside ``unshare -m`` (a private mount namespace: nothing outside
the test sees it) and the permission tests drop to the ``nobody`` user with ``setpriv``; both need root
and are skipped, with the reason, where the test environment cannot do that. Each scenario runs its
commands in one child process so the file stays fast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cli_helpers import run

TEXT = "Harbour board meets\n\nThe Portmere harbour board met on Monday to discuss the north pier.\n"
DRIVER = """
import contextlib, io, json, sys
from newsreader.tui.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    results.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


def _can(argv: list[str]) -> str | None:
    """None when ``argv`` runs here, else why not (the skip reason)."""
    if os.geteuid() != 0:
        return "needs root (to mount a tmpfs or to drop to another user)"
    if shutil.which(argv[0]) is None:
        return f"{argv[0]} is not installed"
    done = subprocess.run(argv, capture_output=True)
    return None if done.returncode == 0 else f"{' '.join(argv)} fails here: {done.stderr.decode().strip()}"


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _shared_home(seeds_home: Path) -> Path:
    """A copy of the seeds library in a folder every user can reach (pytest's tmp folders are 0700)."""
    base = Path(tempfile.mkdtemp(prefix="newsreader-env-", dir="/tmp"))
    base.chmod(0o755)
    shutil.copytree(seeds_home, base / "home")
    return base


def test_a_full_disk_leaves_reading_working_and_says_so_for_writing(seeds_home, tmp_path):
    reason = _can(["unshare", "-m", "true"])
    if reason:
        pytest.skip(reason)
    mount = tmp_path / "disk"
    mount.mkdir()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "new.txt").write_text(TEXT)
    home = mount / "home"
    commands = [["--home", str(home), *argv] for argv in (
        ["stats"], ["search", "Esper"], ["entities", "--limit", "3"], ["feed", "list"],
        ["feed", "add", "http://127.0.0.1:9/feed.xml"], ["index", str(docs)])]
    script = (f"mount -t tmpfs -o size=8m tmpfs {mount} && cp -r {seeds_home} {home} && "
              f"(dd if=/dev/zero of={mount}/fill bs=64k 2>/dev/null; true) && "
              f"{sys.executable} -c '{DRIVER}' '{json.dumps(commands)}'")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    results = json.loads(done.stdout)
    for code, out, err in results[:4]:  # reading: works, read-only
        assert code == 0 and "Traceback" not in err, err
    assert "Esper" in results[1][1]
    for code, out, err in results[4:]:  # writing: one line, the disk is full, what to do
        line = _one_line(err)
        assert code == 1 and "is full" in line and str(home) in line and "free some space" in line, line


def test_permissions_are_named_as_permissions_not_damage(seeds_home):
    reason = _can(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "true"])
    if reason:
        pytest.skip(reason)
    # The checkout itself must be readable by nobody (a clone inside a 0700 mktemp folder is not).
    reason = _can(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
                   "import newsreader.tui.cli"])
    if reason:
        pytest.skip(f"user nobody cannot import this checkout of newsreader ({reason.splitlines()[-1]})")
    base = _shared_home(seeds_home)
    try:
        home = base / "home"
        subprocess.run(["chown", "-R", "65534:65534", str(base)], check=True)
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", DRIVER]

        def commands(*argvs):
            done = subprocess.run([*as_nobody, json.dumps([["--home", str(home), *a] for a in argvs])],
                                  capture_output=True, timeout=120)
            assert done.returncode == 0, done.stderr.decode()
            return json.loads(done.stdout)

        (home / "state.sqlite").chmod(0)
        for code, _, err in commands(["stats"], ["search", "Esper"], ["feed", "list"]):
            line = _one_line(err)
            assert code == 1 and f"Cannot read {home / 'state.sqlite'}: permission denied" in line, line
        (home / "state.sqlite").chmod(0o644)
        (home / "library").chmod(0)
        for code, _, err in commands(["stats"], ["search", "Esper"], ["index", "--rebuild"]):
            line = _one_line(err)
            assert code == 1 and "permission denied" in line and "damaged" not in line.replace("Nothing is damaged", "")
        (home / "library").chmod(0o755)
        assert (home / "library" / "whoosh").is_dir()  # --rebuild did not throw away what it could not read
        [(code, out, err)] = commands(["search", "Esper"])
        assert code == 0 and "Esper" in out
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_settings_out_of_range_are_named_and_the_default_used(tmp_path, capsys):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("[engine]\nmax_file_mb = -5\nworkers = \"two\"\nbatch_size = 0\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "story.txt").write_text(TEXT)
    code, out, err = run(capsys, "--home", str(home), "index", "--json", str(docs))
    assert code == 0 and json.loads(out)["added"] == 1  # not "too large" for every file
    warnings = err.splitlines()
    assert len(warnings) == 3 and all(w.startswith(f"newsreader: warning: {home / 'config.toml'}: engine.")
                                      for w in warnings)
    assert "max_file_mb = -5 is out of range" in err and "using 20.0" in err


def test_a_broken_config_is_reported_on_the_command_line(tmp_path, capsys):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("[engine\nmodel = ")
    code, out, err = run(capsys, "--home", str(home), "stats")
    assert code == 0
    assert "config.toml" in _one_line(err) and "using defaults" in err


def test_a_missing_model_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEWSREADER_MODEL", "xx_missing")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "story.txt").write_text(TEXT)
    code, out, err = run(capsys, "--home", str(tmp_path / "home"), "index", str(docs))
    assert code == 1 and "'xx_missing' is not installed" in _one_line(err)


def test_a_home_that_is_a_file_is_named(tmp_path, capsys, monkeypatch):
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("NEWSREADER_HOME", str(tmp_path / "afile"))
    code, out, err = run(capsys, "stats")
    assert code == 1 and "is a file, not a folder" in _one_line(err)
