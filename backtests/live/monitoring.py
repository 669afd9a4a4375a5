"""Strategy monitoring: the named runs of ``strategies.yaml`` evaluated on upcoming race cards, as live triggers.

A backtest decides on history; monitoring decides on races that have not been run. The decision code is the same:
the upcoming card runners are appended to the last ``HISTORY_DAYS`` of marts history as rows *without outcomes*
(``is_start`` false, so a card entry never counts as a start in anybody's form), features come from
``backtests.features`` (prior days only), and each run's strategy ``select`` sees the card rows as its decision window
with the history as ``Context.history`` — so walk-forward models train exactly as in a backtest. The history stops
the day before the first card day: a race already run today must not enter the window as if it were upcoming (its
result would not change a feature anyway, features use earlier days only).

Cards (``backtests.live.monitoring_cards``) are read from ``raw.card_races`` / ``raw.card_runners`` (newest load per race), not from ``marts.race_cards``:
the sensor should see a new card or a scratch as soon as it lands, without waiting for a dbt build whose
``current_date`` filter was fixed when it ran. Identity follows the marts' rule (README "Identity"): the card's horse
id within its identity group (``demo`` publishes the ``synthetic`` generator's ids), and jockeys and trainers by name,
case-insensitive, resolved to their result rows in ``marts.dim_jockeys`` / ``dim_trainers``.

Odds: the latest tote WIN price (``raw.odds``, sport ``horseracing``, event = race id, outcome = program number) when
the race has a board; a runner missing from a race's board is not bettable (the board leaves scratches out).
Without a board the morning line is used. Stakes are sized per trigger from the run's staking plan and starting
bankroll (flat, % of bankroll, fractional Kelly from the strategy's probability) — independently, since the results
of the other open bets are unknown — and zero-stake picks (no Kelly edge, below ``min_bet``) are not triggers.

Sports: ``home_flat`` runs on upcoming events (``raw.events``, not started) priced with each side's best current
moneyline from ``marts.best_odds``, through ``engine.prepare_sports`` like the NBA backtest. ``ev_vs_sharp`` and
``home_underdog`` are reported as skipped: they decide on every book's quotes via
``sports_prices.prepare_sports_prices``, which keeps settled events only.

``marts.strategy_triggers`` has one row per (run, race, selection); a repeated evaluation updates odds, stake and
``last_seen_at`` and keeps ``first_seen_at``, so sensor ticks never duplicate a trigger.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import sqlalchemy as sa

from backtests.betting.staking import Staking, stakes_from_bankroll
from backtests.engine import Prepared, prepare_racing, prepare_sports, select
from backtests.frames import load_runners
from backtests.live.monitoring_cards import LOOKAHEAD_DAYS, _exists, _people_keys, card_runners_frame, load_cards
from backtests.live.monitoring_store import TRIGGER_KEY, TRIGGER_TYPES, write_triggers
from backtests.store import RunSpec, load_run_specs
from backtests.strategies import get_strategy

HISTORY_DAYS = 365
ACTIVE_ENV = "PADDOCK_ACTIVE_STRATEGIES"



@dataclass
class MonitorReport:
    """What one evaluation did; the sensor puts :meth:`describe` in its tick log."""

    races: int = 0
    runners: int = 0
    events: int = 0
    triggers: int = 0
    inserted: int = 0
    updated: int = 0
    per_run: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        text = (f"{self.races} upcoming races, {self.runners} runners, {self.events} sports events: "
                f"{self.triggers} triggers "
                f"({self.inserted} new, {self.updated} seen again)")
        if self.per_run:
            text += "; " + ", ".join(f"{k}={v}" for k, v in sorted(self.per_run.items()))
        if self.skipped:
            text += "; skipped " + ", ".join(f"{k} ({v})" for k, v in sorted(self.skipped.items()))
        return text


def active_run_specs(names: str | None = None) -> dict[str, RunSpec]:
    """The named runs to monitor: all of ``strategies.yaml``, or those listed in ``PADDOCK_ACTIVE_STRATEGIES``."""
    specs = load_run_specs()
    names = os.environ.get(ACTIVE_ENV, "") if names is None else names
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if not wanted:
        return specs
    unknown = sorted(set(wanted) - set(specs))
    if unknown:
        raise ValueError(f"{ACTIVE_ENV} names unknown runs {unknown}; valid runs: {', '.join(specs)}")
    return {n: specs[n] for n in wanted}


# ---------------------------------------------------------------- decisions

def decision_frame(engine: sa.Engine, cards: pd.DataFrame) -> tuple[Prepared, tuple[pd.Timestamp, pd.Timestamp]]:
    """History up to the day before the first card day plus the card rows, prepared as for a backtest; and the
    (first, last) card day: the decision window, which holds the card rows only."""
    day = pd.Timestamp(cards["race_date"].min())
    history = load_runners(engine, (day - pd.Timedelta(days=HISTORY_DAYS)).date(), (day - pd.Timedelta(days=1)).date())
    upcoming = card_runners_frame(cards, _people_keys(engine, "jockey"), _people_keys(engine, "trainer"))
    prepared = prepare_racing(pd.concat([history, upcoming], ignore_index=True))
    return prepared, (upcoming["race_date"].min(), upcoming["race_date"].max())


def sports_games(engine: sa.Engine, now: datetime, first: date | None = None,
                 last: date | None = None) -> pd.DataFrame:
    """Upcoming events (not started, commencing on [first, last] UTC, default today and tomorrow) with the best
    current moneyline of each side from ``marts.best_odds``, shaped like ``frames.nba_games`` without results.

    ``suspect`` is false: the backtest's flag marks in-play prices recorded as closing lines in the NBA file, and a
    price polled before the start is not one."""
    first = first or now.date()
    last = last or first + timedelta(days=LOOKAHEAD_DAYS)
    with engine.connect() as conn:
        if not (_exists(conn, "raw.events") and _exists(conn, "marts.best_odds")):
            return pd.DataFrame()
        games = pd.DataFrame(conn.execute(_SPORTS, {"now": now, "first": first, "until": last + timedelta(days=1)})
                             .mappings().all())
    if games.empty:
        return games
    commence = pd.to_datetime(games["commence_time"], utc=True)
    return pd.DataFrame({
        "game_date": commence.dt.tz_convert(None).dt.normalize(), "home": games["home_team"],
        "away": games["away_team"],
        "home_odds": pd.to_numeric(games["home_odds"]).astype(float),
        "away_odds": pd.to_numeric(games["away_odds"]).astype(float), "home_margin": np.nan, "suspect": False,
        "game_key": games["event_id"], "sport": games["sport"], "commence_time": commence,
        "home_book": games["home_book"], "away_book": games["away_book"]})


_SPORTS = sa.text("""
    SELECT e.id AS event_id, e.sport, e.commence_time, e.home_team, e.away_team,
           h.best_price_decimal AS home_odds, h.best_bookmaker AS home_book,
           a.best_price_decimal AS away_odds, a.best_bookmaker AS away_book
    FROM raw.events e
    JOIN marts.best_odds h ON h.event_id = e.id AND h.market = 'h2h' AND h.outcome = e.home_team
    JOIN marts.best_odds a ON a.event_id = e.id AND a.market = 'h2h' AND a.outcome = e.away_team
    WHERE e.sport <> 'horseracing' AND NOT e.completed AND e.commence_time > :now
      AND e.commence_time >= :first AND e.commence_time < :until
      AND h.best_price_decimal > 1 AND a.best_price_decimal > 1
    ORDER BY e.commence_time, e.id
""")
# Sports strategies that decide on one price per side; ev_vs_sharp and home_underdog need every book's quotes as of
# the decision (sports_prices.prepare_sports_prices), which keeps settled events only.
MONITORED_SPORTS = ("home_flat",)


def _rows(name: str, spec: RunSpec, picks: pd.DataFrame, now: datetime, report: MonitorReport,
          columns: dict[str, object]) -> pd.DataFrame | None:
    """Stakes for one run's picks, then trigger rows from ``columns`` (values aligned with ``picks``)."""
    probability = picks["probability"].to_numpy(float) if "probability" in picks else np.full(len(picks), np.nan)
    staking = spec.staking_plan()
    if staking.method == "kelly" and len(picks) and np.isnan(probability).all():
        report.skipped[name] = "Kelly staking without a probability"
        return None
    stake = stakes_from_bankroll(staking, spec.bankroll, picks["odds"].to_numpy(float), probability)
    placed = stake > 0
    report.per_run[name] = int(placed.sum())
    bet_type = (picks["bet_type"].to_numpy() if "bet_type" in picks
                else get_strategy(spec.strategy, spec.params).bet_type)
    rows = pd.DataFrame({"run_name": name, "strategy": spec.strategy, **columns, "bet_type": bet_type,
                         "odds": picks["odds"].round(2).to_numpy(),  # NaN (stored NULL) for a pool bet
                         "confidence": [None if np.isnan(p) else round(float(p), 6) for p in probability],
                         "stake": [Decimal(f"{s:.2f}") for s in stake], "decided_at": now}, index=picks.index)
    return rows[placed].reindex(columns=[c for c in TRIGGER_TYPES if c not in ("first_seen_at", "last_seen_at")])


def _racing_rows(name: str, spec: RunSpec, picks: pd.DataFrame, now: datetime, report: MonitorReport,
                 names: dict[tuple[str, int], str]):
    if "box" in picks:
        return _rows(name, spec, picks, now, report, _box_columns(picks, names))
    return _rows(name, spec, picks, now, report, {
        "market": "racing", "sport": "horseracing", "event_key": picks["race_id"].to_numpy(),
        "selection": (picks["horse_number"].astype(int).astype(str) + " "
                      + picks["horse_name"].astype(str)).to_numpy(),
        "race_key": picks["event_key"].astype(str).to_numpy(), "race_date": picks["race_date"].dt.date.to_numpy(),
        "track_code": picks["track_code"].astype(str).to_numpy(),
        "race_number": picks["race_number"].astype(int).to_numpy(), "post_time": picks["post_time"].to_numpy(),
        "horse_number": picks["horse_number"].astype(int).to_numpy(), "horse_name": picks["horse_name"].to_numpy(),
        "odds_source": picks["odds_source"].to_numpy()})


def _box_columns(picks: pd.DataFrame, names: dict[tuple[str, int], str]) -> dict[str, object]:
    """A box is one pick of several horses: the selection names its numbers (ascending, a box has no order), the
    horse columns stay empty and the names are listed; the price is the pool's dividend, unknown before the off."""
    numbers = [sorted(int(n) for n in box) for box in picks["box"]]
    return {
        "market": "racing", "sport": "horseracing", "event_key": picks["race_id"].to_numpy(),
        "selection": [f"{t.replace('_', ' ')} {'-'.join(map(str, b))}" for t, b in zip(picks["bet_type"], numbers)],
        "race_key": picks["event_key"].astype(str).to_numpy(), "race_date": picks["race_date"].dt.date.to_numpy(),
        "track_code": picks["track_code"].astype(str).to_numpy(),
        "race_number": picks["race_number"].astype(int).to_numpy(), "post_time": picks["post_time"].to_numpy(),
        "horse_number": None,
        "horse_name": [" / ".join(str(names.get((r, n), n)) for n in b) for r, b in zip(picks["race_id"], numbers)],
        "odds_source": "pool"}


def _sports_rows(name: str, spec: RunSpec, picks: pd.DataFrame, now: datetime, report: MonitorReport):
    home = (picks["side"] == "home").to_numpy()
    return _rows(name, spec, picks, now, report, {
        "market": "sports", "sport": picks["sport"].to_numpy(), "event_key": picks["game_key"].to_numpy(),
        "selection": picks["team"].to_numpy(), "race_date": picks["race_date"].dt.date.to_numpy(),
        "post_time": picks["commence_time"].to_numpy(),
        "odds_source": "best:" + pd.Series(np.where(home, picks["home_book"], picks["away_book"])).to_numpy()})


def evaluate(engine: sa.Engine, now: datetime, runs: dict[str, RunSpec] | None = None, *,
             first: date | None = None, last: date | None = None,
             report: MonitorReport | None = None) -> pd.DataFrame:
    """Trigger rows (see :data:`TRIGGER_TYPES`) of every active run on the upcoming cards and sports events."""
    runs = active_run_specs() if runs is None else runs
    report = report if report is not None else MonitorReport()
    columns = [c for c in TRIGGER_TYPES if c not in ("first_seen_at", "last_seen_at")]
    racing, sports = {}, {}
    for name, spec in runs.items():
        strategy = get_strategy(spec.strategy, spec.params)
        if strategy.market == "racing":
            racing[name] = (spec, strategy)
        elif strategy.name in MONITORED_SPORTS:
            sports[name] = (spec, strategy)
        else:
            report.skipped[name] = f"{strategy.name} is not monitored (it needs every book's quotes)"
    out = []
    cards = load_cards(engine, now, first, last) if racing else pd.DataFrame()
    report.races, report.runners = (cards["race_id"].nunique(), len(cards)) if len(cards) else (0, 0)
    if len(cards) and not _history_built(engine):  # a fresh warehouse: the history job has not built the marts yet
        report.skipped.update({name: "no history yet (marts.fct_runners is not built)" for name in racing})
    elif len(cards):
        prepared, window = decision_frame(engine, cards)
        names = dict(zip(zip(cards["race_id"], cards["horse_number"].astype(int)), cards["horse_name"]))
        out += [_racing_rows(name, spec, select(strategy, prepared, *window), now, report, names)
                for name, (spec, strategy) in racing.items()]
    games = sports_games(engine, now, first, last) if sports else pd.DataFrame()
    report.events = len(games)
    if len(games):
        prepared = prepare_sports(games)
        window = (games["game_date"].min(), games["game_date"].max())
        out += [_sports_rows(name, spec, select(strategy, prepared, *window), now, report)
                for name, (spec, strategy) in sports.items()]
    out = [rows for rows in out if rows is not None and len(rows)]
    triggers = pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=columns)
    # the same race published by two sources of one identity group is one event: keep its first row
    triggers = triggers.drop_duplicates(list(TRIGGER_KEY)).reset_index(drop=True)
    report.triggers = len(triggers)
    return triggers


def _history_built(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return _exists(conn, "marts.fct_runners")


def monitor(engine: sa.Engine, now: datetime, runs: dict[str, RunSpec] | None = None, *,
            first: date | None = None, last: date | None = None) -> MonitorReport:
    """Evaluate and write: what the sensor calls each tick."""
    report = MonitorReport()
    triggers = evaluate(engine, now, runs, first=first, last=last, report=report)
    report.inserted, report.updated = write_triggers(engine, triggers)
    return report
