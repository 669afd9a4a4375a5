"""Every relation in ``marts`` is documented for a BI user browsing the catalog (a non-empty Postgres COMMENT) and
declared to dbt (a model, or a source in ``models/marts/analytics/__sources.yml`` for the tables Python writes), so
dbt docs list it too. Issue 13: the arbitrage, value, backtest, portfolio and trigger tables were in neither.

On a database of its own: the warehouse layout, ``dbt build`` of every model (tests included, as production runs
it; ``persist_docs`` writes the models' comments), then each Python writer once, through the same functions the
assets call. The declared columns must be exactly the table's columns, so a column added to a writer without a
description fails here."""
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from paddock.table_docs import declared
from tests.dbt_build import dbt_build
from tests.deployment import fresh_database

pytestmark = pytest.mark.integration
DATABASE = "marts_docs_test"
RELATIONS = sa.text("""
    SELECT c.relname, obj_description(c.oid, 'pg_class') AS comment
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'marts' AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY c.relname""")
COLUMNS = sa.text("""
    SELECT a.attname, col_description(c.oid, a.attnum) AS comment
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = 'marts' AND c.relname = :t ORDER BY a.attnum""")


@pytest.fixture(scope="module")
def warehouse(runtime_env, tmp_path_factory):
    from backtests.live.exotic_value import publish_exotic_value
    from backtests.live.monitoring_store import ensure_trigger_table
    from backtests.live.portfolio import publish_portfolio
    from backtests.live.signals import publish_arbitrage, publish_value_bets
    from backtests.exchange.store import ensure_exchange_backtest_table
    from backtests.store import create_comparison_view
    from ingestion.warehouse import ensure_warehouse

    engine = sa.create_engine(fresh_database(runtime_env, DATABASE))
    ensure_warehouse(engine)
    target = tmp_path_factory.mktemp("dbt-marts-docs")
    dbt_build(target, env={"PADDOCK_PG_DBNAME": DATABASE})
    now = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)
    publish_arbitrage(engine, now)
    publish_value_bets(engine, now)
    publish_exotic_value(engine)
    create_comparison_view(engine)  # creates the backtest tables first
    with engine.begin() as conn:
        ensure_exchange_backtest_table(conn)
    publish_portfolio(engine, now)
    ensure_trigger_table(engine)
    manifest = json.loads((Path(target) / "manifest.json").read_text())
    yield engine, manifest
    engine.dispose()


def test_every_marts_relation_has_a_comment(warehouse):
    engine, _ = warehouse
    with engine.connect() as conn:
        relations = dict(conn.execute(RELATIONS).all())
    assert {"fct_runners", "best_odds", "race_cards", "arbitrage_opportunities", "backtest_runs",
            "strategy_comparison", "portfolio_summary", "strategy_triggers"} <= set(relations)
    assert [name for name, comment in relations.items() if not (comment or "").strip()] == []


def test_every_marts_relation_is_a_dbt_model_or_a_declared_source(warehouse):
    engine, manifest = warehouse
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["schema"] == "marts"}
    sources = {s["name"] for s in manifest["sources"].values() if s["schema"] == "marts"}
    assert sources == {name.split(".", 1)[1] for name in declared()}  # the file the comments come from is dbt's
    assert not models & sources
    with engine.connect() as conn:
        relations = set(conn.execute(RELATIONS).scalars())
    assert sorted(relations - models - sources) == []


def test_declared_columns_are_the_tables_columns_and_all_commented(warehouse):
    engine, _ = warehouse
    for table, (description, columns) in declared().items():
        with engine.connect() as conn:
            actual = dict(conn.execute(COLUMNS, {"t": table.split(".", 1)[1]}).all())
        assert list(actual) == list(columns), table  # same names, same order as the DDL
        assert actual == columns, table  # and each column's comment is its declared description
