"""The odds suite: Great Expectations rules for normalized bookmaker and tote prices, run through the #2 gate engine.

Hard (critical) rules quarantine the row: a price no one could be paid at (decimal < 1.01, American outside ±10000 or
inside (−100, 100)), a bookmaker timestamp more than 5 minutes in the future (a clock or parse error), and a second
copy of the same (snapshot, book, market, outcome, description, point). Soft (warning) rules only annotate the
published row in ``validation_notes`` — unless ``REJECT_INVALID_ODDS=true`` makes them quarantine too:

- both sides present: a line whose outcome set is incomplete (h2h 2 or 3 outcomes, spreads/totals 2, a tote win
  pool at least 2 runners) cannot be de-vigged or arbitraged on its own;
- overround in range: 2–15 % for bookmaker markets, 0–40 % for a tote win pool (takeout plus breakage). A negative
  overround is exactly what a cross-book arbitrage or a stale line looks like, which is why it must not reject;
- line jump: a spread or total moving more than 10 points between consecutive snapshots of the same book.

Rules operate on derived columns added by :func:`prepare_odds_frame` so GX sees plain per-row values; everything is
vectorized (a poll can carry tens of thousands of prices). Configured books and markets that did not appear at all
are a batch-level observation, reported by :func:`missing_coverage` (a warning, never a quarantine).
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import pandas as pd

from quality.gate import REASONS_COLUMN, GateResult, gate_suite
from quality.suites import CRITICAL, WARNING, ExpectationSpec, SuiteSpec, batch_rules, between, not_null, unique

MIN_DECIMAL = 1.01
MIN_VALID_SHARE = 0.5
MAX_AMERICAN = 10_000
FUTURE_TOLERANCE_S = 300
MAX_LINE_JUMP = 10.0
OVERROUND_RANGE = {"win": (0.0, 0.40)}
DEFAULT_OVERROUND_RANGE = (0.02, 0.15)
LINE_MARKETS = ("spreads", "totals")
KEY = ("snapshot_id", "bookmaker", "market", "outcome", "description_key", "point_key")


def _is_true(name: str, column: str) -> ExpectationSpec:
    return ExpectationSpec(f"odds.{name}", WARNING, "row", "ExpectColumnValuesToBeInSet",
                           (("column", column), ("value_set", (True,))))


ODDS_SUITE = SuiteSpec("odds", (
    not_null("odds", "event_id"),
    not_null("odds", "bookmaker"),
    not_null("odds", "price_decimal"),
    not_null("odds", "price_american"),
    between("odds", "price_decimal", MIN_DECIMAL, name="price_decimal_ge_1_01"),
    between("odds", "price_american", -MAX_AMERICAN, MAX_AMERICAN, name="price_american_within_10000"),
    between("odds", "price_american_abs", 100, name="price_american_not_within_100"),
    between("odds", "last_update_ahead_s", None, FUTURE_TOLERANCE_S, name="last_update_not_in_future"),
    _is_true("both_sides_present", "market_complete"),
    _is_true("overround_in_range", "overround_ok"),
    between("odds", "line_jump", None, MAX_LINE_JUMP, severity=WARNING, name="line_jump_le_10"),
    unique("odds", *KEY),
    # a poll is small (one sport, a few hundred prices): the raw tables' 90 % floor would drop a whole sport for a
    # handful of bad prices, so the odds floor only catches a broken feed or parser
    ExpectationSpec("odds.valid_share_ge_0_5", CRITICAL, "batch", None, (("min_value", MIN_VALID_SHARE),)),
    *(s for s in batch_rules("odds") if "valid_share" not in s.name),
))
SOFT_RULES = tuple(s.name for s in ODDS_SUITE.row_level() if s.severity == WARNING)
HARD_RULES = tuple(s.name for s in ODDS_SUITE.expectations if s.severity == CRITICAL)
DERIVED = ("price_american_abs", "last_update_ahead_s", "market_complete", "overround_ok", "line_jump", "point_key",
           "description_key", "book_overround")


def reject_soft_failures() -> bool:
    """``REJECT_INVALID_ODDS`` (default false): soft failures quarantine instead of only annotating."""
    return os.environ.get("REJECT_INVALID_ODDS", "false").strip().lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class OddsGateResult:
    """The gate's split plus the per-row notes of soft rules on what was published."""

    gate: GateResult
    published: pd.DataFrame  # input columns + is_valid (True) + validation_notes
    quarantined: pd.DataFrame  # input columns + reasons (list of rule names)

    @property
    def critical_failure(self) -> bool:
        return self.gate.critical_failure


def prepare_odds_frame(odds: pd.DataFrame, now: datetime, previous_points: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add the derived columns the suite reads. ``previous_points`` has (event_id, bookmaker, market, outcome,
    previous_point): the point of the same line in the book's latest earlier snapshot."""
    out = odds.copy()
    decimal = _floats(out["price_decimal"])
    american = _floats(out["price_american"])
    point = _floats(out["point"])
    out["price_american_abs"] = american.abs()
    updated = pd.to_datetime(out["bookmaker_last_update"], utc=True, errors="coerce")
    out["last_update_ahead_s"] = (updated - pd.Timestamp(now)).dt.total_seconds()
    out["point_key"] = _point_keys(point.to_numpy())
    out["description_key"] = _descriptions(out)
    groups = _line_groups(out, point, implied=np.where(decimal > 1, 1 / decimal.where(decimal > 1, np.nan), 0.0))
    overround = groups["implied"].transform("sum").to_numpy() - 1
    market = out["market"].astype(str).to_numpy()
    is_win = market == "win"
    complete = _complete_sets(groups["implied"].transform("size").to_numpy(), market)
    out["market_complete"] = complete
    low = np.where(is_win, OVERROUND_RANGE["win"][0], DEFAULT_OVERROUND_RANGE[0])
    high = np.where(is_win, OVERROUND_RANGE["win"][1], DEFAULT_OVERROUND_RANGE[1])
    out["book_overround"] = overround
    # an incomplete line has no meaningful overround: that is reported once, by both_sides_present
    out["overround_ok"] = ~complete | ((overround >= low - 1e-12) & (overround <= high + 1e-12))
    out["line_jump"] = _line_jumps(out, point, previous_points)
    return out


def _point_keys(point: np.ndarray) -> np.ndarray:
    """``f"{p:g}"`` of each point, "" for none: a few distinct lines, each formatted once (told apart by their bits,
    since -0.0 and 0.0 print differently)."""
    codes, bits = pd.factorize(point.view(np.int64))
    keys = np.array([f"{p:g}" for p in np.asarray(bits).view(np.float64)], dtype=object)[codes]
    keys[np.isnan(point)] = ""
    return keys


def _floats(values: pd.Series) -> pd.Series:
    """``pd.to_numeric(values, errors="coerce")`` as float, in one C-speed pass for what parse_odds yields (Decimal,
    int, float, None): ``to_numeric`` spends microseconds on each Decimal object."""
    if values.dtype == object:
        try:
            return pd.Series(np.fromiter((np.nan if v is None else float(v) for v in values), dtype=float,
                                         count=len(values)), index=values.index)
        except (TypeError, ValueError):
            pass
    return pd.to_numeric(values, errors="coerce").astype(float)


def _descriptions(frame: pd.DataFrame) -> np.ndarray:
    """The outcome's subject ("" when none): team A's and team B's team_totals are different lines."""
    if "description" not in frame:
        return np.full(len(frame), "", dtype=object)
    return frame["description"].astype(object).where(frame["description"].notna(), "").astype(str).to_numpy()


def _line_groups(frame: pd.DataFrame, point: pd.Series, **values) -> pd.core.groupby.DataFrameGroupBy:
    """Rows grouped by their line: (snapshot, book, market, description, |point|) — spreads pair +p with −p."""
    point = point.abs().fillna(-1.0)
    key = pd.DataFrame({"s": frame["snapshot_id"].astype(str).to_numpy(), "b": frame["bookmaker"].astype(str).to_numpy(),
                        "m": frame["market"].astype(str).to_numpy(), "d": _descriptions(frame),
                        "p": point.to_numpy(), "n": np.ones(len(frame)), **values})
    return key.groupby(["s", "b", "m", "d", "p"], sort=False)


def _complete_sets(size: np.ndarray, market: np.ndarray) -> np.ndarray:
    """Per row: does its line have a full outcome set (h2h 2 or 3, spreads/totals 2, a tote win pool ≥ 2)?"""
    return np.where(market == "win", size >= 2, (size == 2) | ((size == 3) & (market == "h2h")))


def _complete(frame: pd.DataFrame) -> np.ndarray:
    return _complete_sets(_line_groups(frame, _floats(frame["point"]))["n"].transform("size").to_numpy(),
                          frame["market"].astype(str).to_numpy())


def _line_jumps(out: pd.DataFrame, point: pd.Series, previous: pd.DataFrame | None) -> np.ndarray:
    if previous is None or previous.empty or "previous_point" not in previous:
        return np.full(len(out), np.nan)
    keys = ["event_id", "bookmaker", "market", "outcome", "description_key"]
    previous = previous.assign(description_key=_descriptions(previous))
    joined = out[keys].merge(previous[keys + ["previous_point"]].drop_duplicates(keys), on=keys, how="left")
    before = pd.to_numeric(joined["previous_point"], errors="coerce").astype(float).to_numpy()
    jump = np.abs(point.to_numpy() - before)
    return np.where(out["market"].isin(LINE_MARKETS).to_numpy(), jump, np.nan)


def gate_odds(odds: pd.DataFrame, now: datetime, *, previous_points: pd.DataFrame | None = None,
              reject_soft: bool | None = None) -> OddsGateResult:
    """Gate normalized odds (with ``snapshot_id``); duplicates after the first copy are quarantined."""
    reject_soft = reject_soft_failures() if reject_soft is None else reject_soft
    staged = prepare_odds_frame(odds.reset_index(drop=True), now, previous_points)
    result = gate_suite(staged, ODDS_SUITE, quarantine_warnings=reject_soft)
    notes: dict[int, list[str]] = {}
    for outcome in result.results:
        if outcome.name in SOFT_RULES:
            for pos in outcome.unexpected_index:
                notes.setdefault(pos, []).append(outcome.name)
    keep = [c for c in odds.columns]
    # a line that lost a side to the hard rules is incomplete as published, though GX saw it whole
    survivors = result.published
    orphans: list[int] = []
    if len(survivors) < len(staged):  # nothing quarantined: every line is as whole as GX saw it
        complete = _complete(survivors) if len(survivors) else np.array([], dtype=bool)
        orphans = [int(p) for p in survivors.index[~complete & survivors["market_complete"].to_numpy(dtype=bool)]]
    for pos in orphans:
        notes.setdefault(pos, []).append("odds.both_sides_present")
    if orphans:
        result = _with_orphans(result, orphans)
    published = survivors[keep].copy()
    published["is_valid"] = True
    published["validation_notes"] = [
        "; ".join(notes[p]) if p in notes else None for p in published.index
    ]
    quarantined = result.quarantined[keep + [REASONS_COLUMN]].copy()
    return OddsGateResult(result, published, quarantined)


def _with_orphans(result: GateResult, orphans: list[int]) -> GateResult:
    """Count rows left one-sided by the hard rules under both_sides_present, in the outcome and the summary."""
    outcomes = []
    for o in result.results:
        if o.name == "odds.both_sides_present":
            index = tuple(sorted((*o.unexpected_index, *orphans)))
            o = replace(o, success=False, unexpected_count=len(index), unexpected_index=index)
        outcomes.append(o)
    failed = {o.name: o.unexpected_count for o in outcomes if not o.success}
    summary = {**result.summary, "failed_expectations": failed, "suite_success": not failed}
    return replace(result, results=outcomes, summary=summary, suite_success=not failed)


def missing_coverage(odds: pd.DataFrame, bookmakers: Iterable[str] = (), markets: Iterable[str] = ()) -> dict:
    """Configured books/markets with no price at all in this batch (a warning: a book may simply not list an event)."""
    seen_books, seen_markets = set(odds["bookmaker"]), set(odds["market"])
    return {"bookmakers": sorted(set(bookmakers) - seen_books), "markets": sorted(set(markets) - seen_markets)}
