"""Exotic value: what a pool paid against the Harville fair odds of the same combination.

The pools' own prices exist in our data as official dividends, so for every exotic dividend we compare the payout per
unit with the fair odds implied by the race's final win odds (vig removed multiplicatively, then Harville — or Henery
with ``gamma`` < 1, which tempers Harville's known overconfidence in favourites for the minor places). An overlay > 0
says the pool paid more than the win market implied: the signal an exotic bettor hunts for.
"""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from backtests.betting.harville import fair_odds
from backtests.betting.pools import EXOTIC_POOLS
from paddock.table_docs import document_table
COLUMNS = ["race_key", "race_date", "source", "pool", "combination", "payout_per_unit", "harville_fair_odds",
           "overlay", "is_value", "gamma"]


def win_probabilities(runners: pd.DataFrame) -> dict[str, dict[int, float]]:
    """Per race, each runner's no-vig win probability from its final decimal odds (runners without odds excluded)."""
    priced = runners[runners["final_odds"].astype(float) > 1].copy()
    priced["implied"] = 1 / priced["final_odds"].astype(float)
    priced["p"] = priced["implied"] / priced.groupby("race_key")["implied"].transform("sum")
    return {race: dict(zip(group["horse_number"].astype(int), group["p"]))
            for race, group in priced.groupby("race_key", sort=False)}


def exotic_overlays(runners: pd.DataFrame, dividends: pd.DataFrame, *, gamma: float = 1.0) -> pd.DataFrame:
    """One row per exotic dividend whose horses all had a win price: payout, fair odds, overlay."""
    probabilities = win_probabilities(runners)
    rows = []
    for d in dividends[dividends["pool"].isin(EXOTIC_POOLS)].itertuples(index=False):
        probs = probabilities.get(d.race_key)
        combination = tuple(int(h) for h in str(d.combination).split("-"))
        if not probs or any(h not in probs for h in combination):
            continue  # a horse without a price (or an unpriced race): no fair odds to compare with
        fair = float(fair_odds(d.pool, combination, probs, gamma))
        payout = float(d.payout_per_unit)
        rows.append((d.race_key, d.race_date, d.source, d.pool, d.combination, payout, round(fair, 4),
                     round(payout / fair - 1, 6), payout > fair, gamma))
    return pd.DataFrame(rows, columns=COLUMNS)


RUNNERS_SQL = "SELECT race_key, horse_number, final_odds FROM marts.fct_runners WHERE status <> 'scratched'"
DIVIDENDS_SQL = ("SELECT race_key, race_date, source, pool, combination, payout_per_unit FROM marts.fct_dividends "
                 "WHERE pool = ANY(:pools)")
DDL = """
CREATE TABLE IF NOT EXISTS marts.exotic_value (
    race_key text NOT NULL, race_date date NOT NULL, source text NOT NULL, pool text NOT NULL,
    combination text NOT NULL, payout_per_unit numeric, harville_fair_odds numeric, overlay double precision,
    is_value boolean, gamma double precision, PRIMARY KEY (race_key, pool, combination)
)"""


def publish_exotic_value(engine: sa.Engine, *, gamma: float = 1.0) -> dict[str, float]:
    """Rebuild marts.exotic_value from the racing marts in one transaction."""
    from paddock.pgcopy import copy_rows

    with engine.connect() as conn:
        runners = pd.read_sql(sa.text(RUNNERS_SQL), conn)
        dividends = pd.read_sql(sa.text(DIVIDENDS_SQL), conn, params={"pools": list(EXOTIC_POOLS)})
    frame = exotic_overlays(runners, dividends, gamma=gamma)
    types = {"race_key": "text", "race_date": "date", "source": "text", "pool": "text", "combination": "text",
             "payout_per_unit": "numeric", "harville_fair_odds": "numeric", "overlay": "numeric",
             "is_value": "text", "gamma": "numeric"}
    with engine.begin() as conn:
        conn.exec_driver_sql(DDL)
        document_table(conn, "marts.exotic_value")
        conn.exec_driver_sql("DELETE FROM marts.exotic_value")
        cursor = conn.connection.cursor()
        copy_rows(cursor, "marts.exotic_value", types, frame)
        cursor.close()
    share = float(frame["is_value"].mean()) if len(frame) else 0.0
    return {"rows": len(frame), "value_share": round(share, 4),
            "mean_overlay": round(float(frame["overlay"].mean()), 4) if len(frame) else 0.0}
