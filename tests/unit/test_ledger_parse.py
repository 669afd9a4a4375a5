"""The ledger parser: exact parsed values for every selection form, and errors that name row, field and value."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion.errors import ParseError, SourceNotFoundError, SourceSchemaError
from ingestion.ledger import LedgerFieldError, LedgerRowError, parse_row, read_ledger, read_ledger_text

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ledger.csv"


def row(**cells):
    base = {"bet_id": "b1", "placed_at": "2024-03-02", "race_id": "BEL-20240302-03", "bet_type": "win",
            "selections": "4", "stake": "10"}
    return {**base, **cells}


@pytest.mark.parametrize("bet_type, selections, pool, form, canonical, count", [
    ("win", "4", "win", "straight", "4", 1),
    ("Trifecta", "3-7-1", "trifecta", "straight", "3-7-1", 1),
    ("trifecta", "3,7,1 box", "trifecta", "box", "1,3,7 box", 6),
    ("Trifecta box", "3 7 1", "trifecta", "box", "1,3,7 box", 6),
    ("superfecta_box", "1,2,3,5", "superfecta", "box", "1,2,3,5 box", 24),
    ("quinella", "7-3", "quinella", "straight", "3-7", 1),
    ("quinella", "3,7,9 box", "quinella", "box", "3,7,9 box", 3),
    ("exacta", "3 key 9,1,7", "exacta", "key", "3 key 1,7,9", 3),
    ("trifecta", "5-3 with 1,2", "trifecta", "key", "5-3 key 1,2", 2),
    ("trio", "5 key 1,2,3", "trio", "key", "5 key 1,2,3", 3),
    ("trifecta", "3/7,9/1,2,5", "trifecta", "positional", "3/7,9/1,2,5", 6),
    ("exacta", "8/2", "exacta", "straight", "8-2", 1),
    ("perfecta", "2-8", "exacta", "straight", "2-8", 1),
    ("first 4", "1,2,3,4,5 box", "first4", "box", "1,2,3,4,5 box", 5),
    ("Quinella-Place", "04-11", "quinella_place", "straight", "4-11", 1),
])
def test_selections_become_tickets(bet_type, selections, pool, form, canonical, count):
    bet = parse_row(row(bet_type=bet_type, selections=selections, stake="12"), 2)
    assert (bet.bet_type, bet.form, bet.selections, bet.combinations) == (pool, form, canonical, count)
    assert bet.ticket().count() == count
    # the canonical text is a fixed point: what raw.ledger_bets stores re-parses to the same ticket
    again = parse_row(row(bet_type=pool, selections=canonical, stake="12"), 2)
    assert (again.form, again.selections, sorted(again.ticket().combinations())) == (
        form, canonical, sorted(bet.ticket().combinations()))


def test_a_full_row_parses_exactly():
    bet = parse_row(row(placed_at="2024-03-02T13:05:00-05:00", stake="$1,200.50", odds_taken="5/2",
                        bookmaker=" FanDuel "), 7)
    assert bet.row == 7 and bet.bet_id == "b1" and bet.race_id == "BEL-20240302-03"
    assert bet.placed_at == datetime(2024, 3, 2, 18, 5, tzinfo=timezone.utc)
    assert bet.placed_at.utcoffset() == timedelta(hours=-5)
    assert bet.stake == Decimal("1200.50") and bet.odds_taken == Decimal("3.5") and bet.odds_text == "5/2"
    assert bet.bookmaker == "FanDuel"


@pytest.mark.parametrize("text, decimal_odds", [("5/2", "3.5"), ("5-2", "3.5"), ("EVENS", "2"), ("3.5", "3.5"),
                                                ("+150", "2.5"), ("-200", "1.5"), ("12/1", "13")])
def test_odds_taken_in_every_format(text, decimal_odds):
    assert parse_row(row(odds_taken=text), 2).odds_taken == Decimal(decimal_odds)


def test_dates_without_a_time_or_offset_are_utc():
    assert parse_row(row(placed_at="2024-03-02"), 2).placed_at == datetime(2024, 3, 2, tzinfo=timezone.utc)
    assert parse_row(row(placed_at="2024-03-02 13:05"), 2).placed_at == datetime(2024, 3, 2, 13, 5,
                                                                                 tzinfo=timezone.utc)


@pytest.mark.parametrize("field, value, reason", [
    ("bet_id", "", "bet_id is required"),
    ("placed_at", "2024-13-02", "expected a date"),
    ("race_id", "  ", "race_id is required"),
    ("bet_type", "pick6", "unknown bet type"),
    ("stake", "ten", "not an amount of money"),
    ("stake", "-4", "not an amount of money"),
    ("stake", "0.00", "must be positive"),
    ("stake", "1.005", "not an amount of money"),
    ("odds_taken", "1.0", "decimal odds must be greater than 1.0"),
    ("odds_taken", "+50", "expected odds such as 3.5, 5/2, EVENS or +150"),
    ("odds_taken", "-100.5", "expected odds such as"),
    ("odds_taken", "5/0", "positive numerator and denominator"),
    ("selections", "3-7", "a straight win takes 1 horse(s), got 2"),
    ("selections", "3-3", "a horse is listed twice"),
    ("selections", "0", "'0' is not a horse number"),
    ("selections", "100", "'100' is not a horse number"),
])
def test_bad_fields_name_row_field_and_value(field, value, reason):
    with pytest.raises(LedgerRowError) as caught:
        parse_row(row(**{field: value}), 9)
    [error] = caught.value.errors
    assert isinstance(error, LedgerFieldError) and isinstance(error, ParseError)
    assert (error.row, error.field, error.value) == (9, field, value)
    assert reason.lower() in error.reason.lower(), error.reason
    assert str(error).startswith(f"row 9: {field}={value!r}: ")


def test_american_odds_between_minus_and_plus_100_do_not_exist():
    with pytest.raises(LedgerRowError) as caught:
        parse_row(row(odds_taken="+050"), 2)
    assert caught.value.errors[0].field == "odds_taken"


@pytest.mark.parametrize("bet_type, selections, reason", [
    ("exacta", "3", "a straight exacta takes 2 horse(s), got 1"),
    ("trifecta", "3,7 box", "a trifecta box needs at least 3 horses"),
    ("exacta", "3-7 key 1", "a exacta key takes fewer than 2 banker(s)"),
    ("trifecta", "3 key 3,4", "a banker is also listed with the others"),
    ("trifecta", "3 key 4", "a trifecta key needs 3 horses in all"),
    ("exacta_key", "3,4", "a key bet is written 'banker key others'"),
    ("quinella", "3/4", "quinella is unordered"),
    ("trifecta", "3/4", "trifecta takes 3 leg(s), got 2"),
    ("trifecta", "3/3/3", "the selections make no valid combination"),
    ("superfecta", ",".join(map(str, range(1, 41))) + " box", "2,193,360 combinations"),
    ("exacta", "3,3 box", "a horse is listed twice"),
])
def test_bad_selections_say_what_is_wrong(bet_type, selections, reason):
    with pytest.raises(LedgerRowError) as caught:
        parse_row(row(bet_type=bet_type, selections=selections), 4)
    [error] = caught.value.errors
    assert error.field == "selections" and reason in error.reason, error.reason


def test_fixed_odds_only_on_single_win_bets():
    with pytest.raises(LedgerRowError) as caught:
        parse_row(row(bet_type="exacta", selections="3-7", odds_taken="12"), 3)
    assert [e.field for e in caught.value.errors] == ["odds_taken"]
    assert "single win bets only" in caught.value.errors[0].reason
    with pytest.raises(LedgerRowError):
        parse_row(row(bet_type="win", selections="3,7 box", odds_taken="12"), 3)


def test_every_problem_of_a_row_is_reported_at_once():
    with pytest.raises(LedgerRowError) as caught:
        parse_row({"bet_id": "x", "placed_at": "yesterday", "race_id": "R", "bet_type": "win", "selections": "99x",
                   "stake": "", "bookmaker": "a\x00b"}, 12)
    assert [e.field for e in caught.value.errors] == ["placed_at", "stake", "bookmaker", "selections"]
    assert caught.value.reasons[0] == ("placed_at: expected a date (2024-03-02) or an ISO time "
                                       "(2024-03-02T13:05:00-05:00) ('yesterday')")


def test_read_ledger_quarantines_bad_and_duplicate_rows():
    text = ("Bet_ID,placed_at,race_id,bet_type,selections,stake,notes\n"
            "a,2024-01-05,SA-20240105-01,win,3,5,first\n"
            "\n"
            "b,2024-01-05,SA-20240105-01,exacta,3,5,\n"
            "a,2024-01-05,SA-20240105-02,win,4,5,again\n"
            "c,2024-01-05,SA-20240105-02,show,4,2.50,,extra-cell\n")
    load = read_ledger_text(text)
    assert [(b.bet_id, b.row, b.stake) for b in load.bets] == [("a", 2, Decimal("5")), ("c", 6, Decimal("2.50"))]
    assert [(r.row, r.record["bet_id"], r.reasons) for r in load.rejects] == [
        (4, "b", ["selections: a straight exacta takes 2 horse(s), got 1; add 'box' or use 'key' for more ('3')"]),
        (5, "a", ["bet_id: duplicate of row 2 ('a')"]),
    ]


def test_missing_columns_and_files_are_typed_errors(tmp_path):
    with pytest.raises(SourceSchemaError) as caught:
        read_ledger_text("bet_id,race_id,stake\nb,R,5\n", "mine.csv")
    assert caught.value.missing == ["bet_type", "placed_at", "selections"] and caught.value.file == "mine.csv"
    with pytest.raises(SourceNotFoundError):
        read_ledger(tmp_path / "absent.csv")


def test_the_example_ledger():
    load = read_ledger(EXAMPLE)
    assert [b.bet_id for b in load.bets] == [f"b{i:03d}" for i in range(1, 10)]
    assert [(r.row, r.record["bet_id"]) for r in load.rejects] == [(11, "b010"), (12, "b011")]
    assert load.rejects[0].reasons[0].startswith("bet_type: unknown bet type")
    assert [r.split(":")[0] for r in load.rejects[1].reasons] == ["stake", "selections"]


HEADER = b"bet_id,placed_at,race_id,bet_type,selections,stake\n"
GOOD = b"b1,2024-03-02,BEL-20240302-03,win,4,10\n"


def test_non_utf8_bytes_name_the_file_and_line(tmp_path):
    from ingestion.ledger import LedgerFileError

    path = tmp_path / "bets.csv"
    path.write_bytes(HEADER + GOOD + b"b2,2024-03-02,BEL-20240302-0\xe9,win,4,10\n")
    with pytest.raises(LedgerFileError) as caught:
        read_ledger(path)
    assert str(caught.value) == f"{path}, line 3: byte(s) b'\\xe9' are not UTF-8 (save the file as UTF-8)"


def test_a_10_mb_line_names_the_file_and_line(tmp_path):
    from ingestion.ledger import LedgerFileError

    path = tmp_path / "bets.csv"
    path.write_bytes(HEADER + GOOD + GOOD.replace(b"b1", b"b2") + b"b3,2024-03-02," + b"x" * 10_000_000 + b",win,4,10\n")
    with pytest.raises(LedgerFileError) as caught:
        read_ledger(path)
    assert (caught.value.file, caught.value.line) == (str(path), 4)
    assert str(caught.value).startswith(f"{path}, line 4: not readable as CSV (field larger than field limit")
