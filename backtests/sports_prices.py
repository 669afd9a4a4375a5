"""Sports decisions on recorded bookmaker snapshots: every book's h2h, spread and total as of the decision time.

A backtest on backfilled (or polled) history must decide on what a bettor could have seen, so the prices come from
the one as-of read (:mod:`backtests.odds_at`), never from a second join here: :func:`load_sports_prices` asks it
for every book's latest quote at commence − ``decision_hours`` and for the closing lines, reads the settled events
(``staging.stg_events``: the scores the /scores poll stored on ``raw.events``), and hands the three frames to the
pure :func:`prepare_sports_prices`, which builds one decision row per (event, bookmaker, market, outcome, point):

- ``fair_probability`` — the sharp book's (Pinnacle by default) no-vig probability of the same outcome on the same
  market *and line* (``betting.value.fair_probabilities``: a spread or total counts only where the sharp book quotes
  that very point; a sharp market with a side missing or suspended gives none). The sharp book's rows are the
  yardstick and are never bet.
- ``closing_odds`` (outcome side) — the same book's last price before the start on the same market, outcome and
  point. When the book's closing line sits at another point (the spread moved from −3.5 to −4.5) the bet's line no
  longer existed at the close: its closing price is NaN and the bet has no closing-line value, rather than a CLV
  against a different bet. A closing price of 1.0 (suspended at the close) is no closing line either.
- ``gross_return`` (outcome side) — settled by ``betting.scenarios.line_returns``, the one settlement of lines:
  whole-number spreads and totals push (stake back), quarter lines are half on each neighbour, a soccer h2h (or any
  event with a draw quoted) loses both team bets on a draw.

A quote at 1.0 (a suspended market) is not a price anyone could take: such rows are not decisions. Events without a
final score are left out (nothing to settle), as are quotes whose outcome names neither team, the draw nor a total.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from backtests.betting.scenarios import line_returns
from backtests.betting.value import DEFAULT_SHARP_BOOK, fair_probabilities
from backtests.engine import Prepared, _split
from backtests.frames import _IDENTIFIER
from backtests.odds_at import closing_lines, odds_as_of

MARKETS = ("h2h", "spreads", "totals")
EVENT_COLUMNS = ["event_id", "sport", "home_team", "away_team", "commence_time", "home_score", "away_score"]
SETTLE_AFTER = pd.Timedelta(hours=4)  # when a bet's money is back in the bankroll: after any game's final whistle

EVENTS_SQL = """
select event_id, sport, home_team, away_team, commence_time, home_score, away_score
from {schema}.stg_events
where sport = any(cast(:sports as text[])) and is_completed and home_score is not null and away_score is not null
  and commence_time >= :first and commence_time < :until
order by commence_time, event_id
"""


def load_events(engine, sports: Sequence[str], start: date | None = None, end: date | None = None, *,
                schema: str = "staging") -> pd.DataFrame:
    """Events of ``sports`` with a final score (completed: a live game's score is not a result), starting on UTC
    days ``start``..``end`` (default: all)."""
    import sqlalchemy as sa

    if not _IDENTIFIER.match(schema):
        raise ValueError(f"schema {schema!r} is not a plain identifier")
    first = pd.Timestamp(start or "1900-01-01", tz="UTC")
    until = pd.Timestamp(end or "2999-12-30", tz="UTC") + timedelta(days=1)
    with engine.connect() as conn:
        frame = pd.read_sql_query(sa.text(EVENTS_SQL.format(schema=schema)), conn, params={
            "sports": list(sports), "first": first.to_pydatetime(), "until": until.to_pydatetime()})
    frame["commence_time"] = pd.to_datetime(frame["commence_time"], utc=True)
    return frame[EVENT_COLUMNS]


def load_sports_prices(engine, sports: Sequence[str], start: date | None = None, end: date | None = None, *,
                       decision_hours: float = 1.0, sharp_book: str = DEFAULT_SHARP_BOOK,
                       markets: Sequence[str] = MARKETS, marts: str = "marts", staging: str = "staging") -> Prepared:
    """Settled events of ``sports`` in the window, priced through :func:`odds_at.odds_as_of` at the decision time
    and :func:`odds_at.closing_lines`, as a :class:`engine.Prepared` frame (see the module docstring)."""
    events = load_events(engine, sports, start, end, schema=staging)
    requests = pd.DataFrame({"event_id": events["event_id"],
                             "at": events["commence_time"] - pd.Timedelta(hours=decision_hours)})
    quotes = odds_as_of(engine, requests, schema=marts)
    closing = closing_lines(engine, events["event_id"], schema=marts)
    return prepare_sports_prices(quotes, closing, events, decision_hours=decision_hours, sharp_book=sharp_book,
                                 markets=markets)


def _sides(frame: pd.DataFrame) -> np.ndarray:
    """home / away / draw on h2h and spreads (by team name), over / under on totals; "" for anything else."""
    outcome = frame["outcome"].astype(str)
    team = np.where(outcome == frame["home_team"], "home", np.where(outcome == frame["away_team"], "away", ""))
    h2h_draw = (frame["market"] == "h2h") & (outcome.str.lower() == "draw")
    totals = frame["market"] == "totals"
    total_side = np.where(outcome.str.lower().isin(["over", "under"]), outcome.str.lower(), "")
    return np.where(totals, total_side, np.where(h2h_draw, "draw", team))


def prepare_sports_prices(quotes: pd.DataFrame, closing: pd.DataFrame, events: pd.DataFrame, *,
                          decision_hours: float = 1.0, sharp_book: str = DEFAULT_SHARP_BOOK,
                          markets: Sequence[str] = MARKETS) -> Prepared:
    """The decision and outcome frames from as-of quotes and closing lines (``odds_at`` frames) and events with
    scores (:data:`EVENT_COLUMNS`). Pure: every price was chosen by ``odds_at``; a quote taken after its event's
    decision time is refused here (ValueError) rather than silently used."""
    events = events.assign(commence_time=pd.to_datetime(events["commence_time"], utc=True))
    decision_at = events.set_index("event_id")["commence_time"] - pd.Timedelta(hours=decision_hours)
    quotes = quotes[quotes["market"].isin(list(markets)) & quotes["event_id"].isin(events["event_id"])]
    late = pd.to_datetime(quotes["snapshot_time"], utc=True) > quotes["event_id"].map(decision_at)
    if late.any():
        raise ValueError(f"{int(late.sum())} quote(s) were taken after their decision time: read them with "
                         "odds_at.odds_as_of at commence - decision_hours")
    quotes = quotes.reset_index(drop=True)
    priced = quotes.assign(last_update=quotes["snapshot_time"])
    quotes = quotes.assign(fair_probability=fair_probabilities(priced, sharp_book).to_numpy())
    frame = quotes[(quotes["bookmaker"] != sharp_book) & (quotes["price_decimal"] > 1.0)].drop(
        columns=["commence_time", "at"]).merge(events, on="event_id")
    drawn = set(quotes.loc[(quotes["market"] == "h2h") & (quotes["outcome"].str.lower() == "draw"), "event_id"])
    drawn |= set(closing.loc[(closing["market"] == "h2h") & (closing["outcome"].str.lower() == "draw"), "event_id"])
    three_way = frame["event_id"].isin(drawn) | frame["sport"].astype(str).str.startswith("soccer")
    side = _sides(frame)
    odds = frame["price_decimal"].to_numpy(float)
    gross = line_returns(frame["market"].to_numpy(object), side, frame["point"], frame["home_score"],
                         frame["away_score"], odds, three_way.to_numpy())
    key = ["event_id", "bookmaker", "market", "outcome"]
    close = closing[closing["market"].isin(list(markets))].set_index(key)
    found = close.reindex(pd.MultiIndex.from_frame(frame[key]))
    same_line = (found["point"].to_numpy(float) == frame["point"].to_numpy(float)) | (
        found["point"].isna().to_numpy() & frame["point"].isna().to_numpy())
    closing_odds = np.where(same_line & (found["price_decimal"].to_numpy(float) > 1.0),
                            found["price_decimal"].to_numpy(float), np.nan)
    point_text = frame["point"].map(lambda p: "" if pd.isna(p) else f"{p:g}")
    decision = frame.assign(
        side=side, event_key=frame["event_id"],
        selection_key=frame["event_id"] + ":" + frame["bookmaker"] + ":" + frame["market"] + ":"
        + frame["outcome"] + point_text.radd(":").where(point_text != "", ""),
        race_date=frame["commence_time"].dt.tz_convert(None).dt.normalize(), track=frame["sport"],
        bet_type=frame["market"], odds=odds, implied_probability=1 / odds,
        decision_time=frame["commence_time"] - pd.Timedelta(hours=decision_hours),
        settle_time=frame["commence_time"] + SETTLE_AFTER).drop(columns=["home_score", "away_score", "price_decimal"])
    outcomes = pd.DataFrame({"gross_return": gross, "won": gross > 1, "closing_odds": closing_odds,
                             "odds_are_closing": False}, index=frame.index)
    return _split(decision, outcomes, "sports", False, np.isfinite(gross) & (side != ""))
