"""The `newsreader` command's contract: JSON shapes, exit codes, and the seed acceptance checks.

These run the installed console script in a subprocess, exactly as a user or a script would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NEWSREADER = shutil.which("newsreader", path=str(Path(sys.executable).parent)) or "newsreader"


def run(*args, home, check_rc: int | None = 0, env_extra=None):
    env = dict(os.environ, NEWSREADER_HOME=str(home), COLUMNS="120")
    env.update(env_extra or {})
    proc = subprocess.run([NEWSREADER, *args], capture_output=True, text=True, env=env, timeout=120)
    if check_rc is not None:
        assert proc.returncode == check_rc, (proc.returncode, proc.stdout, proc.stderr)
    return proc


def jrun(*args, home):
    return json.loads(run(*args, "--json", home=home).stdout)


def test_search_json_contract_and_seed_acceptance(seeds_home):
    out = jrun("search", "Esper", home=seeds_home)
    assert set(out) >= {"query", "total", "corrected", "results"}
    assert out["query"] == "Esper" and out["total"] == 2 and len(out["results"]) == 2
    for r in out["results"]:
        assert set(r) >= {"id", "title", "source", "published", "path", "score", "snippet"}
        assert isinstance(r["snippet"], str) and isinstance(r["score"], float)
        assert r["path"].endswith(".txt")
    titles = {r["title"][:20] for r in out["results"]}
    assert titles == {"US and India ‘set to", "U.S., India Defense "}

    only = jrun("search", "Jaishankar", home=seeds_home)
    assert only["total"] == 1 and only["results"][0]["title"].startswith("US and India")
    assert jrun("search", "person:Pompeo", home=seeds_home)["total"] == 2
    typo = jrun("search", "Espr", home=seeds_home)
    assert typo["corrected"] == "Esper"


def test_search_limit_and_sort(seeds_home):
    out = jrun("search", "India", "--limit", "1", "--sort", "date", home=seeds_home)
    assert out["total"] == 2 and len(out["results"]) == 1


def test_human_search_output_shows_titles_and_correction(seeds_home):
    out = run("search", "Jaishankar", home=seeds_home).stdout
    assert "US and India" in out and "1 result" in out
    assert "Did you mean: Esper?" in run("search", "Espr", home=seeds_home).stdout


def test_show_related_entities_and_stats(seeds_home):
    hit = jrun("search", "Jaishankar", home=seeds_home)["results"][0]
    view = jrun("show", hit["id"], home=seeds_home)
    assert view["title"] == hit["title"] and view["entities"]
    assert all(view["body"][e["start"]:e["end"]] == e["text"] for e in view["entities"])
    assert "Jaishankar" in run("show", hit["id"], home=seeds_home).stdout

    related = jrun("related", hit["id"], home=seeds_home)
    assert related["results"][0]["title"].startswith("U.S., India Defense")
    assert set(related["results"][0]) >= {"id", "title", "source", "published", "path", "score", "snippet"}

    entities = jrun("entities", "--limit", "50", home=seeds_home)
    assert entities and set(entities[0]) >= {"name", "label", "aliases", "articles", "mentions"}
    esper = next(e for e in entities if e["name"] == "Mark Esper")
    assert esper["label"] == "PERSON" and esper["articles"] == 2
    people = jrun("entities", "--type", "PERSON", home=seeds_home)
    assert people and all(e["label"] == "PERSON" for e in people)

    stats = jrun("stats", home=seeds_home)
    assert stats["articles"] == 2


def test_exit_codes(seeds_home, tmp_path):
    assert run("search", "date:2020-13", home=seeds_home, check_rc=1).stderr.startswith("newsreader: Not a date")
    assert run("search", "(unclosed", home=seeds_home).returncode == 0  # pasted text: a note, not an error
    bad = run("show", "no-such-id", home=seeds_home, check_rc=1)
    assert bad.stderr.count("\n") == 1 and "no-such-id" in bad.stderr
    assert run("search", "--no-such-flag", "x", home=seeds_home, check_rc=2).returncode == 2
    assert run("search", "x", "--sort", "sideways", home=seeds_home, check_rc=2).returncode == 2
    assert run("--version", home=seeds_home).stdout.startswith("newsreader ")
    assert "search" in run("--help", home=seeds_home).stdout
    missing = run("index", str(tmp_path / "nowhere"), home=tmp_path / "h", check_rc=1)
    assert "no such file or directory" in missing.stdout + missing.stderr


def test_index_summary_and_incremental_rerun(tmp_path, seeds_copy):
    home = tmp_path / "home"
    first = json.loads(run("index", str(seeds_copy), "--json", home=home).stdout)
    assert first["added"] == 2 and first["failed"] == []
    again = run("index", str(seeds_copy), home=home).stdout
    assert "unchanged" in again and "added" in again
    second = json.loads(run("index", str(seeds_copy), "--json", home=home).stdout)
    assert (second["added"], second["unchanged"]) == (0, 2)


def test_search_on_a_new_home_answers_nothing_and_indexes_nothing(tmp_path):
    # Reading never writes (issue 15): the sample articles come only with the reader's first launch.
    out = json.loads(run("search", "Esper", "--json", home=tmp_path / "fresh").stdout)
    assert out["total"] == 0
    plain = run("search", "Esper", home=tmp_path / "fresh")
    assert "newsreader index" in plain.stderr
    assert not (tmp_path / "fresh" / "library").exists()


def test_home_flag_overrides_the_environment(tmp_path, seeds_home):
    env_home = tmp_path / "elsewhere"
    proc = run("--home", str(seeds_home), "stats", "--json", home=env_home)
    assert json.loads(proc.stdout)["home"] == str(seeds_home)
    assert not env_home.exists()
