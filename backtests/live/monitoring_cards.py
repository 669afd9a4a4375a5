"""Upcoming race cards as decision rows for strategy monitoring (``backtests.live.monitoring``): the newest card per
race from ``raw.card_races`` / ``raw.card_runners``, priced with the race's newest tote board or the morning line,
and jockeys/trainers resolved by name to their result rows (the marts' identity rule)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

from backtests.betting.odds import parse_odds_text_series
from backtests.frames import _FURLONG_M, _WET

LOOKAHEAD_DAYS = 1  # today's and tomorrow's cards
IDENTITY_GROUPS = {"demo": "synthetic"}  # the dbt var racecard_identity_groups' default
_YARD_M = 0.9144



_CARDS = sa.text("""
    SELECT r._source AS source, r.race_id, r.race_date, r.track_code, r.race_number, r.post_time, r.distance,
           r.distance_unit, r.surface, r.going, r.race_class, r.purse,
           e.horse_number, e.post_position, e.horse_id, e.horse_name, e.horse_age, e.jockey_name, e.trainer_name,
           e.weight_lbs, e.morning_line, coalesce(e.scratched, false) AS scratched
    FROM (SELECT DISTINCT ON (_source, race_id) * FROM raw.card_races
          WHERE race_date BETWEEN :first AND :last AND post_time > :now
          ORDER BY _source, race_id, _loaded_at DESC) r
    JOIN (SELECT DISTINCT ON (_source, race_id, horse_number) * FROM raw.card_runners
          WHERE race_date BETWEEN :first AND :last
          ORDER BY _source, race_id, horse_number, _loaded_at DESC) e
      ON e._source = r._source AND e.race_id = r.race_id
    ORDER BY r.post_time, r._source, r.race_id, e.horse_number
""")

# The newest board of each race, whole: a runner missing from it is not bettable, whatever an older board said.
_TOTE = sa.text("""
    WITH latest AS (
        SELECT DISTINCT ON (o.event_id) o.event_id, o.snapshot_id
        FROM raw.odds o JOIN raw.odds_snapshots s USING (snapshot_id)
        WHERE s.sport = 'horseracing' AND o.market = 'win' AND o.is_valid AND o.event_id = ANY(:ids)
        ORDER BY o.event_id, o.snapshot_time DESC, o.snapshot_id DESC
    )
    SELECT o.event_id AS race_id, o.outcome, o.price_decimal
    FROM raw.odds o JOIN latest USING (event_id, snapshot_id)
    WHERE o.market = 'win' AND o.is_valid
""")


def _exists(conn, table: str) -> bool:
    return conn.execute(sa.text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table}).scalar()


def load_cards(engine: sa.Engine, now: datetime, first: date | None = None, last: date | None = None) -> pd.DataFrame:
    """Card runners of races posting after ``now`` dated [first, last] (default today and tomorrow), with the odds
    to decide on: ``odds`` and ``odds_source`` (tote | morning_line). Scratched and unpriced runners are left out."""
    first = first or now.date()
    last = last or first + timedelta(days=LOOKAHEAD_DAYS)
    with engine.connect() as conn:
        if not _exists(conn, "raw.card_races"):
            return pd.DataFrame()
        cards = pd.DataFrame(conn.execute(_CARDS, {"first": first, "last": last, "now": now}).mappings().all())
        if cards.empty:
            return cards
        tote = pd.DataFrame(columns=["race_id", "outcome", "price_decimal"])
        if _exists(conn, "raw.odds") and _exists(conn, "raw.odds_snapshots"):
            rows = conn.execute(_TOTE, {"ids": sorted(cards["race_id"].unique())}).mappings().all()
            tote = pd.DataFrame(rows, columns=["race_id", "outcome", "price_decimal"])
    cards = cards[~cards["scratched"]].copy()
    price = pd.Series(pd.to_numeric(tote["price_decimal"]).astype(float).to_numpy(),
                      index=pd.MultiIndex.from_arrays([tote["race_id"], tote["outcome"].astype(str)]))
    key = pd.MultiIndex.from_arrays([cards["race_id"], cards["horse_number"].astype(str)])
    tote_price = price.reindex(key).to_numpy()
    has_board = cards["race_id"].isin(set(tote["race_id"])).to_numpy()
    line = parse_odds_text_series(cards["morning_line"])
    cards["odds"] = np.where(has_board, tote_price, line.to_numpy())
    cards["odds_source"] = np.where(has_board, "tote", "morning_line")
    return cards[cards["odds"] > 1].reset_index(drop=True)


def _people_keys(engine: sa.Engine, kind: str) -> dict[tuple[str, str], str]:
    """(identity group, lower name) → the result row's key, by the marts' rule: the group's own source first, then
    the most recently active, then the lowest key."""
    with engine.connect() as conn:
        if not _exists(conn, f"marts.dim_{kind}s"):
            return {}
        rows = pd.DataFrame(conn.execute(sa.text(
            f"SELECT {kind}_key AS key, source, lower({kind}_name) AS name, last_race_date "
            f"FROM marts.dim_{kind}s WHERE has_results AND {kind}_name IS NOT NULL")).mappings().all(),
            columns=["key", "source", "name", "last_race_date"])
    if rows.empty:
        return {}
    rows["group"] = rows["source"].map(lambda s: IDENTITY_GROUPS.get(s, s))
    rows["own"] = rows["source"] == rows["group"]
    rows = rows.sort_values(["own", "last_race_date", "key"], ascending=[False, False, True], na_position="last")
    rows = rows.drop_duplicates(["group", "name"])
    return dict(zip(zip(rows["group"], rows["name"]), rows["key"]))


def card_runners_frame(cards: pd.DataFrame, jockeys: dict, trainers: dict) -> pd.DataFrame:
    """Card rows shaped like ``frames.load_runners`` (keys in the history's identity), without outcome columns.

    The decision price goes in ``decision_odds`` (``final_odds`` does not exist yet); ``is_start`` is false because an
    entry on a card is not a start until the race is run.
    """
    group = cards["source"].map(lambda s: IDENTITY_GROUPS.get(s, s))
    race_key = cards["source"] + ":" + cards["race_id"]
    unit = cards["distance_unit"].str.lower()
    distance = pd.to_numeric(cards["distance"]).astype(float)

    def lookup(table: dict, names: pd.Series) -> list:
        return [table.get((g, n.lower())) if isinstance(n, str) else None for g, n in zip(group, names)]

    frame = pd.DataFrame({
        "runner_key": race_key + ":" + cards["horse_number"].astype(str), "race_key": race_key,
        "horse_key": group + ":" + cards["horse_id"], "jockey_key": lookup(jockeys, cards["jockey_name"]),
        "trainer_key": lookup(trainers, cards["trainer_name"]),
        "track_key": group + ":" + cards["track_code"].str.upper(),
        "race_date": pd.to_datetime(cards["race_date"]), "horse_number": cards["horse_number"],
        "post_position": cards["post_position"], "horse_age": cards["horse_age"],
        "weight_lbs": pd.to_numeric(cards["weight_lbs"]).astype(float),
        "field_size": race_key.groupby(race_key).transform("size"),
        "morning_line_odds": parse_odds_text_series(cards["morning_line"]), "final_odds": np.nan,
        "decision_odds": cards["odds"].astype(float), "is_start": False,
        "track_code": cards["track_code"].str.upper(), "race_number": cards["race_number"],
        "post_time": pd.to_datetime(cards["post_time"], utc=True),
        "distance_m": np.where(unit == "f", distance * _FURLONG_M, np.where(unit == "y", distance * _YARD_M, distance)),
        "surface": cards["surface"].str.lower(), "going": cards["going"].str.lower(),
        "is_wet": cards["going"].fillna("").str.lower().str.contains(_WET),
        "race_class": cards["race_class"], "purse": pd.to_numeric(cards["purse"]).astype(float),
        "race_id": cards["race_id"], "horse_name": cards["horse_name"], "odds_source": cards["odds_source"],
    })
    return frame
