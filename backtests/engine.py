"""The backtest engine: decisions on frames, outcomes joined afterwards, bankroll resolved in one ordered pass.

Look-ahead safety is structural. :func:`prepare_racing` / :func:`prepare_sports` split a loaded frame into a
*decision* frame (race context, odds as of the decision time, prior-only features; no outcome column exists in it)
and an *outcome* frame with the same index. A strategy only ever receives the decision frame (plus walk-forward
labels strictly before a date, see ``strategies.base.Context``); the engine joins outcomes to the rows it picked
after ``select`` returns. Every feature of a row is computed from races strictly before that row's date, and a
strategy decides a row from that row and its race (cross-race learning goes through ``Context.training_rows``), so
permuting the outcomes of future races cannot change a decision (``tests/unit/test_backtests_engine.py`` checks
exactly that for every built-in strategy).

Odds at decision time: racing decisions are taken ``decision_minutes`` before the post. A frame carrying
``decision_odds`` (the price from odds snapshots at that time) is decided on it; otherwise on the final tote odds,
and the run says so with ``uses_final_odds = True`` (a pari-mutuel backtest at final odds flatters any strategy
that keys on the price, since nobody can bet at the final price). Sports lines are decided ``decision_hours``
before tip-off on the line the frame carries (closing lines in the NBA file: ``uses_final_odds`` again); on
recorded bookmaker snapshots ``backtests.sports_prices`` builds the frame from the as-of read (``odds_at``) instead.

In the decision frame ``race_key``/``runner_key`` are called ``event_key``/``selection_key`` (the names shared with
sports). Everything is vectorized except the bankroll pass (``backtests.betting.staking``), which walks the chosen bets once.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from backtests import metrics
from backtests.features import add_features
from backtests.frames import DECISION_MINUTES
from backtests.betting.scenarios import moneyline_returns
from backtests.betting.staking import Staking, net_return, resolve
from backtests.strategies import Context, Strategy, get_strategy

OUTCOME_COLUMNS = ("status", "is_start", "finish_position", "won", "placed", "showed", "win_payout", "place_payout",
                   "show_payout", "win_bet_return", "is_dead_heat", "margin_lengths", "finish_time_s", "home_margin",
                   "points")
# Known only when betting has closed. A strategy decides on ``odds`` (the decision-time price, or the final odds
# themselves where no snapshot exists, which the run flags as ``uses_final_odds``); the final odds of a row never
# reach it as a column of their own, and those of earlier races only through prior-only features.
CLOSING_COLUMNS = ("final_odds",)
DEFAULT_BANKROLL = 1000.0
CATEGORICAL = ("going", "surface", "status", "race_class", "track_code", "track_key", "morning_line", "source")


@dataclass
class Prepared:
    """A loaded range split for backtesting: ``decisions`` (no outcomes) and ``outcomes`` with the same index."""

    decisions: pd.DataFrame
    outcomes: pd.DataFrame
    market: str
    uses_final_odds: bool
    windows: dict = field(default_factory=dict, repr=False)  # (first, last) → window rows: sweeps slice once
    dividends: pd.DataFrame | None = None  # race_key, pool, combination, payout_per_unit: exotic settlement


@dataclass
class BacktestResult:
    strategy: str
    params: dict[str, Any]
    market: str
    start: date
    end: date
    bankroll: float
    staking: Staking
    uses_final_odds: bool
    bets: pd.DataFrame
    daily: pd.DataFrame
    metrics: dict[str, float]
    decisions: int
    selections: int
    code_version: str = field(default_factory=lambda: code_version())

    @property
    def skipped(self) -> int:
        """Selections the staking plan did not bet (bankroll could not cover, below min_bet, no Kelly edge)."""
        return self.selections - len(self.bets)


@lru_cache(maxsize=1)
def code_version() -> str:
    """The git commit the engine ran from (``unknown`` outside a checkout): stored with every run."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                              cwd=__file__.rsplit("/", 2)[0]).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _split(decision: pd.DataFrame, outcomes: pd.DataFrame, market: str, uses_final_odds: bool,
           keep: np.ndarray | None = None) -> Prepared:
    """Keep ``keep`` rows in (decision time, event, frame) order - the order bets are placed in - in one take,
    and drop the outcome and closing-price columns from the decision side."""
    keep = np.arange(len(decision)) if keep is None else np.flatnonzero(keep)
    event = pd.factorize(decision["event_key"].to_numpy()[keep])[0]
    time_ns = pd.DatetimeIndex(decision["decision_time"]).asi8[keep]
    order = keep[np.lexsort((keep, event, time_ns))]
    decision = decision.drop(columns=[c for c in (*OUTCOME_COLUMNS, *CLOSING_COLUMNS) if c in decision]).take(order)
    return Prepared(decision, outcomes.take(order), market, uses_final_odds)


def prepare_racing(runners: pd.DataFrame, decision_minutes: int = DECISION_MINUTES, settle_minutes: int = 15,
                   dividends: pd.DataFrame | None = None) -> Prepared:
    """Features on the whole frame, then the split; only runners with odds (non-scratched) are decisions.

    Columns are added to the feature frame (a shallow copy of ``runners``) and rows are filtered and ordered in a
    single take: at ten years of US racing every extra copy of the frame costs seconds and gigabytes.
    """
    frame = add_features(runners)
    has_snapshots = "decision_odds" in frame and frame["decision_odds"].notna().any()
    odds = frame["decision_odds"].fillna(frame["final_odds"]) if has_snapshots else frame["final_odds"]
    eligible = (odds > 1).to_numpy()
    uses_final = not has_snapshots or bool(frame["decision_odds"][eligible].isna().any())
    # A runner withdrawn after the decision is refunded (return 1 per unit), as the tote does.
    outcomes = pd.DataFrame({"gross_return": frame["win_bet_return"].fillna(1.0), "won": frame["won"].astype(bool),
                             "closing_odds": frame["final_odds"],
                             "odds_are_closing": ~frame.get("decision_odds", pd.Series(np.nan, frame.index)).notna(),
                             "event_key": frame["race_key"], "horse_number": frame["horse_number"],
                             "finish_position": frame["finish_position"]}, index=frame.index)
    post = pd.to_datetime(frame["post_time"], utc=True)
    for column in CATEGORICAL:  # few distinct values: as categories the big take below moves codes, not objects
        if column in frame and frame[column].dtype == object:
            frame[column] = frame[column].astype("category")
    # Renamed, not copied: the generic names are what every strategy and the bets table use.
    frame.rename(columns={"race_key": "event_key", "runner_key": "selection_key"}, inplace=True)
    frame["track"] = frame["track_code"]
    frame["market"] = frame["bet_type"] = pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8), ["win"])
    frame["odds"], frame["implied_probability"] = odds, 1 / odds
    frame["decision_time"] = post - pd.Timedelta(minutes=decision_minutes)
    frame["settle_time"] = post + pd.Timedelta(minutes=settle_minutes)
    if has_snapshots:
        frame["odds_rank"] = odds.where(eligible).groupby(frame["event_key"]).rank(method="min")
        frame["is_favourite"] = frame["odds_rank"] == 1
    prepared = _split(frame, outcomes, "racing", uses_final, eligible)
    prepared.dividends = dividends
    return prepared


def prepare_sports(games: pd.DataFrame, decision_hours: int = 1, tip_off_utc_hour: int = 23) -> Prepared:
    """A games frame (``frames.nba_games``) → one decision row per side's moneyline.

    The NBA file has dates only; tip-off is taken as ``tip_off_utc_hour`` on the game date (evening games in US time
    zones) so that decision and settlement times order games within a day consistently.
    """
    sides = []
    for side, other, sign in (("home", "away", 1), ("away", "home", -1)):
        part = games.assign(side=side, team=games[side], opponent=games[other], odds=games[f"{side}_odds"],
                            opponent_odds=games[f"{other}_odds"], margin=sign * games["home_margin"])
        sides.append(part)
    frame = pd.concat(sides, ignore_index=True)
    tip_off = pd.to_datetime(frame["game_date"]).dt.tz_localize("UTC") + pd.Timedelta(hours=tip_off_utc_hour)
    decision = frame.assign(event_key=frame["game_key"], selection_key=frame["game_key"] + ":" + frame["side"],
                            race_date=pd.to_datetime(frame["game_date"]), track="NBA", market="moneyline",
                            bet_type="moneyline", implied_probability=1 / frame["odds"],
                            decision_time=tip_off - pd.Timedelta(hours=decision_hours),
                            settle_time=tip_off + pd.Timedelta(hours=3)).drop(columns=["margin"])
    # a game without a result yet (the strategy monitor decides on upcoming games) has no return: NaN, never won
    gross = moneyline_returns(frame["side"], frame["home_margin"], frame["odds"], False)
    outcomes = pd.DataFrame({"gross_return": gross, "won": gross > 1, "closing_odds": frame["odds"],
                             "odds_are_closing": True}, index=frame.index)
    return _split(decision, outcomes, "sports", True)


def _window(prepared: Prepared, start, end) -> tuple[pd.DataFrame, date, date]:
    days = prepared.decisions["race_date"]
    first = pd.Timestamp(start) if start is not None else days.min()
    last = pd.Timestamp(end) if end is not None else days.max()
    if (first, last) not in prepared.windows:
        prepared.windows[(first, last)] = prepared.decisions[(days >= first) & (days <= last)]
    return prepared.windows[(first, last)], first.date(), last.date()


def select(strategy: Strategy, prepared: Prepared, start=None, end=None) -> pd.DataFrame:
    """The strategy's picks in the window, in decision order (the part of a run that must not see outcomes)."""
    if strategy.market != prepared.market:
        raise ValueError(f"strategy {strategy.name!r} is a {strategy.market} strategy; the frame is {prepared.market}")
    window, _, _ = _window(prepared, start, end)
    picks = strategy.select(Context(window, prepared.decisions, prepared.outcomes["won"]))
    position = window.index.get_indexer(picks.index)  # the window's index hash is built once and cached
    if (position < 0).any():
        raise ValueError(f"strategy {strategy.name!r} returned rows outside its decision window")
    if len(position) and (np.diff(position) <= 0).any():  # back to decision order, once each
        picks = picks.iloc[np.unique(position, return_index=True)[1]]
    return picks


def run_prepared(strategy: Strategy | str, prepared: Prepared, params: dict | None = None, *, start=None,
                 end=None, staking: Staking | None = None, bankroll: float = DEFAULT_BANKROLL) -> BacktestResult:
    strategy = get_strategy(strategy, params) if isinstance(strategy, str) else strategy
    staking = staking or Staking()
    _, first, last = _window(prepared, start, end)
    picks = select(strategy, prepared, start, end)
    probability = picks["probability"].to_numpy(float) if "probability" in picks else np.full(len(picks), np.nan)
    if staking.method == "kelly" and np.isnan(probability).all() and len(picks):
        raise ValueError(f"Kelly staking needs a probability; {strategy.name!r} does not give one "
                         "(use value_model, or flat/percentage staking)")
    outcome = prepared.outcomes.loc[picks.index]  # outcomes meet decisions only here, after select
    odds = picks["odds"].to_numpy(float)
    if hasattr(strategy, "settle"):  # bets that are not one runner's win (exotic boxes) settle themselves
        gross = strategy.settle(picks, prepared.outcomes, prepared.dividends)
        outcome = outcome.assign(won=gross > 0, closing_odds=np.nan, odds_are_closing=False)
    else:
        gross = outcome["gross_return"].to_numpy(float)
    stake = resolve(pd.DatetimeIndex(picks["decision_time"]).asi8, pd.DatetimeIndex(picks["settle_time"]).asi8, odds,
                    np.nan_to_num(probability), gross, staking, bankroll)
    placed = stake > 0
    ret = stake * net_return(gross, staking.commission)
    bets = pd.DataFrame({
        "selection_key": picks["selection_key"].to_numpy(), "event_key": picks["event_key"].to_numpy(),
        "race_date": picks["race_date"].array, "decision_time": picks["decision_time"].array,
        "track": picks["track"].to_numpy(), "market": picks["market"].to_numpy(),
        "bet_type": picks["bet_type"].to_numpy(), "odds": odds, "probability": probability, "stake": stake,
        "ret": ret, "pnl": ret - stake, "won": outcome["won"].to_numpy(bool),
        "closing_odds": outcome["closing_odds"].to_numpy(float),
        "odds_are_closing": outcome["odds_are_closing"].to_numpy(bool)})[placed].reset_index(drop=True)
    daily = metrics.daily_returns(bets, first, last, bankroll)
    return BacktestResult(strategy.name, dict(strategy.values), prepared.market, first, last, bankroll, staking,
                          prepared.uses_final_odds, bets, daily, metrics.summary(bets, daily, bankroll),
                          decisions=len(_window(prepared, start, end)[0]), selections=len(picks))


def run_backtest(strategy: Strategy | str, frame: pd.DataFrame, params: dict | None = None, *, start=None,
                 end=None, staking: Staking | None = None, bankroll: float = DEFAULT_BANKROLL,
                 market: str | None = None, dividends: pd.DataFrame | None = None) -> BacktestResult:
    """One run from a loaded frame (runners for racing, ``frames.nba_games`` for sports; dividends for exotics)."""
    strategy = get_strategy(strategy, params) if isinstance(strategy, str) else strategy
    kind = market or strategy.market
    prepared = prepare_racing(frame, dividends=dividends) if kind == "racing" else prepare_sports(frame)
    return run_prepared(strategy, prepared, start=start, end=end, staking=staking, bankroll=bankroll)


def sweep(name: str, param_sets: list[dict], prepared: Prepared, **run_kwargs) -> list[BacktestResult]:
    """One run per parameter set on the same prepared frame (features are computed once)."""
    return [run_prepared(get_strategy(name, params), prepared, **run_kwargs) for params in param_sets]
