"""A document made and kept in the history, or made and refused by it: its advice (a warning
sign's above all) must reach its reader all the same."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import HistoryError


class Kept(NamedTuple):
    """A document and what keeping it did. With `refused`, the command shows the document, then
    ends with that error (exit 2)."""

    document: Any
    path: Path | None = None  # the history it was saved in; None when it was not to be saved
    replaced: str | None = None  # what saving it did to a plan running for the same symptom
    refused: HistoryError | None = None  # why the history could not take it


def keeping(document: Any, keep: Callable[[], Path], replaced: str | None = None) -> Kept:
    """`document` kept by `keep`, or with the reason it was not."""
    try:
        return Kept(document, keep(), replaced)
    except HistoryError as exc:
        why = str(exc)
        return Kept(document, refused=HistoryError(why if why.endswith("nothing was saved") else f"{why}; nothing was saved"))
