"""Layering: the engine never imports Textual or Rich; the read path never imports spaCy."""

from __future__ import annotations

import subprocess
import sys

import pytest

ENGINE_MODULES = [
    "newsreader.index.library", "newsreader.index.store.whoosh.searcher", "newsreader.index.store.whoosh.store", "newsreader.index.ingest.sync",
    "newsreader.index.store.catalog", "newsreader.index.ingest.readers", "newsreader.index.entities.canonical",
    "newsreader.index.entities.extract", "newsreader.index.search.related", "newsreader.index.state",
]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_engine_modules_do_not_import_ui_libraries(module):
    loaded = _modules_after(f"import {module}")
    assert "textual" not in loaded and "rich" not in loaded


def test_read_path_does_not_import_spacy(seeds_home):
    code = (
        "from newsreader.index.library import Library\n"
        f"lib = Library.open({str(seeds_home)!r})\n"
        "hit = lib.search('Esper').hits[0]\n"
        "lib.article(hit.id); lib.related(hit.id); lib.entities(); lib.entity('Esper')\n"
        "lib.search('Espr'); lib.article_entities(hit.id); lib.match_spans(hit.id, 'Esper')\n"
    )
    loaded = _modules_after(code)
    assert "spacy" not in loaded and "thinc" not in loaded
    assert "textual" not in loaded


def test_cli_search_does_not_import_spacy_or_textual(seeds_home):
    code = (
        "import os, sys\n"
        f"os.environ['NEWSREADER_HOME'] = {str(seeds_home)!r}\n"
        "from newsreader.tui.cli import main\n"
        "main(['search', 'Esper', '--json'])\n"
    )
    loaded = _modules_after(code)
    assert "spacy" not in loaded and "textual" not in loaded


def test_plugin_table_names_every_command_its_modules_register():
    """In a fresh interpreter, so an earlier test's import of a plugin module cannot hide a command the
    table forgot (``newsreader thatcommand`` would then never load its module)."""
    code = ("import json\nfrom newsreader.tui import cli\nbefore = set(cli.COMMANDS)\ncli._load_plugins()\n"
            "print(json.dumps({'registered': sorted(set(cli.COMMANDS) - before), 'table': sorted(cli.PLUGINS)}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    import json

    found = json.loads(out)
    assert found["registered"] == found["table"] and found["table"]


def test_opening_the_reader_does_not_import_the_feed_commands():
    loaded = _modules_after("from newsreader.tui import cli\ncli.build_parser(every_command=False).parse_args([])")
    assert "newsreader.tui.feeds_cli" not in loaded


def _imports(path) -> set[str]:
    """Every module a source file imports, at any depth (lazy imports inside functions included)."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_every_whoosh_import_is_in_the_backend_package():
    """Replacing Whoosh means writing one package against ``store/backend.py``: nothing else names it."""
    from pathlib import Path

    import newsreader.index
    import newsreader.tui

    engine, ui = Path(newsreader.index.__file__).parent, Path(newsreader.tui.__file__).parent
    backend = engine / "store" / "whoosh"
    sources = sorted(engine.rglob("*.py")) + sorted(ui.rglob("*.py"))
    inside = [p for p in sources if backend in p.parents]
    outside = {str(p): sorted(m for m in _imports(p) if m.split(".")[0] == "whoosh")
               for p in sources if backend not in p.parents}
    assert {name: mods for name, mods in outside.items() if mods} == {}
    assert any("whoosh" in {m.split(".")[0] for m in _imports(p)} for p in inside)  # the walk sees imports
    assert len(sources) > 40


# What the reader and the command line may import of the engine: the facade, the records and errors it
# hands out, where the library lives (config, logs), the text-safety helpers for drawing untrusted text,
# and the command line's Ctrl+C handling around an index run (process plumbing, no engine state).
FACADE = {"index", "index.library", "index.models", "index.errors", "index.config", "index.logs", "index.textclean",
          "index.ingest.interrupt"}


def test_the_ui_uses_only_the_facade_and_its_records():
    import ast
    import re
    from pathlib import Path

    import newsreader.tui

    ui = Path(newsreader.tui.__file__).parent
    reached: dict[str, set[str]] = {}
    for path in sorted(ui.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        depth = len(path.relative_to(ui).parts)  # tui/x.py: 1 (``..index``), tui/screens/x.py: 2 (``...index``)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom):
                if node.level == 0 and (node.module or "").startswith("newsreader.index"):
                    name = node.module.removeprefix("newsreader.")
                elif node.level == depth + 1 and (node.module or "").startswith("index"):
                    name = node.module
                else:
                    continue
                if name not in FACADE:
                    reached.setdefault(str(path.relative_to(ui)), set()).add(name)
        for attribute in re.findall(r"library\.(state|catalog|store|searcher|paths|_\w+)\b", text):
            reached.setdefault(str(path.relative_to(ui)), set()).add(f"library.{attribute}")
    assert reached == {}
