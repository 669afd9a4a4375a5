"""Expectation suites for Betfair Exchange history (``raw.exchange_markets`` / ``_runners`` / ``_prices``).

The stream files are the source of truth; these rules decide which of what the reader made of them is safe to query.
Markets are gated first, then runners and prices of *published* markets only (``exchange_*.market_id_in_published_
exchange_markets``), so a rejected market is reported once, in ``exchange_markets``, and never leaves orphans.

Severity, rule by rule:

- **critical** (the row is quarantined): a missing key or date (the loader replaces by market id and partitions by
  market date); a best back or lay price outside Betfair's ladder 1.01–1000 (a *back* of 1.0 is how a suspended or
  placeholder book reads, never a price anyone was matched at); a lay below the back at the same instant (an exchange
  matches a crossed book at once, so a crossed snapshot is a replay or parse error); a negative size or volume; a
  market time outside 2000-01-01 .. now + 400 days (an epoch read in the wrong unit); fewer winners than
  ``number_of_winners`` in a settled (CLOSED) WIN market (a result that cannot be settled, e.g. a void read as
  closed); a second copy of a market, runner or price snapshot (duplicates after the first are quarantined).
- **warning** (published, reported in ``ops.data_quality_log`` and the asset checks): *more* winners than
  ``number_of_winners`` in a settled WIN market ("possible dead heat": Betfair settles dead heats with several
  WINNERs and reduced payouts, a real result); a greyhound race outside 6–8 runners. The seed rule says 6–8 traps,
  but the count that can be read from a market is its runners, and real fields stray both ways: a vacant trap or a
  late withdrawal (REMOVED) leaves five or fewer, and Australian markets list reserves beside the eight starters
  until they are withdrawn. The count used is ``active_runner_count`` (runners not REMOVED at the end, i.e. the dogs
  that ran); trap statistics stay correct either way, so the market is kept and the oddity is seen.

Rules read derived columns that :func:`stage_exchange_frames` adds, so GX sees plain per-row values: GX skips nulls,
so a derived column that is null where a rule does not apply (non-greyhound markets, unsettled markets, a book with
one side empty) lets one between-rule cover exactly the rows it is about.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd

from quality.gate import GateResult, gate_suite
from quality.suites import (
    CRITICAL, WARNING, ExpectationSpec, SuiteSpec, batch_rules, between, in_published, in_set, not_null, unique,
)

MIN_PRICE, MAX_PRICE = 1.01, 1000  # Betfair's price ladder
MIN_TRAPS, MAX_TRAPS = 6, 8
EARLIEST_MARKET = datetime(2000, 1, 1, tzinfo=timezone.utc)  # Betfair opened in June 2000
MAX_DAYS_AHEAD = 400
# One load can be a single file, i.e. a date of one or two markets: the raw tables' 90 % floor would turn one bad
# market into a failed date. Half catches what the floor is for (a broken reader or shifted column).
MIN_VALID_SHARE = 0.5
RUNNER_STATUSES = ("ACTIVE", "WINNER", "LOSER", "PLACED", "REMOVED", "HIDDEN")
SNAPSHOT_KINDS = ("scheduled", "last_pre_off", "in_play")
LEVELS = (1, 2, 3)
# columns the staging adds for the rules; the loader drops them before writing
DERIVED = ("market_time_plausible", "greyhound_runners", "winner_excess", "lay_1_minus_back_1")


def _share(table: str) -> tuple[ExpectationSpec, ...]:
    floor = ExpectationSpec(f"{table}.valid_share_ge_0_5", CRITICAL, "batch", None, (("min_value", MIN_VALID_SHARE),))
    return (floor, *(s for s in batch_rules(table) if "valid_share" not in s.name))


MARKETS_SUITE = SuiteSpec("exchange_markets", (
    not_null("exchange_markets", "market_id"),
    not_null("exchange_markets", "market_date"),
    not_null("exchange_markets", "market_time"),
    not_null("exchange_markets", "market_type"),
    ExpectationSpec("exchange_markets.market_time_plausible", CRITICAL, "row", "ExpectColumnValuesToBeInSet",
                    (("column", "market_time_plausible"), ("value_set", (True,)))),
    between("exchange_markets", "number_of_winners", 1),
    between("exchange_markets", "total_matched", 0),
    between("exchange_markets", "winner_excess", 0, name="settled_win_winners_ge_number_of_winners"),
    between("exchange_markets", "winner_excess", None, 0, severity=WARNING, name="settled_win_possible_dead_heat"),
    between("exchange_markets", "greyhound_runners", MIN_TRAPS, MAX_TRAPS, severity=WARNING,
            name="greyhound_runners_between_6_8"),
    unique("exchange_markets", "market_id"),
    *_share("exchange_markets"),
))

RUNNERS_SUITE = SuiteSpec("exchange_runners", (
    not_null("exchange_runners", "market_id"),
    not_null("exchange_runners", "market_date"),
    not_null("exchange_runners", "selection_id"),
    not_null("exchange_runners", "status"),
    in_set("exchange_runners", "status", RUNNER_STATUSES),
    between("exchange_runners", "bsp", MIN_PRICE, MAX_PRICE),
    between("exchange_runners", "last_traded_price", MIN_PRICE, MAX_PRICE),
    between("exchange_runners", "adjustment_factor", 0, 100),
    between("exchange_runners", "total_matched", 0),
    unique("exchange_runners", "market_id", "selection_id"),
    *_share("exchange_runners"),
))

PRICES_SUITE = SuiteSpec("exchange_prices", (
    not_null("exchange_prices", "market_id"),
    not_null("exchange_prices", "market_date"),
    not_null("exchange_prices", "selection_id"),
    not_null("exchange_prices", "snapshot_kind"),
    not_null("exchange_prices", "snapshot_at"),
    in_set("exchange_prices", "snapshot_kind", SNAPSHOT_KINDS),
    *(between("exchange_prices", f"{side}_{level}_price", MIN_PRICE, MAX_PRICE)
      for side in ("back", "lay") for level in LEVELS),
    between("exchange_prices", "lay_1_minus_back_1", 0, name="lay_1_price_ge_back_1_price"),
    *(between("exchange_prices", f"{side}_{level}_size", 0) for side in ("back", "lay") for level in LEVELS),
    between("exchange_prices", "traded_volume", 0),
    between("exchange_prices", "last_traded_price", MIN_PRICE, MAX_PRICE),
    unique("exchange_prices", "market_id", "selection_id", "snapshot_kind", "snapshot_at"),
    *_share("exchange_prices"),
))

EXCHANGE_SUITES: dict[str, SuiteSpec] = {s.name: s for s in (MARKETS_SUITE, RUNNERS_SUITE, PRICES_SUITE)}


def stage_exchange_frames(frames: Mapping[str, pd.DataFrame], now: datetime) -> dict[str, pd.DataFrame]:
    """The three frames with the derived columns the rules read (positional index, input columns kept)."""
    markets = frames["exchange_markets"].reset_index(drop=True).copy()
    latest = now + timedelta(days=MAX_DAYS_AHEAD)
    markets["market_time_plausible"] = [
        None if t is None or pd.isna(t) else bool(EARLIEST_MARKET <= pd.Timestamp(t) <= latest)
        for t in markets["market_time"]
    ]
    greyhound = markets["sport"].eq("greyhound_racing")
    markets["greyhound_runners"] = markets["active_runner_count"].where(greyhound, None).astype(object)
    settled_win = markets["status"].eq("CLOSED") & markets["market_type"].eq("WIN")
    excess = _numbers(markets["winner_count"]) - _numbers(markets["number_of_winners"])
    markets["winner_excess"] = excess.where(settled_win, None).astype(object)
    prices = frames["exchange_prices"].reset_index(drop=True).copy()
    spread = _numbers(prices["lay_1_price"]) - _numbers(prices["back_1_price"])
    prices["lay_1_minus_back_1"] = spread.astype(object).where(spread.notna(), None)
    return {"exchange_markets": markets, "exchange_runners": frames["exchange_runners"].reset_index(drop=True),
            "exchange_prices": prices}


def _numbers(values: pd.Series) -> pd.Series:
    """Decimal / int / None as floats (NaN for null or not a number): only for derived comparisons."""
    return pd.to_numeric(values.map(lambda v: float(v) if isinstance(v, (int, float, Decimal)) else None),
                         errors="coerce")


def gate_exchange(frames: Mapping[str, pd.DataFrame], now: datetime, *,
                  quarantine_warnings: bool = False) -> dict[str, GateResult]:
    """Gate markets, then runners and prices of the published markets. ``frames`` hold the raw tables' columns;
    results carry the staged frames (derived columns included, see ``DERIVED``)."""
    staged = stage_exchange_frames(frames, now)
    markets = gate_suite(staged["exchange_markets"], MARKETS_SUITE, quarantine_warnings=quarantine_warnings)
    published = set(markets.published["market_id"])
    results = {"exchange_markets": markets}
    for suite in (RUNNERS_SUITE, PRICES_SUITE):
        results[suite.name] = gate_suite(
            staged[suite.name], suite, quarantine_warnings=quarantine_warnings, published_race_ids=published,
            membership=in_published(suite.name, "market_id", "exchange_markets"))
    return results
