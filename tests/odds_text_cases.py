"""One table of odds strings and the decimal odds each means (4 dp), or None where the text is not odds.

Expected values are worked out by hand from the grammar (e.g. "-115" → 1 + 100/115 = 1.869565… → 1.8696), not by
either implementation. The Python converter (scalar and vectorized) and the dbt macro are each held to this table, so
the two can only agree by both being right.
"""
from decimal import Decimal

D = Decimal
ODDS_TEXT_CASES: list[tuple[str, Decimal | None]] = [
    # evens, every spelling and case
    ("EVN", D("2")), ("EV", D("2")), ("EVS", D("2")), ("EVEN", D("2")), ("evens", D("2")), ("Evs", D("2")),
    ("EVENSS", None), ("EVE", None), ("EVNS", None),
    # fractional
    ("5/2", D("3.5")), ("5-2", D("3.5")), ("5:1", D("6")), ("100/30", D("4.3333")), ("11/10", D("2.1")),
    ("1/3", D("1.3333")), ("1/07", D("1.1429")), ("1/32", D("1.0313")), ("5 / 2", D("3.5")), ("0/1", None),
    ("000/1", None), ("5/0", None), ("2.5-1", None), ("5/2f", None), ("2/1/3", None), ("1000000/1", None),
    # American: the sign makes it American
    ("-110", D("1.9091")), ("+150", D("2.5")), ("-115", D("1.8696")), ("-100", D("2")), ("+100", D("2")),
    ("+0100", D("2")), ("+99", None), ("+099", None), ("-50", None), ("+150.5", None), ("-12345678", None),
    # decimal: a bare number is decimal odds including the stake
    ("5", D("5")), ("150", D("150")), ("1.5", D("1.5")), ("2.123456", D("2.1235")), ("9.70", D("9.7")),
    ("1", None), ("1.0", None), ("0.5", None), ("3.5.1", None), ("1e3", None), (".5", None), ("1234567", None),
    # whitespace: ASCII spaces, tabs and line breaks only
    ("  5/2  ", D("3.5")), ("\t9-2\n", D("5.5")), (" EVS\r\n", D("2")), ("", None), ("   ", None),
    ("\u00a05/2", None), ("EVN\u00a0", None),
    # junk
    ("junk", None), ("N/A", None), ("SCR", None), ("-", None), ("1,5", None), ("\u0665/\u0662", None),
    ("\u00bd", None), ("5/2;drop table x", None),
]
