"""What `validate` reports: a Problem in a rule-base file at FILE:LINE:COL, and the report of them
all (`runrehab validate --json`)."""
from __future__ import annotations

from functools import total_ordering
from typing import Annotated, Literal

from ..safe_text import visible
from .base import Document, Limits
from .record import fields_of
from .vocabulary import SCHEMA_VERSION


@total_ordering
class Problem(Document):
    """Something wrong in a rule-base file, at FILE:LINE:COL; problems sort by place."""

    file: str
    line: Annotated[int, Limits(ge=1)]
    col: Annotated[int, Limits(ge=1)]
    severity: Literal["error", "warning"]
    code: str
    message: str

    def __init__(self, file: str, line: int, col: int, severity: str, code: str, message: str) -> None:
        super().__init__(file=file, line=line, col=col, severity=severity, code=code, message=message)

    def __lt__(self, other: Problem) -> bool:
        return tuple(fields_of(self).values()) < tuple(fields_of(other).values())

    def __hash__(self) -> int:
        return hash(tuple(fields_of(self).values()))

    def __str__(self) -> str:
        return visible(f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.code}: {self.message}")


class ValidationReport(Document):
    """`runrehab validate --json`: `ok` is false when an error (or with --strict a warning) was found."""

    schema_version: int = SCHEMA_VERSION
    ok: bool
    problems: list[Problem]
