"""Typed errors that name what was wrong and where, so an operator can act without reading a traceback."""
from __future__ import annotations

from collections.abc import Iterable


class IngestionError(Exception):
    """Base class for every error the ingestion layer raises on purpose."""


class SourceSchemaError(IngestionError):
    """A source file lacks required columns (missing or renamed); raised before anything is written."""

    def __init__(self, file: str, missing: Iterable[str], found: Iterable[str] = ()):
        self.file = str(file)
        self.missing = sorted(missing)
        self.found = sorted(found)
        super().__init__(
            f"{self.file}: missing required column(s) {', '.join(self.missing)}"
            + (f" (found: {', '.join(self.found)})" if self.found else "")
        )


class SourceNotFoundError(IngestionError):
    """The configured location of a source does not exist (e.g. ../shared absent on a user's clone)."""

    def __init__(self, source: str, path: str):
        self.source, self.path = source, str(path)
        super().__init__(f"source {source!r}: data not found at {self.path}")


class ParseError(IngestionError):
    """A value could not be parsed; names the value, the field and where it came from."""

    def __init__(self, value: object, field: str, where: str = ""):
        self.value, self.field, self.where = value, field, where
        super().__init__(f"cannot parse {field}={value!r}" + (f" in {where}" if where else ""))
