"""Racing backtests decide on the tote price at post − N minutes when tote snapshots exist, not on the final odds.

One demo-site meeting end to end over real HTTP: the card, two tote polls per race (T−30 min and T−8 min, the way
``tote_odds_sensor`` polls), the official results, then ``dbt build`` builds and tests the marts. ``load_runners``
must give each runner the last price polled at or before the decision time, and a backtest on that frame is not flagged
``uses_final_odds``: its favourite is the tote favourite at T−5, and the price it records is the T−8 price.
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from backtests.engine import run_backtest
from backtests.frames import load_runners
from ingestion.http import Fetcher, RetryPolicy
from ingestion.racecards import parse
from ingestion.racecards.demo_site import DemoSite, day_batch
from ingestion.racecards.pipeline import load_card, load_results
from ingestion.racecards.tote_odds import TotePoll, poll_tote
from tests.dbt_build import dbt_build

pytestmark = pytest.mark.integration

SEED, SITE, TRACK, DAY = 7, "demo", "BEL", date(2026, 6, 28)  # a meeting no other module loads
POLLS = (("racing_closing", timedelta(minutes=30)), ("racing_final", timedelta(minutes=8)))


class Clock:
    now = None

    def __call__(self):
        return self.now


def _dbt_build(target: str) -> dict[str, str]:
    """``dbt build`` (models and their tests, as Dagster runs them), not ``dbt run``: a test that rejects what the
    loaders write must fail here. Returns each test's status by its unique id."""
    statuses = dbt_build(target, "--indirect-selection", "cautious", "--select", "+fct_odds", "+fct_runners",
                         "+fct_races")
    return {uid: status for uid, status in statuses.items() if uid.startswith("test.")}


@pytest.fixture(scope="module")
def meeting(engine, runtime_env, tmp_path_factory):
    """Polled prices per (race_id, tier) as the board showed them, and the runners frame from the marts."""
    clock = Clock()
    posts = day_batch(SEED, TRACK, DAY).races.set_index("race_id")["post_time"]
    clock.now = posts.min().to_pydatetime() - timedelta(hours=6)
    boards: dict[tuple[str, str], dict[int, float]] = {}
    with DemoSite(seed=SEED, clock=clock) as site:
        fetcher = Fetcher(min_delay=0.0, retry=RetryPolicy(max_attempts=1))
        load_card(engine, fetcher, site.base_url, SITE, TRACK, DAY, run_id="decision-odds-it")
        for race_id, post in posts.items():
            for tier, before in POLLS:
                clock.now = post.to_pydatetime() - before
                poll = TotePoll(tier, TRACK, DAY, (race_id,), f"decision-odds:{race_id}:{tier}")
                poll_tote(engine, fetcher, site.base_url, SITE, poll, lambda: clock.now,
                          f"decision-odds-it:{tier}")
                url = site.url("odds", TRACK, DAY, int(race_id.rsplit("-", 1)[1]))
                board = parse(SITE, "odds", fetcher.get(url).text, url)
                boards[race_id, tier] = {r.horse_number: float(r.odds) for r in board.rows
                                         if r.odds is not None and not r.scratched}
        clock.now = posts.max().to_pydatetime() + timedelta(hours=1)
        load_results(engine, fetcher, site.base_url, SITE, TRACK, DAY, run_id="decision-odds-it")
        fetcher.close()
    tests = _dbt_build(str(tmp_path_factory.mktemp("dbt-decision-odds")))
    frame = load_runners(engine, DAY, DAY)
    return boards, frame[frame["race_key"].str.startswith(f"{SITE}:{TRACK}-")].reset_index(drop=True), posts, tests


def test_dbt_accepts_the_tote_tiers_it_was_given(meeting):
    """Regression (issue 13): racing_closing / racing_final were stored but rejected by stg_odds_snapshots' test,
    which made the odds build fail and every downstream odds model skip."""
    tests = meeting[3]
    [tier_test] = [uid for uid in tests if "accepted_values_stg_odds_snapshots_fetch_tier" in uid]
    assert tests[tier_test] == "pass"
    assert "error" not in tests.values() and "fail" not in tests.values()


def test_each_runner_gets_the_last_price_polled_before_the_decision_time(meeting, engine):
    boards, frame, posts, _ = meeting
    assert frame["race_key"].nunique() == len(posts) >= 5
    started = frame[frame["final_odds"] > 1]
    for (race_key, number), odds in zip(zip(started["race_key"], started["horse_number"]), started["decision_odds"]):
        assert odds == pytest.approx(boards[race_key.split(":", 1)[1], "racing_final"][number]), (race_key, number)
    # ten minutes before post the T−8 poll has not happened yet: the T−30 price is the decision price
    earlier = load_runners(engine, DAY, DAY, decision_minutes=10)
    earlier = earlier[earlier["race_key"].str.startswith(f"{SITE}:{TRACK}-") & (earlier["final_odds"] > 1)]
    expected = [boards[k.split(":", 1)[1], "racing_closing"][n] for k, n in zip(earlier["race_key"],
                                                                              earlier["horse_number"])]
    assert earlier["decision_odds"].tolist() == pytest.approx(expected)
    assert (earlier["decision_odds"].to_numpy() != started["decision_odds"].to_numpy()).any()  # the board moved


def test_a_backtest_on_tote_snapshots_is_not_flagged_as_using_final_odds(meeting):
    boards, frame, posts, _ = meeting
    result = run_backtest("favourite_flat", frame, start=DAY, end=DAY)
    assert result.uses_final_odds is False
    bets = result.bets.sort_values("event_key").reset_index(drop=True)
    favourites = []
    for race_id in sorted(posts.index):
        prices = pd.Series(boards[race_id, "racing_final"])
        favourites.extend([prices.min()] * int((prices == prices.min()).sum()))
    assert sorted(bets["odds"].tolist()) == pytest.approx(sorted(favourites))
    assert not bets["odds_are_closing"].any()
    # closing-line value (issue 13: always "–"): the T−8 board's price against the final odds of the results page
    final = frame.set_index("runner_key")["final_odds"]
    clv = [min(boards[race.split(":", 1)[1], "racing_final"].values()) / final[runner] - 1
           for race, runner in zip(bets["event_key"], bets["selection_key"])]
    assert result.metrics["average_clv"] == pytest.approx(sum(clv) / len(clv)) and any(c != 0 for c in clv)
