"""The runner's settings, kept in a small JSON file in the user's config folder
(`runrehab settings`): the days of the week they run, which the calendar uses for work a source
prescribes "several times a week" without a count. Written whole or not at all."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NamedTuple, get_args

from ..documents.vocabulary import Weekday
from ..errors import FileRefused, UsageError
from ..files import why_not

WEEKDAYS: tuple[str, ...] = get_args(Weekday)
_LIMIT = 64 * 1024


class Settings(NamedTuple):
    run_days: tuple[str, ...] = ()  # in week order, each once; empty: not given


def settings_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("runrehab", appauthor=False)) / "settings.json"


def parse_run_days(text: str) -> tuple[str, ...]:
    """`mon,wed,sat` as run days in week order; `none` (or nothing) clears them. UsageError naming
    the day that is not one."""
    words = [w.strip().lower() for w in text.split(",") if w.strip()]
    words = [w[:3] if w in _FULL_NAMES else w for w in words]
    if words in ([], ["none"]):
        return ()
    for word in words:
        if word not in WEEKDAYS:
            raise UsageError(f"--run-days: {word[:20]!r} is not a day (allowed: {', '.join(WEEKDAYS)}, "
                             "comma-separated, or none)")
    return tuple(d for d in WEEKDAYS if d in words)


_FULL_NAMES = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def read_settings(path: Path | None = None) -> Settings:
    """The settings at `path` (default: settings_path()); defaults when there is no file.
    FileRefused naming the file when it is damaged."""
    path = path or settings_path()
    try:
        with open(path, "rb") as f:
            raw = f.read(_LIMIT + 1)
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise FileRefused(f"settings {path}: {why_not(exc)}") from None
    try:
        data = json.loads(raw.decode("utf-8")) if len(raw) <= _LIMIT else None
        days = data["run_days"]
        if not isinstance(days, list) or not all(d in WEEKDAYS for d in days):
            raise ValueError
    except (ValueError, TypeError, KeyError, UnicodeDecodeError, RecursionError):
        raise FileRefused(f"settings {path}: damaged (expected {{\"run_days\": [{', '.join(WEEKDAYS)}]}}); "
                          "set them again with `runrehab settings --run-days DAYS`") from None
    return Settings(tuple(d for d in WEEKDAYS if d in days))


def write_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write `settings` whole (a temporary file renamed over the old one); FileRefused when the
    folder cannot take it."""
    path = path or settings_path()
    text = json.dumps({"schema_version": 1, "run_days": list(settings.run_days)}, indent=1) + "\n"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise FileRefused(f"cannot write the settings {path}: {why_not(exc)}") from None
    return path
