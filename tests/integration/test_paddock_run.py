"""`make run` as a user runs it: the whole graph once, history range plus today's cards, an odds poll, the signals,
every backtest partition and the strategy comparison.

Runs the real CLI in a subprocess against the session's embedded server, with the local simulators it starts itself.
Other modules of the session fill the same tables, so every assertion is on what *this* run wrote: the Dagster runs
created after it started (read from the instance it recorded into), the rows carrying those runs' ids, the backtests
stored over this run's window.
"""
import os
import subprocess
import sys

from datetime import datetime, timezone

import dagster as dg
import sqlalchemy as sa

from backtests.betting.pools import EXOTIC_POOLS
from backtests.exchange.runs import load_exchange_specs
from backtests.store import load_run_specs
from ingestion.exchange.landing import landed_files
from paddock.settings import exchange_dir

START, END = "2024-02-05", "2024-02-11"
JOBS = {"history_job", "race_cards_job", "race_cards_mart_job", "odds_job", "odds_marts_job", "ledger_job",
        "exchange_job", "backtest_job", "exchange_backtest_job", "strategy_comparison_job"}


def test_paddock_run_materializes_every_layer(runtime_env, engine):
    started = datetime.now(timezone.utc)
    done = subprocess.run([sys.executable, "-m", "paddock.cli", "run", "--start", START, "--end", END],
                          env=os.environ.copy(), capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "run succeeded" in done.stdout

    with dg.DagsterInstance.get() as instance:  # the instance `paddock run` recorded into (DAGSTER_HOME)
        records = instance.get_run_records(filters=dg.RunsFilter(created_after=started))
        runs: dict[str, list[dg.DagsterRun]] = {}
        for record in records:
            runs.setdefault(record.dagster_run.job_name, []).append(record.dagster_run)
        comparison_event = instance.get_latest_materialization_event(dg.AssetKey(["marts", "strategy_comparison"]))
        # written by a sensor, never by a run: `paddock run` reports it itself (issue 13, "Never materialized")
        triggers_event = instance.get_latest_materialization_event(dg.AssetKey(["marts", "strategy_triggers"]))
    assert set(runs) == JOBS and all(r.status == dg.DagsterRunStatus.SUCCESS for rs in runs.values() for r in rs)
    (history,) = runs["history_job"]
    assert (history.tags["dagster/asset_partition_range_start"], history.tags["dagster/asset_partition_range_end"]) \
        == (START, END)
    names, exchange_names = list(load_run_specs()), list(load_exchange_specs())
    assert sorted(r.tags["dagster/partition"] for r in runs["backtest_job"]) == sorted(names)
    assert sorted(r.tags["dagster/partition"] for r in runs["exchange_backtest_job"]) == sorted(exchange_names)
    assert comparison_event.run_id == runs["strategy_comparison_job"][0].run_id
    assert triggers_event is not None and triggers_event.timestamp >= started.timestamp()

    ids = {job: [r.run_id for r in rs] for job, rs in runs.items()}
    with engine.connect() as conn:
        def one(sql, **params):
            return conn.execute(sa.text(sql), params).one()

        races = one("SELECT count(*), min(_partition)::text, max(_partition)::text FROM raw.races "
                    "WHERE _run_id = :r AND _source = 'synthetic'", r=history.run_id)
        cards = one("SELECT count(*) FROM raw.card_races WHERE _run_id = ANY(:r)", r=ids["race_cards_job"])[0]
        # the odds poll's rows: snapshots taken after this run started (other modules load older, fixed times)
        fresh = one("SELECT (SELECT count(*) FROM raw.odds WHERE snapshot_time >= :t), "
                    "(SELECT count(*) FROM marts.fct_odds WHERE snapshot_time >= :t)", t=started)
        backtests = conn.execute(sa.text(
            "SELECT run_name, start_date::text, end_date::text FROM marts.backtest_runs "
            "WHERE run_name = ANY(:n) AND created_at >= :t ORDER BY run_name"), {"n": names, "t": started}).all()
        compared = conn.execute(sa.text(
            "SELECT run_name FROM marts.strategy_comparison WHERE test_window = :w AND market <> 'exchange' "
            "ORDER BY run_name"), {"w": f"{START}..{END}"}).scalars().all()
        # the exchange runs over the demo week's landed markets: bets, and per-market P&L before/after commission
        exchange_runs = conn.execute(sa.text(
            "SELECT r.run_name, r.bets, count(m.*), sum(m.gross_profit) - sum(m.commission) = sum(m.net_profit), "
            "round(sum(m.net_profit), 2) = round(r.profit, 2) FROM marts.backtest_runs r "
            "JOIN marts.exchange_backtest_markets m USING (run_name) "
            "WHERE r.run_name = ANY(:n) AND r.created_at >= :t GROUP BY r.run_name, r.bets, r.profit "
            "ORDER BY r.run_name"), {"n": exchange_names, "t": started}).all()
        # this run's window of the synthetic source only: other modules load other sources' exotics (HK's quinellas)
        window = "source = 'synthetic' AND race_date BETWEEN :a AND :b"
        exotic_dividends = one(f"SELECT count(*) FROM marts.fct_dividends WHERE {window} AND pool = ANY(:p)",
                               a=START, b=END, p=list(EXOTIC_POOLS))[0]
        exotic_value = one(f"SELECT count(*) FROM marts.exotic_value WHERE {window}", a=START, b=END)[0]
        # the demo's exchange week: markets of this run, horse markets linked to this run's races, greyhounds apart
        exchange = conn.execute(sa.text(
            "SELECT m.sport, count(*), count(m.race_id), min(m.market_date)::text, max(m.market_date)::text "
            "FROM marts.exchange_markets m JOIN raw.exchange_markets r USING (market_id) WHERE r._run_id = :r "
            "GROUP BY m.sport ORDER BY m.sport"), {"r": runs["exchange_job"][0].run_id}).all()
    # this run's own rows (by its run id) lie within the requested dates (5-6 Feb 2024 are dark days of the demo)
    assert races[0] > 0 and START <= races[1] <= races[2] <= END
    assert cards > 0
    assert fresh[0] == fresh[1] > 0  # every price this run polled passed the gate and is modelled
    assert backtests == [(name, START, END) for name in sorted(names)]  # every partition, over this run's window
    assert compared == sorted(names)
    assert [row[0] for row in exchange_runs] == sorted(exchange_names)
    landed = len(landed_files(exchange_dir()))  # one market per demo file; the replay reads what the gate refused too
    assert all(bets > 0 and markets == landed and adds_up and matches_run
               for _, bets, markets, adds_up, matches_run in exchange_runs), (landed, exchange_runs)
    # every synthetic exotic dividend is priced (all its horses had tote odds), so each gets a fair-odds comparison
    assert exotic_value == exotic_dividends > 0
    (dogs, dog_markets, dog_links, *dog_dates), (horses, horse_markets, horse_links, *horse_dates) = exchange
    assert (dogs, horses) == ("greyhound_racing", "horse_racing")
    assert dog_markets > 0 and dog_links == 0 and horse_markets > 0
    assert horse_links == horse_markets  # every synthetic race's market found its race by venue and off time
    assert START <= horse_dates[0] <= horse_dates[1] <= END
