"""The frames a backtest reads: one row per runner (racing) or per side of a game (sports), outcomes included.

The engine splits each frame into a *decision* part and an *outcome* part itself (``backtests.engine``), so loaders
here return everything in one frame and never need to be trusted about look-ahead. Racing frames have the columns
of ``marts.fct_runners`` plus the race context of ``marts.fct_races`` (post time, going, surface, distance, class);
:func:`runners_from_batch` builds the same frame from a raw batch in memory (the synthetic source, tests, benchmarks),
so a backtest on Postgres and one on a generated history see identical columns.

Money and odds arrive from Postgres as ``numeric`` (Decimal); they become floats here because everything after this
point is vectorized math. Decimals come back at the boundary (``backtests.results``).
"""
from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from backtests.betting.odds import decimal_from_american_series

RACE_CONTEXT = ("track_code", "race_number", "post_time", "distance_m", "surface", "going", "is_wet", "race_class",
                "purse")
RUNNER_COLUMNS = ("runner_key", "race_key", "horse_key", "jockey_key", "trainer_key", "track_key", "race_date",
                  "horse_number", "post_position", "horse_age", "weight_lbs", "field_size", "morning_line_odds",
                  "final_odds", "odds_rank", "is_favourite", "status", "is_start", "finish_position", "won", "placed",
                  "showed", "win_payout", "place_payout", "show_payout", "win_bet_return")
FLOAT_COLUMNS = ("distance_m", "purse", "morning_line_odds", "final_odds", "win_payout", "place_payout", "show_payout",
                 "win_bet_return", "weight_lbs")
# Same test as the dbt macro ``going_is_wet``, so in-memory frames agree with the marts.
_WET = re.compile(r"(?:muddy|sloppy|wet|slow|sealed|yielding|soft|heavy)")
_FURLONG_M = 201.168
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Racing decisions are taken this long before post: the tote snapshot loaded and the engine's decision time agree.
DECISION_MINUTES = 5

RUNNERS_SQL = f"""
select {', '.join('r.' + c for c in RUNNER_COLUMNS)}, {', '.join('ra.' + c for c in RACE_CONTEXT)}
from {{schema}}.fct_runners as r
inner join {{schema}}.fct_races as ra on ra.race_key = r.race_key
where r.race_date between %(start)s and %(end)s
order by ra.post_time, r.race_key, r.post_position
"""


# The tote price each runner showed at the decision time: the last win-pool snapshot polled at or before
# post − N minutes (tote boards are events with id = the race id and bookmaker "<site>_win_pool", #4's tote sensor).
DECISION_ODDS_SQL = """
select distinct on (ra.race_key, o.outcome)
       ra.race_key, o.outcome::int as horse_number, o.price_decimal as decision_odds
from {schema}.fct_races as ra
inner join {schema}.fct_odds as o
    on o.event_id = ra.race_id and o.bookmaker = ra.source || '_win_pool' and o.market = 'win' and o.is_racing
where ra.race_date between :start and :end
  and o.outcome ~ '^[0-9]+$'
  and o.snapshot_time <= ra.post_time - make_interval(mins => :minutes)
order by ra.race_key, o.outcome, o.snapshot_time desc
"""


def _floats(frame: pd.DataFrame) -> pd.DataFrame:
    for column in FLOAT_COLUMNS:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["post_time"] = pd.to_datetime(frame["post_time"], utc=True)
    frame["race_date"] = pd.to_datetime(frame["race_date"])
    return frame


def load_runners(engine, start: date, end: date, decision_minutes: int = DECISION_MINUTES,
                 schema: str = "marts") -> pd.DataFrame:
    """Every runner of races dated [start, end] from the marts, one query (runners joined to their race).

    Where tote snapshots exist for a race, ``decision_odds`` holds each runner's price at post − ``decision_minutes``
    (the engine decides on it instead of the final odds; see ``backtests.engine.prepare_racing``). ``schema`` is
    for a copy of the marts elsewhere (the end-to-end benchmark); it must be a plain lower-case identifier.
    """
    if not _IDENTIFIER.match(schema):
        raise ValueError(f"schema {schema!r} is not a plain identifier")
    import sqlalchemy as sa

    from paddock.pgcopy import read_copy

    window = {"start": start, "end": end}
    frame = read_copy(engine, RUNNERS_SQL.format(schema=schema), window)
    with engine.connect() as conn:  # no odds marts yet (history only, odds never built): final odds it is
        has_odds = conn.execute(sa.text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{schema}.fct_odds"}).scalar()
        snapshots = pd.read_sql_query(sa.text(DECISION_ODDS_SQL.format(schema=schema)), conn,
                                      params={**window, "minutes": decision_minutes}) if has_odds else pd.DataFrame()
    if not snapshots.empty:
        snapshots["decision_odds"] = pd.to_numeric(snapshots["decision_odds"]).astype(float)
        snapshots = snapshots.drop_duplicates(["race_key", "horse_number"])  # "01" and "1" are one program number
        frame = frame.merge(snapshots, on=["race_key", "horse_number"], how="left", validate="many_to_one")
    return _floats(frame)


def load_dividends(engine, start: date, end: date) -> pd.DataFrame:
    """``marts.fct_dividends`` for [start, end], one query: race_key, pool, combination, payout_per_unit."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        frame = pd.read_sql_query(sa.text("select race_key, pool, combination, payout_per_unit from "
                                          "marts.fct_dividends where race_date between :start and :end"), conn,
                                  params={"start": start, "end": end})
    frame["payout_per_unit"] = pd.to_numeric(frame["payout_per_unit"]).astype(float)
    return frame


def dividends_from_batch(batch, source: str = "synthetic") -> pd.DataFrame:
    """The dividends of a raw batch shaped like :func:`load_dividends` (payout per 1 unit staked)."""
    d = batch.dividends
    return pd.DataFrame({"race_key": source + ":" + d["race_id"], "pool": d["pool"].str.lower(),
                         "combination": d["combination"].str.replace(r"\s+", "", regex=True),
                         "payout_per_unit": pd.to_numeric(d["dividend"]).astype(float).to_numpy()
                         / d["stake_unit"].astype(float).to_numpy()})


def runners_from_batch(batch, source: str = "synthetic") -> pd.DataFrame:
    """A raw batch (races, runners, dividends) → the frame :func:`load_runners` would return after dbt ran.

    Mirrors fct_runners' definitions: field_size counts non-scratched runners, is_favourite marks the shortest final
    odds (ties included), won is finish_position = 1, and win_bet_return is the win dividend per unit (or the final
    odds when the race has no win dividend) for a winner, 0 for a loser and null for a runner that did not start.

    The final-odds fallback is decided per race, not per horse, in both places (``tests/integration/
    test_win_return_parity.py`` holds them together): where the tote published win dividends they are the truth,
    and a winner without one (a dead-heater whose split dividend is missing) returns 0 rather than its full final
    odds, roughly twice what the split paid. A backtest may understate such a bet; it must not be flattered by it.
    """
    races, runners = batch.races.copy(), batch.runners.copy()
    races["race_key"] = source + ":" + races["race_id"]
    races["track_key"] = source + ":" + races["track_code"].str.upper()
    races["distance_m"] = np.where(races["distance_unit"] == "f", races["distance"] * _FURLONG_M, races["distance"])
    races["is_wet"] = races["going"].fillna("").str.lower().str.contains(_WET)
    races["purse"] = pd.to_numeric(races["purse"], errors="coerce")
    frame = runners.assign(race_key=source + ":" + runners["race_id"])
    frame["runner_key"] = frame["race_key"] + ":" + frame["horse_id"]
    for kind in ("horse", "jockey", "trainer"):
        frame[f"{kind}_key"] = source + ":" + frame[f"{kind}_id"]
    frame = frame.drop(columns=["race_date"]).merge(
        races[["race_key", "track_key", "race_date", *RACE_CONTEXT[:-3], "race_class", "purse"]].assign(
            is_wet=races["is_wet"]), on="race_key", how="left")
    odds = pd.to_numeric(frame["final_odds"], errors="coerce").astype(float)
    frame["final_odds"] = odds
    runner = (frame["status"] != "scratched") & (odds > 0)
    frame["field_size"] = (frame["status"] != "scratched").groupby(frame["race_key"]).transform("sum")
    frame["odds_rank"] = odds.where(runner).groupby(frame["race_key"]).rank(method="min")
    frame["is_favourite"] = runner & (odds == odds.where(runner).groupby(frame["race_key"]).transform("min"))
    from backtests.betting.odds import parse_odds_text_series

    # the converter the dbt macro mirrors, at its stored precision: frames and marts hold the same morning line
    frame["morning_line_odds"] = parse_odds_text_series(frame["morning_line"])
    position = frame["finish_position"]
    frame["is_start"] = position.notna().to_numpy() | frame["status"].isin(["dnf", "disqualified"]).to_numpy()
    frame["won"] = (position == 1).fillna(False).astype(bool)
    frame["placed"] = (position <= 2).fillna(False).astype(bool)
    frame["showed"] = (position <= 3).fillna(False).astype(bool)
    div = batch.dividends
    for pool in ("win", "place", "show"):
        part = div[div["pool"] == pool]
        per_unit = pd.Series(pd.to_numeric(part["dividend"]).astype(float).to_numpy()
                             / part["stake_unit"].astype(float).to_numpy(),
                             index=pd.MultiIndex.from_arrays([source + ":" + part["race_id"],
                                                              part["combination"].str.replace(r"\s+", "", regex=True)]))
        per_unit = per_unit.groupby(level=[0, 1]).max()
        key = pd.MultiIndex.from_arrays([frame["race_key"], frame["horse_number"].astype(str)])
        frame[f"{pool}_payout"] = per_unit.reindex(key).to_numpy()
    has_win_div = frame["race_key"].isin(source + ":" + div.loc[div["pool"] == "win", "race_id"])
    won_return = np.where(has_win_div, frame["win_payout"].fillna(0.0), frame["final_odds"].fillna(0.0))
    frame["win_bet_return"] = np.where(frame["is_start"], np.where(frame["won"], won_return, 0.0), np.nan)
    frame = frame[[*RUNNER_COLUMNS, *RACE_CONTEXT]].sort_values(["post_time", "race_key", "post_position"],
                                                                kind="stable")
    return _floats(frame.reset_index(drop=True))


def nba_games(folder: Path) -> pd.DataFrame:
    """The NBA closing lines (``odds_*.csv``) as one row per game: date, teams, decimal moneylines, margin, totals.

    Conventions verified on the files: ``Win_Margin`` is home points minus away points, and ``Spread`` is the away
    side's handicap (home favourites carry a positive spread). The source's own ``*_Prob``/``*_Odds`` columns are
    wrong and are dropped, and so are rows with ``Win_Margin`` 0 (an NBA game cannot end tied; these
carry no result). ``suspect`` marks lines that disagree with the spread by more than 0.25 in win
    probability (in-play prices such as +2900 / −5000 recorded as closing lines); strategies skip them.
    """
    parts = [pd.read_csv(path) for path in sorted(Path(folder).glob("odds_*.csv"))]
    raw = pd.concat(parts, ignore_index=True)
    games = pd.DataFrame({
        "game_date": pd.to_datetime(raw["Date"]), "home": raw["Home"], "away": raw["Away"],
        "home_odds": decimal_from_american_series(raw["ML_Home"]),
        "away_odds": decimal_from_american_series(raw["ML_Away"]),
        "spread_away": pd.to_numeric(raw["Spread"], errors="coerce"), "total_line": pd.to_numeric(raw["OU"],
                                                                                                 errors="coerce"),
        "points": pd.to_numeric(raw["Points"], errors="coerce"),
        "home_margin": pd.to_numeric(raw["Win_Margin"], errors="coerce"),
    })
    games = games[games["home_margin"] != 0]  # NBA games cannot tie: a 0 margin is a game without a result
    games = games.dropna(subset=["home_odds", "away_odds", "home_margin"]).drop_duplicates(
        subset=["game_date", "home", "away"]).reset_index(drop=True)
    implied_home = (1 / games["home_odds"]) / (1 / games["home_odds"] + 1 / games["away_odds"])
    # NBA margins: sd ≈ 12 points around the line; Φ via erf keeps scipy out of the runtime dependencies.
    erf = np.frompyfunc(math.erf, 1, 1)
    spread_home = 0.5 * (1 + erf(games["spread_away"].fillna(0.0).to_numpy() / 12.0 / math.sqrt(2)).astype(float))
    games["suspect"] = (np.abs(implied_home - spread_home) > 0.25) | games["spread_away"].isna()
    games["game_key"] = ("nba:" + games["game_date"].dt.strftime("%Y-%m-%d") + ":" + games["away"] + "@"
                         + games["home"])
    return games
