"""Fuzzing the ledger: a spreadsheet cell can hold anything. A row parses into a bet or raises LedgerRowError; a whole
file gives bets and rejects or raises SourceSchemaError; nothing else ever escapes. Parsed bets also keep the
promises settlement relies on: positive cents stake, a ticket whose count matches, a canonical text that re-parses
to the same ticket.
"""
from __future__ import annotations

import csv
import io
import os
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backtests.betting.slips import MAX_COMBINATIONS
from ingestion.errors import SourceSchemaError
from ingestion.ledger import COLUMNS, LedgerFieldError, LedgerRowError, parse_row, read_ledger_text

FUZZ = settings(max_examples=int(os.environ.get("PADDOCK_FUZZ_EXAMPLES", "200")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

GOOD = {"bet_id": "b1", "placed_at": "2024-03-02T13:05:00-05:00", "race_id": "BEL-20240302-03",
        "bet_type": "trifecta", "selections": "3,7,1 box", "stake": "12", "odds_taken": "", "bookmaker": "tote"}
JUNK = st.one_of(
    st.sampled_from(["", " ", "nan", "NaN", "inf", "-inf", "Infinity", "1e400", "1E+999999", "-1", "0", "0.00",
                     "99", "100", "1,000", "1,00", "$", "HK$5", "£1,234.56", "\x00", "3-7-1", "3,7,1 box",
                     "3 key 7,1", "3 with", "key", "box", " box", "/", "//", "3//1", "1/2/3/4/5", "5/0", "0/5",
                     "EVENS", "+100", "-100", "+99", "-0", "1.0", "1.000001", "9999-12-31T23:59:59+23:59",
                     "0001-01-01", "2024-02-30", "2024-03-02T25:00", "exacta_box_key", "win key", "first 4",
                     "99999999999999999999/1", ",".join(str(h) for h in range(1, 100)) + " box"]),
    st.text(max_size=30),
    st.text(alphabet="0123456789,-/ +.$keyboxwith", max_size=30),
)
CELL = st.one_of(st.none(), JUNK, st.integers(), st.floats(), st.lists(st.text(max_size=3), max_size=2))


def _check(bet) -> None:
    assert bet.stake > 0 and bet.stake == bet.stake.quantize(Decimal("0.01"))
    assert 1 <= bet.combinations <= MAX_COMBINATIONS
    ticket = bet.ticket()
    assert ticket.count() == bet.combinations
    assert bet.odds_taken is None or bet.odds_taken > 1
    assert bet.placed_at.tzinfo is not None


@FUZZ
@given(st.dictionaries(st.sampled_from(COLUMNS + ("notes", "_extra")), CELL, max_size=8))
@example({"stake": "1E+999999"})
@example({"odds_taken": "99999999999999999999/1", "bet_type": "win", "selections": "3"})
@example({"selections": ",".join(str(h) for h in range(1, 100)) + " box", "bet_type": "superfecta"})
def test_any_row_parses_or_raises_the_ledger_error(edits):
    record = {**GOOD, **edits}
    try:
        bet = parse_row(record, 2)
    except LedgerRowError as exc:
        assert exc.errors and all(isinstance(e, LedgerFieldError) and e.row == 2 for e in exc.errors)
        assert all(e.field in COLUMNS for e in exc.errors)
        return
    _check(bet)


@FUZZ
@given(st.fixed_dictionaries({name: JUNK for name in COLUMNS}))
def test_rows_of_junk_only(record):
    try:
        _check(parse_row(record, 3))
    except LedgerRowError:
        pass


@FUZZ
@given(st.text(max_size=400))
@example("bet_id,placed_at,race_id,bet_type,selections,stake\n\x00")
@example('bet_id,placed_at,race_id,bet_type,selections,stake\n"unterminated')
@example("bet_id,placed_at,race_id,bet_type,selections,stake\nb,2024-01-01,R,win,1,5,x,y,z\n")
def test_any_file_gives_bets_and_rejects_or_a_schema_error(text):
    header = "bet_id,placed_at,race_id,bet_type,selections,stake,odds_taken,bookmaker\n"
    for document in (text, header + text):
        try:
            load = read_ledger_text(document)
        except SourceSchemaError:
            assert document == text  # only a file without the header may fail as a whole
            continue
        for bet in load.bets:
            _check(bet)
        assert len({bet.bet_id for bet in load.bets}) == len(load.bets)
        assert all(reject.reasons for reject in load.rejects)


@FUZZ
@given(st.lists(st.fixed_dictionaries({name: JUNK for name in COLUMNS}), max_size=5))
def test_csv_round_trip_of_junk_rows(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    load = read_ledger_text(out.getvalue())
    assert len(load.bets) + len(load.rejects) <= len(rows)
    for bet in load.bets:
        _check(bet)
