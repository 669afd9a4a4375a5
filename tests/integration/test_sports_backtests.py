"""Sports backtests on backfilled snapshots, end to end on the real embedded PostgreSQL: two days of NBA and EPL
planned and executed on the local Odds API simulator (h2h, spreads, totals; us + eu books, so Pinnacle is there),
final scores from its /scores, the odds marts built by ``dbt build``, then the EV-vs-Pinnacle and home-underdog runs
of the run list. The expected bets and closing lines are recomputed here in plain SQL over ``raw.odds``, not through
``odds_at``; and on a handcrafted mart a quote recorded after the decision time is never the one bet."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from backtests.odds_runs import load_odds_specs, run_odds_spec
from backtests.sports_prices import load_sports_prices
from backtests.store import write_run
from ingestion.http import RetryPolicy, ops_fetch_log_sink
from ingestion.odds_api import OddsApiClient
from ingestion.odds_api.backfill import execute_backfill, plan_backfill
from ingestion.odds_api.simulator import OddsApiSimulator
from ingestion.odds_api.storage import store_scores
from tests.odds_marts_helpers import dbt_build_odds

pytestmark = pytest.mark.integration

KEY = "sim-sports-backtest-key"
NOW = datetime(2025, 4, 10, 12, tzinfo=timezone.utc)  # /scores reaches three days back: the games below are final
DAYS = (date(2025, 4, 8), date(2025, 4, 9))
SPORTS = ("basketball_nba", "soccer_epl")

# Every retail price in the snapshot one hour before the start, with Pinnacle's no-vig probability of the same
# outcome and point (its market de-vigged by normalising 1/price); Pinnacle quotes one line per market here.
DECISION_SQL = """
with events as (
    select id as event_id, home_team, away_team, commence_time from raw.events
    where id = any(:ids) and completed and scores is not null
), quotes as (
    select o.event_id, o.bookmaker, o.market, o.outcome, o.point, o.price_decimal::float8 as price,
           e.home_team, e.away_team
    from raw.odds o join events e using (event_id)
    where o.is_valid and o.snapshot_time = e.commence_time - interval '1 hour' and o.price_decimal > 1
), sharp as (
    select event_id, market, outcome, point,
           (1 / price) / sum(1 / price) over (partition by event_id, market) as fair
    from quotes where bookmaker = 'pinnacle'
)
select q.*, s.fair from quotes q
left join sharp s on s.event_id = q.event_id and s.market = q.market and s.outcome = q.outcome
                 and s.point is not distinct from q.point
where q.bookmaker <> 'pinnacle'
"""
# Each bet's own quote, recorded at or before its decision time, and the same book's last price before the start.
BET_SQL = """
select b.bet_number, b.odds::float8 as odds, b.closing_odds::float8 as stored_closing, b.decision_time,
       e.commence_time, split_part(b.selection_key, ':', 5) as point_text,
       (select count(*) from raw.odds o join raw.odds_snapshots s using (snapshot_id)
        where o.event_id = b.event_key and o.bookmaker = split_part(b.selection_key, ':', 2)
          and o.market = split_part(b.selection_key, ':', 3) and o.outcome = split_part(b.selection_key, ':', 4)
          and o.price_decimal = b.odds and s.snapshot_time <= b.decision_time) as quoted_before,
       c.price::float8 as closing, c.point::float8 as closing_point
from marts.backtest_bets b join raw.events e on e.id = b.event_key
left join lateral (
    select o.price_decimal as price, o.point from raw.odds o
    where o.event_id = b.event_key and o.bookmaker = split_part(b.selection_key, ':', 2)
      and o.market = split_part(b.selection_key, ':', 3) and o.outcome = split_part(b.selection_key, ':', 4)
      and o.is_valid and o.snapshot_time < e.commence_time
    order by o.snapshot_time desc limit 1) c on true
where b.run_name = :run order by b.bet_number
"""


@pytest.fixture(scope="module")
def backfilled(engine, tmp_path_factory):
    """Plan and execute two games a sport over two days, store their final scores, build the odds marts. Seed 43
    plants a stale retail favourite price (the simulator's off-market line) in both NBA games, so EV-vs-Pinnacle has
    value to find at its 3 % threshold; at 0 % the books' noise makes bets on every market."""
    with OddsApiSimulator(seed=43, api_key=KEY, quota=20_000, clock=lambda: NOW) as sim:
        client = OddsApiClient(KEY, base_url=sim.base_url, sink=ops_fetch_log_sink(engine), sleep=lambda s: None,
                               retry=RetryPolicy(max_attempts=1), timeout=5.0)
        try:
            ids = []
            for sport in SPORTS:
                plan = plan_backfill(engine, client, sport, *DAYS, games=2, regions=("us", "eu"),
                                     markets=("h2h", "spreads", "totals"))
                report = execute_backfill(engine, client, plan_id=plan.plan_id)
                assert (report.left, report.error, report.rejected) == (0, None, 0)
                ids += [g["event_id"] for g in plan.games]
                store_scores(engine, client.scores(sport, days_from=3).data)
        finally:
            client.close()
    dbt_build_odds(str(tmp_path_factory.mktemp("dbt-sports-backtests")), "--full-refresh")
    return ids


def _expected(engine, ids) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.read_sql_query(sa.text(DECISION_SQL), conn, params={"ids": ids})
    frame["ev"] = frame["fair"] * frame["price"] - 1
    return frame


def _run(engine, name: str, **params):
    spec = load_odds_specs()[name]
    assert spec.sports == SPORTS
    spec = replace(spec, run=replace(spec.run, params={**spec.run.params, **params}))
    name += "-test" if params else ""
    result = run_odds_spec(engine, spec, *DAYS)
    write_run(engine, name, result, replace=True)
    with engine.connect() as conn:
        bets = pd.read_sql_query(sa.text(BET_SQL), conn, params={"run": name})
        stored = conn.execute(sa.text("SELECT bets, average_clv::float8 FROM marts.backtest_runs "
                                      "WHERE run_name = :n"), {"n": name}).one()
    return result, bets, stored


def _check_prices_and_clv(result, bets, stored) -> None:
    assert (bets["quoted_before"] > 0).all()  # every price bet was in a snapshot taken by its decision time
    assert (bets["decision_time"] == bets["commence_time"] - timedelta(hours=1)).all()
    bet_point = pd.to_numeric(bets["point_text"], errors="coerce").astype(float)  # "" (h2h): NaN
    same_line = (bet_point == bets["closing_point"]) | (bet_point.isna() & bets["closing_point"].isna())
    closing = bets["closing"].where(same_line)
    assert np.allclose(bets["stored_closing"], closing, equal_nan=True)
    expected_clv = float((bets["odds"] / closing - 1).mean())  # NaN closings (the line moved) are skipped
    assert np.isfinite(result.metrics["average_clv"]) and closing.notna().sum() >= len(bets) // 2
    assert result.metrics["average_clv"] == pytest.approx(expected_clv, rel=1e-9)
    assert stored == (len(bets), pytest.approx(expected_clv, abs=5e-7))  # metrics are stored to 6 places


def test_ev_vs_pinnacle_on_backfilled_snapshots(engine, backfilled):
    expected = _expected(engine, backfilled)
    value = expected[(expected["ev"] >= 0.03 - 1e-12) & (expected["price"] <= 10)]
    outcomes = value.groupby(["event_id", "market", "outcome"]).size()  # one bet per outcome: the best book
    result, bets, stored = _run(engine, "ev_vs_pinnacle")
    assert len(bets) == len(outcomes) == 2  # the two planted stale favourites; the books' margins hide the rest
    assert set(result.bets["market"]) <= {"h2h", "spreads", "totals"}
    best = value.groupby(["event_id", "market", "outcome"])["ev"].max()
    ev = result.bets["probability"] * result.bets["odds"] - 1
    assert np.allclose(np.sort(ev), np.sort(best.to_numpy()))  # the best price of each outcome, no other
    _check_prices_and_clv(result, bets, stored)


def test_home_underdogs_on_backfilled_snapshots(engine, backfilled):
    h2h = _expected(engine, backfilled).query("market == 'h2h'")
    home = h2h[h2h["outcome"] == h2h["home_team"]].groupby("event_id")["price"].max()
    away = h2h[h2h["outcome"] == h2h["away_team"]].groupby("event_id")["price"].max()
    underdogs = home[home > away.reindex(home.index)]
    result, bets, stored = _run(engine, "home_underdogs")
    assert len(bets) == len(underdogs) == 2
    assert sorted(result.bets["event_key"]) == sorted(underdogs.index)
    assert np.allclose(result.bets.set_index("event_key")["odds"].sort_index(), underdogs.sort_index())
    _check_prices_and_clv(result, bets, stored)


# Totals and spreads settled by the plain rule: over wins above the line, pushes on it; a side's handicap is added to
# its margin. Quarter lines (the EPL's x.25 / x.75) are left to the unit tests' hand-settled cases.
SETTLE_SQL = """
select o.event_id || ':' || o.bookmaker || ':' || o.market || ':' || o.outcome as key, o.price_decimal::float8 as price,
       case when o.market = 'totals' then (case when o.outcome = 'Over' then 1 else -1 end)
                                          * ((e.scores ->> e.home_team)::int + (e.scores ->> e.away_team)::int - o.point)
            else (case when o.outcome = e.home_team then 1 else -1 end)
                 * ((e.scores ->> e.home_team)::int - (e.scores ->> e.away_team)::int) + o.point end as edge
from raw.odds o join raw.events e on e.id = o.event_id
where o.event_id = any(:ids) and o.market in ('spreads', 'totals') and o.bookmaker <> 'pinnacle' and o.is_valid
  and o.snapshot_time = e.commence_time - interval '1 hour' and mod(o.point * 4, 2) = 0
"""


def test_every_book_market_and_line_is_a_decision_settled_by_the_rules(engine, backfilled):
    expected = _expected(engine, backfilled)
    prepared = load_sports_prices(engine, SPORTS, *DAYS)
    d, o = prepared.decisions, prepared.outcomes
    by_market = d.groupby(["sport", "market"]).size().to_dict()
    sport = expected["event_id"].map(d.drop_duplicates("event_id").set_index("event_id")["sport"])
    assert by_market == expected.groupby([sport, expected["market"]]).size().to_dict()
    assert set(by_market) == {(s, m) for s in SPORTS for m in ("h2h", "spreads", "totals")}
    assert d["fair_probability"].notna().sum() == expected["fair"].notna().sum() > 0
    with engine.connect() as conn:
        rules = pd.read_sql_query(sa.text(SETTLE_SQL), conn, params={"ids": backfilled})
    rules["gross"] = np.where(rules["edge"] > 0, rules["price"], np.where(rules["edge"] == 0, 1.0, 0.0))
    key = d["event_id"] + ":" + d["bookmaker"] + ":" + d["market"] + ":" + d["outcome"]
    settled = pd.Series(o["gross_return"].to_numpy(), index=key.to_numpy())
    assert len(rules) > 100 and np.allclose(settled.loc[rules["key"]].to_numpy(), rules["gross"])


SCHEMA = "sports_prices_test"
START = datetime(2025, 3, 1, 20, tzinfo=timezone.utc)


def test_a_quote_recorded_after_the_decision_time_is_never_bet(engine):
    """On a handcrafted mart: retail's 3.00 on the home side was recorded at 19:30, after the 19:00 decision; the
    bet is its 19:00 price, 2.30, and its closing line is the 19:55 one."""
    rows = [(t, b, o, p) for t, b, o, p in [
        ("18:00", "pinnacle", "Home", "2.00"), ("18:00", "pinnacle", "Away", "2.00"),
        ("19:00", "retail", "Home", "2.30"), ("19:00", "retail", "Away", "1.70"),
        ("19:30", "retail", "Home", "3.00"), ("19:55", "retail", "Home", "2.20")]]
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"))
        conn.execute(sa.text(f"CREATE TABLE {SCHEMA}.fct_odds (snapshot_id text, event_id text, bookmaker text, "
                             "market text, outcome text, description text, point numeric, price_decimal numeric, "
                             "snapshot_time timestamptz, commence_time timestamptz)"))
        conn.execute(sa.text(f"CREATE TABLE {SCHEMA}.stg_events AS SELECT 'E' AS event_id, 'basketball_nba' AS "
                             "sport, 'Home' AS home_team, 'Away' AS away_team, CAST(:start AS timestamptz) AS "
                             "commence_time, true AS is_completed, 101 AS home_score, 99 AS away_score"),
                     {"start": START})
        conn.execute(sa.text(f"INSERT INTO {SCHEMA}.fct_odds VALUES (:t, 'E', :b, 'h2h', :o, NULL, NULL, "
                             "CAST(:p AS numeric), :at, :start)"),
                     [{"t": t, "b": b, "o": o, "p": p, "start": START,
                       "at": START.replace(hour=int(t[:2]), minute=int(t[3:]))} for t, b, o, p in rows])
    try:
        prepared = load_sports_prices(engine, ["basketball_nba"], decision_hours=1.0, marts=SCHEMA, staging=SCHEMA)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {SCHEMA} CASCADE"))
    d, o = prepared.decisions, prepared.outcomes
    home = d["outcome"] == "Home"
    assert d.loc[home, "odds"].tolist() == [2.30] and o.loc[home, "closing_odds"].tolist() == [2.20]
    assert o.loc[home, "gross_return"].tolist() == [2.30]  # 101-99: the home side won
    assert d.loc[home, "fair_probability"].tolist() == [0.5]


def test_cli_runs_a_named_odds_run_and_stores_it(engine, backfilled):
    from tests.integration.test_cli import paddock_with

    done = paddock_with({"COLUMNS": "200"}, "backtest", "run", "--strategy", "home_underdogs", "--start",
                        DAYS[0].isoformat(), "--end", DAYS[1].isoformat())
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    name = f"home_underdogs-{DAYS[0]}-{DAYS[1]}"
    assert f"stored run {name} over {DAYS[0]}..{DAYS[1]}: 2 bets (2 with a closing line" in done.stdout
    assert "average_clv" in done.stdout
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT strategy, market, bets, uses_final_odds FROM marts.backtest_runs "
                                   "WHERE run_name = :n"), {"n": name}).one()
    assert tuple(row) == ("home_underdog", "sports", 2, False)
    empty = paddock_with({}, "backtest", "run", "--strategy", "ev_vs_pinnacle", "--start", "2024-01-01",
                         "--end", "2024-01-02")
    assert empty.returncode == 1 and "no settled basketball_nba, soccer_epl events" in empty.stdout


def test_the_dagster_asset_stores_the_same_run(engine, runtime_env, backfilled):
    import dagster as dg

    from orchestration.defs.backtests.odds import odds_backtest
    from orchestration.defs.warehouse.resources import WarehouseResource

    window = {"ops": {"marts__odds_backtest": {"config": {"start": DAYS[0].isoformat(), "end": DAYS[1].isoformat()}}}}
    done = dg.materialize([odds_backtest], partition_key="ev_vs_pinnacle", run_config=window,
                          resources={"warehouse": WarehouseResource(database_url=runtime_env["DATABASE_URL"])},
                          instance=dg.DagsterInstance.ephemeral())
    (event,) = done.get_asset_materialization_events()
    metadata = {k: v.value for k, v in event.materialization.metadata.items()}
    direct = run_odds_spec(engine, load_odds_specs()["ev_vs_pinnacle"], *DAYS)
    assert (metadata["bets"], metadata["bets_with_closing_line"]) == (2, 2)
    assert metadata["average_clv"] == pytest.approx(direct.metrics["average_clv"])
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT bets FROM marts.backtest_runs WHERE run_name = 'ev_vs_pinnacle'")
                            ).scalar_one() == 2
