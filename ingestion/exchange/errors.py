"""The one error the exchange reader raises for a bad stream file, so a loader can fail that file and go on.

A Betfair history delivery is many files; one truncated download must not stop the others. The message is a single
line naming the file (or ``archive.tar:member``) and the line reached, which is what an operator needs to find it.
"""
from __future__ import annotations


class ExchangeFileError(ValueError):
    """A stream file (or archive member) that cannot be read or parsed; ``line`` is 1-based, None when not known."""

    def __init__(self, source: str, line: int | None, reason: str):
        self.source = str(source)
        self.line = line
        self.reason = " ".join(str(reason).split())  # one line, whatever the decoder said
        where = self.source if line is None else f"{self.source} line {line}"
        super().__init__(f"{where}: {self.reason}")
