"""Kaggle "Horse Racing in HK" (gdaley): ``races.csv`` + ``runs.csv`` -> the canonical raw tables.

Decisions, each checked against the shared copy (6,349 races, 79,447 runs):

- **Calendar restored.** This copy's dates are shifted by exactly 4,123 days: its race 0 on "1997-06-02" is the real
  Sha Tin race 1 of 2008-09-15 (matched on dividends) and its last race, "2005-08-28", is 2016-12-11. ``race_date`` is
  the csv date + 4,123 days (restored dates fall on Sundays/Wednesdays, HK's racing days); the csv date and row id
  stay in ``source_ref``: ``"kaggle race_id=0 csv_date=1997-06-02"``.
- **Surface** ``0`` = turf, ``1`` = synthetic (Kaggle calls it dirt): code 1 occurs only at Sha Tin, only on config
  "A", and with the all-weather goings (FAST, WET SLOW, SLOW...), i.e. the all-weather track, which
  ``ingestion.normalize`` calls synthetic.
- **Finishers.** ``result`` is always 1..14 here; dead heats share a result (12 races with two winners). A result
  that is not a positive integer (0, blank, text) would mean "did not finish": ``finish_position`` null, status
  ``dnf``. ``lengths_behind`` = 999 (89 runs) is a sentinel for "beaten too far to measure" - those runs do have a
  finish time and the last places - so they stay ``finished`` with ``margin_lengths`` null. Small negative margins
  (-0.1 .. -0.5, 7 runs) are kept as published for the quality gate to judge.
- **Ids.** Kaggle publishes numeric ids and no names: ``horse_id`` ``"HK-K<id>"``, ``jockey_id`` ``"HK-KJ<id>"``,
  ``trainer_id`` ``"HK-KT<id>"``; names null. ``actual_weight``/``declared_weight`` are already in lb.
- **Dividends** are per HK$10 (``win_dividend1`` / ``win_odds`` has median 10.08 over 6,342 winners): stake_unit 10,
  HKD. Two win combinations = dead heat. Only win and place pools are in this copy.
- **Money** ``prize`` -> ``purse`` (HKD, 462 races blank -> null); odds and dividends as ``Decimal``.
- **Bad rows never raise.** Values that do not parse become null (odds and dividends keep their text, which the gate
  rejects), out-of-range numbers (a negative draw) are kept,
  and every returned row carries ``_original``: its csv fields as strings, for the quarantine record. Missing
  *columns* do raise ``SourceSchemaError`` before anything is returned. A row whose date does not parse has no
  partition and is never returned (``undated_rows`` counts them).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from ingestion.errors import SourceNotFoundError, SourceSchemaError
from ingestion.schema import RawBatch, empty_batch
from ingestion.sources.base import HistoricalSource
from ingestion.sources.common import SHARED_DATA, canonical, decimal_column, make_race_id

DATE_SHIFT = timedelta(days=4123)
LENGTHS_SENTINEL = 999.0
STAKE_UNIT = 10
CURRENCY = "HKD"
SURFACES = {"0": "turf", "1": "synthetic"}

RACE_COLUMNS = (
    "race_id", "date", "venue", "race_no", "surface", "distance", "going", "prize", "race_class",
    "win_combination1", "win_dividend1", "win_combination2", "win_dividend2",
    "place_combination1", "place_combination2", "place_combination3", "place_combination4",
    "place_dividend1", "place_dividend2", "place_dividend3", "place_dividend4",
)
RUN_COLUMNS = (
    "race_id", "horse_no", "horse_id", "result", "lengths_behind", "horse_age", "declared_weight", "actual_weight",
    "draw", "finish_time", "win_odds", "trainer_id", "jockey_id",
)
DIVIDEND_FIELDS = (("win", 1), ("win", 2), ("place", 1), ("place", 2), ("place", 3), ("place", 4))


def read_csv_checked(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """Every field as a string ('' for blank); raises ``SourceSchemaError`` naming the file and missing columns."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.EmptyDataError:
        raise SourceSchemaError(str(path), required) from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SourceSchemaError(str(path), missing, frame.columns)
    return frame


def _num(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.str.strip(), errors="coerce")


def _int(text: pd.Series) -> pd.Series:
    """Integers as nullable Int64; blanks, text and non-integral numbers become null."""
    values = _num(text)
    return values.where(values % 1 == 0).astype("Int64")


def _blank_to_none(text: pd.Series) -> pd.Series:
    stripped = text.str.strip()
    return stripped.where(stripped != "", None).astype(object)


def _combination(text: pd.Series) -> pd.Series:
    """'8' / '11.0' -> '8' / '11'; anything else is kept verbatim for the gate's pattern check."""
    values = _int(text)
    return pd.Series([str(v) if v is not pd.NA else (t.strip() or None) for v, t in zip(values, text)],
                     index=text.index, dtype=object)


def parse_races(raw: pd.DataFrame) -> pd.DataFrame:
    csv_date = pd.to_datetime(raw["date"].str.strip(), format="%Y-%m-%d", errors="coerce")
    race_date = pd.Series([None if pd.isna(d) else (d + DATE_SHIFT).date() for d in csv_date], dtype=object)
    race_no = _int(raw["race_no"])
    venue = _blank_to_none(raw["venue"])
    race_id = [
        None if d is None else make_race_id(v, d, n if n is not pd.NA else raw_n.strip())
        for v, d, n, raw_n in zip(venue, race_date, race_no, raw["race_no"])
    ]
    surface = raw["surface"].str.strip()
    return pd.DataFrame({
        "race_id": race_id,
        "race_date": race_date,
        "track_code": venue,
        "race_number": race_no,
        "post_time": None,
        "distance": _int(raw["distance"]),
        "distance_unit": "m",
        "surface": surface.map(SURFACES).where(surface.isin(list(SURFACES)), _blank_to_none(surface)),
        "going": _blank_to_none(raw["going"].str.lower()),
        "race_class": _blank_to_none(raw["race_class"]),
        "race_type": None,
        "purse": decimal_column(raw["prize"]),
        "currency": CURRENCY,
        "source_ref": "kaggle race_id=" + raw["race_id"].str.strip() + " csv_date=" + raw["date"].str.strip(),
    })


def parse_runs(raw: pd.DataFrame, races: pd.DataFrame, races_raw: pd.DataFrame) -> pd.DataFrame:
    key = races_raw["race_id"].str.strip()
    by_kaggle_id = dict(zip(key, zip(races["race_id"], races["race_date"])))
    found = [by_kaggle_id.get(k, (None, None)) for k in raw["race_id"].str.strip()]
    result = _int(raw["result"])
    finished = (result >= 1).fillna(False)
    lengths = _num(raw["lengths_behind"])

    def prefixed(prefix: str, column: str) -> pd.Series:
        ids = _blank_to_none(raw[column])
        return ids.map(lambda v: None if v is None else f"{prefix}{v}")

    return pd.DataFrame({
        "race_id": [f[0] for f in found],
        "race_date": pd.Series([f[1] for f in found], dtype=object),
        "horse_number": _int(raw["horse_no"]),
        "post_position": _int(raw["draw"]),
        "horse_id": prefixed("HK-K", "horse_id"),
        "horse_name": None,
        "horse_age": _int(raw["horse_age"]),
        "jockey_id": prefixed("HK-KJ", "jockey_id"),
        "jockey_name": None,
        "trainer_id": prefixed("HK-KT", "trainer_id"),
        "trainer_name": None,
        "weight_lbs": _num(raw["actual_weight"]),
        "horse_weight_lbs": _num(raw["declared_weight"]),
        "morning_line": None,
        "final_odds": decimal_column(raw["win_odds"], keep_invalid=True),
        "finish_position": result.where(finished),
        "status": finished.map({True: "finished", False: "dnf"}),
        "margin_lengths": lengths.where(lengths < LENGTHS_SENTINEL),
        "finish_time_s": _num(raw["finish_time"]),
    })


def parse_dividends(raw: pd.DataFrame, races: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for order, (pool, k) in enumerate(DIVIDEND_FIELDS):
        combination = _combination(raw[f"{pool}_combination{k}"])
        part = pd.DataFrame({
            "race_id": races["race_id"],
            "race_date": races["race_date"],
            "pool": pool,
            "combination": combination,
            "dividend": decimal_column(raw[f"{pool}_dividend{k}"], keep_invalid=True),
            "stake_unit": STAKE_UNIT,
            "currency": CURRENCY,
            "_race_row": range(len(raw)),
            "_order": order,
        })
        parts.append(part[combination.notna()])
    frame = pd.concat(parts, ignore_index=True).sort_values(["_race_row", "_order"], kind="stable")
    return frame.drop(columns=["_order"]).reset_index(drop=True)


def _originals(raw: pd.DataFrame, rows) -> list[dict[str, str]]:
    columns = list(raw.columns)
    return [dict(zip(columns, values)) for values in raw.iloc[rows].itertuples(index=False, name=None)]


@dataclass
class _Parsed:
    races_raw: pd.DataFrame
    runs_raw: pd.DataFrame
    races: pd.DataFrame
    runners: pd.DataFrame
    dividends: pd.DataFrame


class KaggleHKSource(HistoricalSource):
    """Hong Kong results 2008-09-15 .. 2016-12-11 from the Kaggle CSVs; parsed once per instance, then sliced."""

    name = "kaggle_hk"

    def __init__(self, data_dir: Path = SHARED_DATA / "kaggle-hk"):
        self.data_dir = Path(data_dir)
        self._parsed: _Parsed | None = None

    def _load(self) -> _Parsed:
        if self._parsed is None:
            paths = {name: self.data_dir / name for name in ("races.csv", "runs.csv")}
            for path in [self.data_dir, *paths.values()]:
                if not path.exists():
                    raise SourceNotFoundError(self.name, path)
            # Both headers are checked before anything is parsed, so a renamed column fails the whole read.
            races_raw = read_csv_checked(paths["races.csv"], RACE_COLUMNS)
            runs_raw = read_csv_checked(paths["runs.csv"], RUN_COLUMNS)
            races = parse_races(races_raw)
            self._parsed = _Parsed(races_raw, runs_raw, races, parse_runs(runs_raw, races, races_raw),
                                   parse_dividends(races_raw, races))
        return self._parsed

    @property
    def undated_rows(self) -> int:
        """Race rows whose csv date did not parse: they belong to no partition and are never returned."""
        return int(self._load().races["race_date"].isna().sum())

    def available_dates(self) -> list[date]:
        return sorted(set(self._load().races["race_date"].dropna()))

    def read(self, start: date, end: date) -> RawBatch:
        parsed = self._load()
        if start > end:
            return empty_batch()

        def in_range(frame: pd.DataFrame) -> pd.Series:
            return frame["race_date"].map(lambda d: d is not None and start <= d <= end).astype(bool)

        race_rows = in_range(parsed.races).to_numpy().nonzero()[0]
        run_rows = in_range(parsed.runners).to_numpy().nonzero()[0]
        races = parsed.races.iloc[race_rows].copy()
        races["_original"] = _originals(parsed.races_raw, race_rows)
        runners = parsed.runners.iloc[run_rows].copy()
        runners["_original"] = _originals(parsed.runs_raw, run_rows)
        dividends = parsed.dividends[in_range(parsed.dividends)].drop(columns=["_race_row"])
        return RawBatch(canonical(races, "races"), canonical(runners, "runners"), canonical(dividends, "dividends"))
