"""Strategy monitoring on a real card: the demo site's card for the day after the synthetic history, loaded through
the card pipeline, one race with a tote board; triggers checked against the card itself, upserted without duplicates.
Sports events: ``test_strategy_monitor_sports.py``."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import dagster as dg
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from backtests.engine import OUTCOME_COLUMNS
from backtests.live.monitoring import decision_frame, evaluate, monitor
from backtests.live.monitoring_cards import card_runners_frame, load_cards
from backtests.live.monitoring_store import ensure_trigger_table, read_triggers
from backtests.store import RunSpec
from ingestion.http import Fetcher, RetryPolicy
from ingestion.racecards.demo_site import DemoSite, day_batch
from ingestion.racecards.pipeline import load_card
from tests.conftest import forget_odds

pytestmark = pytest.mark.integration

SEED, TRACK, DAY = 7, "BEL", date(2024, 7, 4)  # BEL's first meeting after the history fixture's 2024-06-30
RACES = 12  # on that card
FAV = {"favourite_flat": RunSpec("favourite_flat", "favourite_flat", staking={"method": "flat", "flat_stake": 10})}


def fraction_odds(text: str) -> Fraction:
    """"9/2" or "9-2" → 11/2 decimal; written here from scratch so the test does not reuse the code under test."""
    text = text.strip().upper().replace("-", "/")
    if text in ("EVEN", "EVENS", "EVS"):
        return Fraction(2)
    num, _, den = text.partition("/")
    return 1 + Fraction(int(num), int(den or 1))


@pytest.fixture(scope="module")
def card(history, engine):
    truth = day_batch(SEED, TRACK, DAY)
    posts = truth.races.set_index("race_id")["post_time"].sort_values()
    now = posts.min().to_pydatetime() - timedelta(hours=1)
    with DemoSite(seed=SEED, clock=lambda: now) as site:
        fetcher = Fetcher(min_delay=0.0, retry=RetryPolicy(max_attempts=1))
        load_card(engine, fetcher, site.base_url, "demo", TRACK, DAY, run_id="monitor-it")
        fetcher.close()
    with engine.connect() as conn:
        runners = pd.read_sql_query(sa.text(
            "SELECT race_id, horse_number, horse_name, morning_line, coalesce(scratched, false) AS scratched "
            "FROM raw.card_runners WHERE _source = 'demo' AND _partition = :d AND _scope = :t "
            "ORDER BY race_id, horse_number"), conn, params={"d": DAY, "t": TRACK})
    first_race = posts.index[0]
    board = tote_board(engine, first_race, runners[(runners["race_id"] == first_race) & ~runners["scratched"]], now)
    yield {"now": now, "posts": posts, "runners": runners, "first_race": first_race, "board": board}
    ensure_trigger_table(engine)
    forget_odds(engine, event_ids=[first_race])
    with engine.begin() as conn:
        for table in ("card_races", "card_runners"):
            conn.execute(sa.text(f"DELETE FROM raw.{table} WHERE _run_id = 'monitor-it'"))
        conn.execute(sa.text("DELETE FROM marts.strategy_triggers WHERE race_date = :d"), {"d": DAY})


def tote_board(engine, race_id: str, entries: pd.DataFrame, now: datetime) -> dict[int, float]:
    """Two boards for the first race: an older one, and the latest where the morning line's *longest* runner is
    shortest and the last entry is missing (as a late scratch would be); returns the latest prices."""
    numbers = entries.assign(line=entries["morning_line"].map(fraction_odds)).sort_values(
        ["line", "horse_number"])["horse_number"].tolist()
    latest = {n: 3.0 + i for i, n in enumerate(reversed(numbers[1:]))}  # [1:]: the shortest line has no price
    older = {n: 2.0 + i for i, n in enumerate(numbers)}  # the morning-line order: the older favourite
    with engine.begin() as conn:
        for k, (prices, at) in enumerate(((older, now - timedelta(minutes=30)), (latest, now - timedelta(minutes=5)))):
            snapshot = f"monitor-it-{race_id}-{k}"
            conn.execute(sa.text(
                "INSERT INTO raw.odds_snapshots (snapshot_id, event_id, sport, payload, snapshot_time, "
                "bookmaker_count) VALUES (:s, :e, 'horseracing', '{}'::jsonb, :t, 1)"),
                {"s": snapshot, "e": race_id, "t": at})
            for number, price in prices.items():
                conn.execute(sa.text(
                    "INSERT INTO raw.odds (snapshot_id, event_id, bookmaker, market, outcome, price_american, "
                    "price_decimal, snapshot_time) VALUES (:s, :e, 'demo_win_pool', 'win', :o, :a, :p, :t)"),
                    {"s": snapshot, "e": race_id, "o": str(number), "a": int(round((price - 1) * 100)),
                     "p": price, "t": at})
    return latest


def expected_favourites(card) -> pd.DataFrame:
    """One row per race: the shortest price (tote board when the race has one, else morning line), lowest number
    on a tie."""
    rows = card["runners"][~card["runners"]["scratched"]].copy()
    rows["odds"] = rows["morning_line"].map(lambda t: float(fraction_odds(t)))
    board = rows["race_id"] == card["first_race"]
    rows.loc[board, "odds"] = rows.loc[board, "horse_number"].map(card["board"])
    rows = rows.dropna(subset=["odds"]).sort_values(["race_id", "odds", "horse_number"])
    best = rows.drop_duplicates("race_id")
    return best.assign(selection=best["horse_number"].astype(str) + " " + best["horse_name"],
                       odds_source=np.where(best["race_id"] == card["first_race"], "tote", "morning_line"))


def test_card_rows_carry_no_outcomes_and_are_priced_from_the_board(card, engine):
    cards = load_cards(engine, card["now"])
    assert set(cards["race_id"]) == set(card["posts"].index) and len(card["posts"]) == RACES
    frame = card_runners_frame(cards, {}, {})
    assert set(frame.columns) & set(OUTCOME_COLUMNS) == {"is_start"} and not frame["is_start"].any()
    assert frame["final_odds"].isna().all()
    first = cards[cards["race_id"] == card["first_race"]]
    assert dict(zip(first["horse_number"], first["odds"])) == card["board"]  # latest board, missing runner dropped
    assert set(first["odds_source"]) == {"tote"}
    assert set(cards.loc[cards["race_id"] != card["first_race"], "odds_source"]) == {"morning_line"}
    # every entry that is not scratched is a decision row, except the runner missing from the first race's board
    entries = card["runners"][~card["runners"]["scratched"]]
    entries = entries[(entries["race_id"] != card["first_race"]) | entries["horse_number"].isin(list(card["board"]))]
    assert sorted(zip(cards["race_id"], cards["horse_number"])) == sorted(zip(entries["race_id"],
                                                                              entries["horse_number"]))
    # a race already off is not upcoming
    second_post = card["posts"].iloc[1].to_pydatetime()
    assert set(load_cards(engine, second_post)["race_id"]) == set(card["posts"].index[2:])


def test_card_runners_get_their_form_and_connections_from_the_history(card, engine):
    """Counted here in SQL from the marts, independently of the feature code: the horse's starts before the card
    day, and the 365-day rides of the jockey whose result row carries the card's jockey name (two synthetic
    jockeys can share a name: then the most recently active one, as marts.dim_jockeys resolves card names)."""
    prepared, window = decision_frame(engine, load_cards(engine, card["now"]))
    decisions = prepared.decisions
    upcoming = decisions[decisions["race_date"] >= window[0]].set_index("selection_key")
    assert window == (pd.Timestamp(DAY), pd.Timestamp(DAY)) and decisions["race_date"].max() == pd.Timestamp(DAY)
    assert len(upcoming) == len(load_cards(engine, card["now"]))
    with engine.connect() as conn:
        expected = pd.read_sql_query(sa.text("""
            SELECT 'demo:' || c.race_id || ':' || c.horse_number AS selection_key,
                   (SELECT count(*) FROM marts.fct_runners r
                    WHERE r.horse_key = 'synthetic:' || c.horse_id AND r.is_start
                      AND r.race_date >= :day - 365 AND r.race_date < :day) AS horse_starts,
                   (SELECT count(*) FROM marts.fct_runners r
                    WHERE r.jockey_key = j.jockey_key AND r.is_start
                      AND r.race_date >= :day - 365 AND r.race_date < :day) AS jockey_starts,
                   j.names
            FROM raw.card_runners c
            LEFT JOIN (SELECT DISTINCT ON (lower(jockey_name)) lower(jockey_name) AS name, jockey_key,
                              count(*) OVER (PARTITION BY lower(jockey_name)) AS names
                       FROM marts.dim_jockeys WHERE has_results AND source = 'synthetic'  -- demo's identity group
                       ORDER BY lower(jockey_name), last_race_date DESC, jockey_key) j
              ON j.name = lower(c.jockey_name)
            WHERE c._run_id = 'monitor-it'"""), conn, params={"day": DAY})
    expected = expected.set_index("selection_key").reindex(upcoming.index)
    assert upcoming["horse_starts"].tolist() == expected["horse_starts"].astype(float).tolist()
    assert upcoming["jockey_starts"].fillna(0).tolist() == expected["jockey_starts"].astype(float).tolist()
    assert (expected["horse_starts"] > 0).mean() > 0.5 and (expected["jockey_starts"] > 0).mean() > 0.5
    assert (expected["names"] > 1).any()  # the card does hold an ambiguous name, so the rule was exercised


def test_favourite_flat_triggers_the_shortest_price_once_per_race(card, engine):
    triggers = evaluate(engine, card["now"], FAV)
    expected = expected_favourites(card)
    got = triggers.sort_values("event_key").reset_index(drop=True)
    assert got["event_key"].tolist() == sorted(card["posts"].index)
    assert got["selection"].tolist() == expected["selection"].tolist()
    assert got["odds"].tolist() == expected["odds"].round(2).tolist()
    assert got["odds_source"].tolist() == expected["odds_source"].tolist()
    assert set(got["stake"]) == {Decimal("10.00")} and got["confidence"].isna().all()
    assert set(got["run_name"]) == {"favourite_flat"} and set(got["track_code"]) == {TRACK}
    # the tote board moved the first race's favourite away from the morning line's
    assert expected.iloc[0]["odds_source"] == "tote" and got.iloc[0]["odds"] == 3.0


def test_repeated_evaluations_upsert_without_duplicates(card, engine):
    # run names of this test's own (the sensor test writes "favourite_flat" triggers): passes in any order
    flat = {"fav_flat": RunSpec("fav_flat", "favourite_flat", staking={"method": "flat", "flat_stake": 10})}
    pct = {"fav_pct": RunSpec("fav_pct", "favourite_flat", staking={"method": "percentage", "percentage": 0.05},
                              bankroll=2000.0)}
    runs = {**flat, **pct}
    first = monitor(engine, card["now"], runs)
    assert (first.races, first.triggers, first.inserted, first.updated) == (RACES, 2 * RACES, 2 * RACES, 0)
    assert first.per_run == {"fav_flat": RACES, "fav_pct": RACES}
    later = card["now"] + timedelta(minutes=5)
    second = monitor(engine, later, runs)
    assert (second.triggers, second.inserted, second.updated) == (2 * RACES, 0, 2 * RACES)
    stored = read_triggers(engine, ["fav_flat", "fav_pct"])
    stored = stored[stored["race_date"] == DAY]
    assert len(stored) == 2 * RACES and not stored.duplicated(["run_name", "event_key", "selection"]).any()
    assert (stored["first_seen_at"] == card["now"]).all() and (stored["last_seen_at"] == later).all()
    assert set(stored.loc[stored["run_name"] == "fav_pct", "stake"]) == {Decimal("100.00")}
    fav = stored[stored["run_name"] == "fav_flat"].sort_values("event_key")
    assert fav["selection"].tolist() == expected_favourites(card)["selection"].tolist()


def test_value_model_stakes_quarter_kelly_from_its_probability(card, engine):
    spec = RunSpec("value_model", "value_model", {"edge": 0.1, "min_train_rows": 1000},
                   {"method": "kelly", "kelly_multiplier": 0.25, "max_bet": 50})
    triggers = evaluate(engine, card["now"], {"value_model": spec})
    assert len(triggers) > 0
    p, odds = triggers["confidence"].astype(float), triggers["odds"].astype(float)
    assert (p * odds - 1 >= 0.1 - 1e-6).all() and (odds <= 31).all()
    kelly = np.minimum(1000 * 0.25 * (p * odds - 1) / (odds - 1), 50).round(2)
    assert np.allclose(triggers["stake"].astype(float), kelly, atol=0.011)


def test_sensor_writes_triggers_launches_nothing_and_fails_a_failing_tick(card, engine, runtime_env, monkeypatch):
    from orchestration.defs.monitoring import sensors
    from orchestration.defs.warehouse.resources import WarehouseResource

    tick_at = card["now"] + timedelta(minutes=10)
    monkeypatch.setattr(sensors, "utcnow", lambda: tick_at)
    monkeypatch.setenv("PADDOCK_ACTIVE_STRATEGIES", "favourite_flat")

    def tick():
        context = dg.build_sensor_context(resources={
            "warehouse": WarehouseResource(database_url=runtime_env["DATABASE_URL"])})
        return sensors.strategy_monitor_sensor(context)

    result = tick()
    assert not result.run_requests
    assert result.skip_reason.skip_message.startswith(
        f"strategy monitor: {RACES} upcoming races, ") and f"favourite_flat={RACES}" in result.skip_reason.skip_message
    assert f'"triggers": {RACES}' in result.cursor
    stored = read_triggers(engine, ["favourite_flat"])
    stored = stored[stored["race_date"] == DAY]
    assert len(stored) == RACES and (stored["last_seen_at"] == tick_at).all()

    # a failing evaluation fails the tick (issue 13: it used to be reported as a skip, so nobody saw it)
    monkeypatch.setenv("PADDOCK_ACTIVE_STRATEGIES", "no_such_run")
    with pytest.raises(ValueError, match=r"PADDOCK_ACTIVE_STRATEGIES names unknown runs \['no_such_run'\]"):
        tick()


def expected_boxes(card, size: int = 3) -> dict[str, tuple[set[int], set[int]]]:
    """Per race with at least ``size`` priced runners: (horses that must be in the box: strictly shorter than the
    ``size``-th shortest price, horses that may fill the rest: priced exactly at it). Prices as in
    :func:`expected_favourites`, computed from the card and the planted board, not by the strategy's code."""
    rows = card["runners"][~card["runners"]["scratched"]].copy()
    rows["odds"] = rows["morning_line"].map(lambda t: float(fraction_odds(t)))
    board = rows["race_id"] == card["first_race"]
    rows.loc[board, "odds"] = rows.loc[board, "horse_number"].map(card["board"])
    out = {}
    for race, group in rows.dropna(subset=["odds"]).groupby("race_id"):
        if len(group) >= size:
            cut = sorted(group["odds"])[size - 1]
            out[race] = (set(group.loc[group["odds"] < cut, "horse_number"].astype(int)),
                         set(group.loc[group["odds"] == cut, "horse_number"].astype(int)))
    return out


def test_trifecta_box_is_stored_as_one_pick_without_a_single_price(card, engine, runtime_env, monkeypatch):
    """Regression (issue 13): the box has no single price; storing it violated NOT NULL on ``odds`` every tick."""
    from orchestration.defs.monitoring import sensors
    from orchestration.defs.warehouse.resources import WarehouseResource

    tick_at = card["now"] + timedelta(minutes=20)
    monkeypatch.setattr(sensors, "utcnow", lambda: tick_at)
    monkeypatch.setenv("PADDOCK_ACTIVE_STRATEGIES", "trifecta_box")
    result = sensors.strategy_monitor_sensor(dg.build_sensor_context(resources={
        "warehouse": WarehouseResource(database_url=runtime_env["DATABASE_URL"])}))
    assert not result.run_requests
    stored = read_triggers(engine, ["trifecta_box"])
    stored = stored[stored["race_date"] == DAY].set_index("event_key")
    expected = expected_boxes(card)
    assert sorted(stored.index) == sorted(expected) and len(expected) >= RACES - 1
    for race, row in stored.iterrows():
        must, may = expected[race]
        prefix, _, numbers = row["selection"].rpartition(" ")
        box = [int(n) for n in numbers.split("-")]
        assert prefix == "trifecta box" and box == sorted(box) and len(box) == 3
        assert must <= set(box) and set(box) - must <= may
        assert len(row["horse_name"].split(" / ")) == 3
    assert stored["odds"].isna().all() and pd.isna(stored["horse_number"]).all()
    assert set(stored["odds_source"]) == {"pool"} and set(stored["bet_type"]) == {"trifecta_box"}
    assert set(stored["stake"]) == {Decimal("6.00")}  # strategies.yaml: flat_stake 6 (six 1-unit tickets)
    assert (stored["last_seen_at"] == tick_at).all()
