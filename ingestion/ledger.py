"""The bet ledger: the user's own bets from a CSV file, parsed into typed rows or rejected with reasons.

One row per bet as the user placed it::

    bet_id,placed_at,race_id,bet_type,selections,stake,odds_taken,bookmaker
    b001,2024-03-02T13:05:00-05:00,BEL-20240302-03,win,4,10.00,5/2,FanDuel
    b002,2024-03-02,BEL-20240302-05,trifecta,"3,7,1 box",12,,tote

- ``bet_type`` and ``selections`` are written in bet-slip notation (``backtests.betting.slips``): a pool the warehouse
  holds dividends for or an alias (perfecta, tri, super, ...) with an optional ``_box`` / ``_key`` suffix, and
  ``3`` · ``3-7-1`` · ``3,7,1 box`` · ``3 key 7,9,1`` · ``3/7,9/1,2,5``. Horse numbers 1-99.
- ``stake`` is the money the whole ticket cost (``$12`` for a $2 trifecta box of three); each combination carries an
  equal share of it.
- ``odds_taken`` (optional) makes a single win bet a fixed-odds bet settled at that price ("5/2", "3.5", "+150",
  "EVENS"); every other bet pays the tote dividend, so odds on them are rejected rather than silently ignored.

Everything a row can get wrong is reported at once: :class:`LedgerRowError` carries one :class:`LedgerFieldError`
(a :class:`~ingestion.errors.ParseError`) per bad field, naming row, field and value. A file without the required
columns raises :class:`~ingestion.errors.SourceSchemaError` before anything is read. Plain Python: no Dagster here.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from backtests.betting.slips import LedgerBet, parse_bet_type, parse_selections
from ingestion.errors import IngestionError, ParseError, SourceNotFoundError, SourceSchemaError
from ingestion.ledger_values import _identifier, _text, parse_money, parse_odds, parse_placed_at

REQUIRED = ("bet_id", "placed_at", "race_id", "bet_type", "selections", "stake")
OPTIONAL = ("odds_taken", "bookmaker")
COLUMNS = REQUIRED + OPTIONAL
class LedgerFieldError(ParseError):
    """One field of one ledger row that could not be used; ``reason`` says why in words."""

    def __init__(self, value: object, field: str, row: int, reason: str):
        super().__init__(value, field, f"ledger row {row}")
        self.row, self.reason = row, reason
        self.args = (f"row {row}: {field}={value!r}: {reason}",)

    def __str__(self) -> str:
        return self.args[0]


class LedgerRowError(IngestionError):
    """A ledger row with one or more bad fields (or a duplicate bet id); ``errors`` lists each of them."""

    def __init__(self, row: int, errors: list[LedgerFieldError]):
        self.row, self.errors = row, list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    @property
    def reasons(self) -> list[str]:
        return [f"{e.field}: {e.reason} ({e.value!r})" for e in self.errors]


@dataclass(frozen=True)
class Reject:
    row: int
    record: dict[str, str | None]
    reasons: list[str]


@dataclass
class LedgerLoad:
    bets: list[LedgerBet] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def parse_row(record: dict[str, object], row: int) -> LedgerBet:
    """One ledger row (column name → cell text) → :class:`LedgerBet`, or :class:`LedgerRowError` with every problem."""
    errors: list[LedgerFieldError] = []
    values: dict[str, object] = {}

    def attempt(name: str, parse) -> None:
        raw = record.get(name)
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            errors.append(LedgerFieldError(raw, name, row, str(exc)))

    attempt("bet_id", lambda v: _identifier(v, "bet_id"))
    attempt("placed_at", parse_placed_at)
    attempt("race_id", lambda v: _identifier(v, "race_id"))
    attempt("bet_type", parse_bet_type)
    attempt("stake", parse_money)
    attempt("odds_taken", lambda v: parse_odds(v) if _text(v) else None)
    attempt("bookmaker", lambda v: _identifier(v, "bookmaker") if _text(v) else None)
    if "bet_type" in values:
        pool, hint = values["bet_type"]
        attempt("selections", lambda v: parse_selections(pool, v, hint))
    if "selections" in values and values.get("odds_taken") is not None:
        ticket = values["selections"][0]
        if pool != "win" or ticket.count() != 1:
            errors.append(LedgerFieldError(record.get("odds_taken"), "odds_taken", row,
                                           "fixed odds apply to single win bets only; other bets pay the tote "
                                           "dividend, so leave odds_taken empty"))
    if errors:
        raise LedgerRowError(row, errors)
    ticket, canonical = values["selections"]
    return LedgerBet(
        row=row, bet_id=values["bet_id"], placed_at=values["placed_at"], race_id=values["race_id"],
        bet_type=pool, form=ticket.form, selections=canonical, combinations=ticket.count(), stake=values["stake"],
        odds_taken=values["odds_taken"], odds_text=_text(record.get("odds_taken")) or None,
        bookmaker=values["bookmaker"])


class LedgerFileError(IngestionError):
    """The file itself cannot be read as CSV text (bad encoding, a line beyond the field limit); names file and line."""

    def __init__(self, file: str, line: int, problem: str):
        self.file, self.line, self.problem = str(file), line, problem
        super().__init__(f"{self.file}, line {line}: {problem}")


def read_ledger_text(text: str, name: str = "ledger") -> LedgerLoad:
    """Parse a whole ledger CSV: bad rows become rejects, and so does a repeated bet_id after its first row.

    A line the csv module cannot read at all (a field over ``csv.field_size_limit``, 128 kB: no bet has one) stops the
    read with a :class:`LedgerFileError` naming the line, before anything is stored.
    """
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey="_extra", restval=None)
    try:
        return _read_records(reader, name)
    except csv.Error as exc:
        raise LedgerFileError(name, reader.reader.line_num or 1, f"not readable as CSV ({exc})") from None


def _read_records(reader: csv.DictReader, name: str) -> LedgerLoad:
    header = [h.strip().lower() for h in (reader.fieldnames or []) if isinstance(h, str)]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SourceSchemaError(name, missing, header)
    reader.fieldnames = [h.strip().lower() if isinstance(h, str) else h for h in reader.fieldnames]
    load, first_row = LedgerLoad(), {}
    for record in reader:
        row = reader.line_num  # the file's line number (the header is line 1), as a spreadsheet shows it
        cells = {k: (v if isinstance(v, str) or v is None else ",".join(map(str, v))) for k, v in record.items()}
        if not any(_text(v) for v in cells.values()):
            continue  # blank line
        try:
            bet = parse_row(cells, row)
            if bet.bet_id in first_row:
                raise LedgerRowError(row, [LedgerFieldError(bet.bet_id, "bet_id", row,
                                                            f"duplicate of row {first_row[bet.bet_id]}")])
        except LedgerRowError as exc:
            load.rejects.append(Reject(row, cells, exc.reasons))
            continue
        first_row[bet.bet_id] = row
        load.bets.append(bet)
    return load


def read_ledger(path: str | Path) -> LedgerLoad:
    path = Path(path)
    if not path.is_file():
        raise SourceNotFoundError("ledger", str(path))
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        bad = data[exc.start:exc.end]
        raise LedgerFileError(path, line, f"byte(s) {bad!r} are not UTF-8 (save the file as UTF-8)") from None
    return read_ledger_text(text, str(path))

