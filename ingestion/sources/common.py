"""Small helpers every source shares: where ``../shared/data`` is, money/odds as ``Decimal``, canonical frames.

Kept in one place so that "how a float becomes a Decimal" or "what a race_id looks like" has one answer for all
sources (see ``ingestion/schema.py`` for the conventions themselves).
"""
from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from ingestion.schema import RAW_TABLES

# ingestion/sources/common.py -> parents[2] is the project root; ../shared sits beside it (absent on a user's clone).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def make_race_id(track: str, race_date: date, race_number: object) -> str:
    """``"<track>-<yyyymmdd>-<race_number:02d>"``; a race number that is not an integer is kept verbatim."""
    try:
        number = f"{int(race_number):02d}"
    except (TypeError, ValueError):
        number = str(race_number)
    return f"{track}-{race_date:%Y%m%d}-{number}"


def to_decimal(value: object) -> Decimal | None:
    """A number (int, float, numeric string) as ``Decimal``; None for blanks, NaN and anything unparseable.

    Floats go through ``repr`` so 9.7 becomes Decimal('9.7'), not its binary expansion.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    text = str(value).strip()
    if not _NUMBER.match(text):
        return None
    try:
        result = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex already rejects these
        return None
    return result if result.is_finite() else None


def to_decimal_or_text(value: object) -> Decimal | str | None:
    """Like ``to_decimal`` but non-blank text that is not a number survives as text.

    Used for columns the quality gate checks (odds, dividends): the gate then quarantines the row with the value as
    written, instead of the row slipping through with a silent null.
    """
    number = to_decimal(value)
    if number is not None or value is None or (isinstance(value, float) and math.isnan(value)):
        return number
    text = str(value).strip()
    return text or None


def decimal_column(values: pd.Series, *, keep_invalid: bool = False) -> list[Decimal | str | None]:
    """``to_decimal`` over a column, parsing each distinct value once (odds and dividends repeat a lot).

    With ``keep_invalid`` unparseable text is kept as text (see ``to_decimal_or_text``).
    """
    parse = to_decimal_or_text if keep_invalid else to_decimal
    cache: dict[object, Decimal | str | None] = {}
    out = []
    for v in values.tolist():
        try:
            d = cache[v]
        except KeyError:
            d = cache[v] = parse(v)
        except TypeError:  # unhashable: parse directly
            d = parse(v)
        out.append(d)
    return out


def int_column(values) -> pd.Series:
    """Nullable Int64 from anything: ints stay, numeric text is parsed, non-integral or unparseable -> null."""
    numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    return numbers.where(numbers % 1 == 0).astype("Int64")


def slug(name: object) -> str | None:
    """``"B Prebble"`` -> ``"b-prebble"``: a stable id for sources that only publish people's names."""
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return None
    text = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")
    return text or None


def canonical(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The schema's columns in COPY order, plus ``_original`` when the source attached it."""
    columns = list(RAW_TABLES[table])
    for column in columns:
        if column not in frame:
            frame[column] = None
    if "_original" in frame:
        columns.append("_original")
    return frame[columns].reset_index(drop=True)
