"""End to end over real HTTP: the demo site serves generator days, the ``demo`` parser reads them back exactly."""
from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest

from ingestion.racecards import parse
from ingestion.racecards.demo_site import DemoSite, day_batch
from ingestion.racecards.demo_site.data import JOCKEY_CHANGE_NOTICE, SCRATCH_NOTICE
from ingestion.sources.synthetic.tracks import TRACKS
from tests.deployment import stop_child

SEED = 7
# BEL 2026-06-21: 10 races, 6 scratches, a DNF, a dead heat for win, 4 late jockey changes.
# SA 2026-06-14: 12 races with an "N/A" morning line and 7 late jockey changes.
DAYS = [("BEL", date(2026, 6, 21)), ("SA", date(2026, 6, 14))]


class Clock:
    def __init__(self):
        self.now = None

    def __call__(self):
        return self.now


@pytest.fixture(scope="module")
def site():
    clock = Clock()
    demo = DemoSite(seed=SEED, clock=clock)
    demo.start()
    yield demo, clock
    demo.stop()


def _get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=10)


def _money(value) -> Decimal:
    return Decimal(str(value))


@pytest.mark.parametrize("track,day", DAYS)
def test_card_round_trips_the_generator_rows(site, track, day):
    demo, clock = site
    truth = day_batch(SEED, track, day)
    clock.now = truth.races["post_time"].max().to_pydatetime() + timedelta(hours=1)
    url = demo.url("cards", track, day)
    response = _get(url)
    assert response.status_code == 200
    card = parse("demo", "card", response.text, url)

    assert [r.race_number for r in card.races] == truth.races["race_number"].tolist()
    for race, (_, want) in zip(card.races, truth.races.iterrows()):
        assert race.race_id == want["race_id"]
        assert race.post_time == want["post_time"].to_pydatetime() and race.tz == TRACKS[track].tz
        assert race.distance.furlongs == _money(want["distance"]) and race.distance.unit == "f"
        assert (race.surface, race.going, race.race_class) == (want["surface"], want["going"], want["race_class"])
        assert race.purse == want["purse"] and race.currency == "USD"
    got = {(r.race_number, r.horse_number): r for r in card.runners}
    assert len(got) == len(truth.runners)
    for _, want in truth.runners.iterrows():
        r = got[(int(want["race_id"][-2:]), want["horse_number"])]
        assert (r.horse_name, r.horse_id, r.post_position) == (want["horse_name"], want["horse_id"],
                                                               want["post_position"])
        assert (r.morning_line, r.jockey, r.trainer) == (want["morning_line"], want["jockey_name"],
                                                         want["trainer_name"])
        assert r.weight_lbs == want["weight_lbs"] and r.age == want["horse_age"]
        assert r.scratched == (want["status"] == "scratched")
        assert r.morning_line_odds is None if want["morning_line"] == "N/A" else r.morning_line_odds > 1


@pytest.mark.parametrize("track,day", DAYS)
def test_results_round_trip_finish_order_and_dividends(site, track, day):
    demo, clock = site
    truth = day_batch(SEED, track, day)
    last_post = truth.races["post_time"].max().to_pydatetime()
    url = demo.url("results", track, day)
    clock.now = last_post - timedelta(minutes=1)
    assert _get(url).status_code == 404  # not official before the last race has gone off
    clock.now = last_post
    response = _get(url)
    assert response.status_code == 200
    raw = parse("demo", "results", response.text, url).to_raw_batch()

    got = raw.runners.set_index(["race_id", "horse_number"])
    for _, want in truth.runners.iterrows():
        row = got.loc[(want["race_id"], want["horse_number"])]
        assert row["horse_name"] == want["horse_name"] and row["status"] == want["status"]
        if want["status"] == "finished":
            assert row["finish_position"] == want["finish_position"]
            assert row["margin_lengths"] == Decimal(f"{want['margin_lengths']:.2f}")
            assert row["finish_time_s"] == Decimal(f"{want['finish_time_s']:.2f}")
        else:
            assert pd_isna(row["finish_position"])
        assert row["final_odds"] == want["final_odds"]
    key = ["race_id", "pool", "combination"]
    want_div = truth.dividends.sort_values(key)[[*key, "dividend"]].values.tolist()
    got_div = raw.dividends.sort_values(key)[[*key, "dividend"]].values.tolist()
    assert got_div == want_div and len(got_div) > 0
    assert set(raw.dividends["stake_unit"]) == {Decimal(2)}


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_dead_heat_is_published_as_equal_positions(site):
    demo, clock = site
    truth = day_batch(SEED, "BEL", date(2026, 6, 21))
    clock.now = truth.races["post_time"].max().to_pydatetime()
    url = demo.url("results", "BEL", date(2026, 6, 21))
    results = parse("demo", "results", _get(url).text, url).results
    winners = {}
    for r in results:
        if r.finish_position == 1:
            winners.setdefault(r.race_number, []).append(r)
    heats = [rows for rows in winners.values() if len(rows) > 1]
    assert len(heats) == 1 and all(r.dead_heat for r in heats[0])


def test_scratches_and_jockey_changes_appear_as_post_time_approaches(site):
    demo, clock = site
    track, day = "BEL", date(2026, 6, 21)
    truth = day_batch(SEED, track, day)
    first_post = truth.races["post_time"].min().to_pydatetime()
    url = demo.url("cards", track, day)

    clock.now = first_post - SCRATCH_NOTICE - timedelta(hours=1)  # morning: nothing announced yet
    early = parse("demo", "card", _get(url).text, url)
    assert not any(r.scratched or r.jockey_changed for r in early.runners)
    jockeys = {(r.race_number, r.horse_number): r.jockey for r in early.runners}
    want = {(int(w["race_id"][-2:]), w["horse_number"]): w["jockey_name"] for _, w in truth.runners.iterrows()}
    changed = {k for k in want if jockeys[k] != want[k]}
    assert len(changed) == 4

    clock.now = truth.races["post_time"].max().to_pydatetime() - JOCKEY_CHANGE_NOTICE
    late = parse("demo", "card", _get(url).text, url)
    assert {(r.race_number, r.horse_number) for r in late.runners if r.jockey_changed} == changed
    assert sum(r.scratched for r in late.runners) == (truth.runners["status"] == "scratched").sum() == 6


def test_odds_board_moves_before_post_and_settles_on_the_final_odds(site):
    demo, clock = site
    track, day, race = "BEL", date(2026, 6, 21), 3
    truth = day_batch(SEED, track, day)
    rid = f"{track}-{day:%Y%m%d}-{race:02d}"
    post = truth.races.set_index("race_id").loc[rid, "post_time"].to_pydatetime()
    url = demo.url("odds", track, day, race)

    clock.now = post - timedelta(minutes=90)
    board = parse("demo", "odds", _get(url).text, url)
    assert board.pool == "win" and board.as_of == clock.now and board.race.race_number == race
    assert board == parse("demo", "odds", _get(url).text, url)  # same clock, same page
    assert all(r.odds is not None and r.odds > 1 for r in board.rows if not r.scratched)

    clock.now = post
    closed = parse("demo", "odds", _get(url).text, url)
    finals = truth.runners[truth.runners["race_id"] == rid].set_index("horse_number")["final_odds"]
    assert {r.horse_number: r.odds for r in closed.rows} == finals.to_dict()
    assert [r.horse_number for r in closed.rows if r.scratched] == finals[finals.isna()].index.tolist()


def test_robots_unknown_pages_and_private(site):
    demo, clock = site
    clock.now = None
    assert _get(f"{demo.base_url}/robots.txt").text == "User-agent: *\nDisallow: /private\n"
    assert _get(f"{demo.base_url}/private/x").status_code == 403
    assert _get(f"{demo.base_url}/cards/BEL/2026-06-22").status_code == 404  # Monday: BEL dark
    assert _get(f"{demo.base_url}/cards/XYZ/2026-06-21").status_code == 404


def test_runs_as_a_module_on_a_given_port():
    proc = subprocess.Popen([sys.executable, "-m", "ingestion.racecards.demo_site", "--port", "0",
                             "--at", "2026-06-21T12:00:00+00:00"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        base = line.split()[3]
        assert _get(f"{base}/cards/BEL/2026-06-21").status_code == 200
    finally:
        stop_child(proc)
