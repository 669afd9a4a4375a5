"""The one error every normalizer raises, so a parser can say *which* forms it would have accepted.

A value the normalizer does not recognise is never guessed at: guessing "1m" as metres instead of a mile silently
shifts a race by 1,600 metres. Listing the accepted forms in the message lets whoever reads the log fix the mapping.
"""
from __future__ import annotations

from collections.abc import Iterable

from ingestion.errors import ParseError


class UnrecognisedValue(ParseError):
    """``value`` of ``field`` matched none of ``accepted`` (kept on the exception for callers and tests)."""

    def __init__(self, value: object, field: str, accepted: Iterable[str], where: str = ""):
        self.accepted = tuple(accepted)
        super().__init__(value, field, where)
        self.args = (f"{self.args[0]}; accepted forms: {', '.join(self.accepted)}",)

    def __str__(self) -> str:
        return self.args[0]
