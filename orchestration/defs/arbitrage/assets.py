"""Arbitrage and value signals downstream of the odds marts: built in each odds poll's own run (``odds_job``), and by
automation after odds land from elsewhere (the historical backfill, a manual load)."""
from datetime import timedelta
from decimal import Decimal

import dagster as dg
import sqlalchemy as sa

from backtests.live.exotic_value import publish_exotic_value
from backtests.report import markdown_table
from backtests.live.signals import DEFAULT_MAX_PRICE_AGE, publish_arbitrage, publish_value_bets
from ingestion.clock import utcnow
from orchestration.defs.automation import ODDS_SIGNALS_POOL, eager_keeping_updates
from orchestration.defs.warehouse.resources import WarehouseResource

FCT_ODDS = dg.AssetKey(["marts", "fct_odds"])


class ArbitrageConfig(dg.Config):
    min_profit_pct: float = 1.0
    total_stake: str = "100"  # money: parsed as Decimal
    max_price_age_minutes: int = int(DEFAULT_MAX_PRICE_AGE.total_seconds() // 60)  # older quotes never form a leg


class ValueConfig(dg.Config):
    sharp_book: str = "pinnacle"
    vig_method: str = "multiplicative"
    min_ev_pct: float = 3.0
    kelly_multiplier: float = 1.0
    max_price_age_minutes: int = int(DEFAULT_MAX_PRICE_AGE.total_seconds() // 60)


#: The bettor's view of each signal: its current (open) rows, best first, as a table in the materialization.
TOP_ROWS = 10
TOP_ARBITRAGE = sa.text("""
    SELECT event, market, line, round(profit_pct, 2) AS profit_pct, total_stake, guaranteed_return,
           binding_bookmaker, commence_time
    FROM marts.arbitrage_opportunities WHERE NOT expired ORDER BY profit_pct DESC, id LIMIT :n""")
TOP_VALUE = sa.text("""
    SELECT event, market, outcome, bookmaker, price_decimal, round(ev_pct::numeric, 2) AS ev_pct,
           round(kelly_fraction::numeric, 4) AS kelly_fraction, commence_time
    FROM marts.value_bets WHERE NOT expired ORDER BY ev_pct DESC, id LIMIT :n""")


def _metadata(counts: dict) -> dict:
    return {key: dg.MetadataValue.float(float(v)) if isinstance(v, float) else dg.MetadataValue.int(int(v))
            for key, v in counts.items()}


def _top(engine: sa.Engine, query: sa.TextClause) -> dg.MetadataValue:
    with engine.connect() as conn:
        result = conn.execute(query, {"n": TOP_ROWS})
        columns, rows = list(result.keys()), [dict(r) for r in result.mappings()]
    return dg.MetadataValue.md(markdown_table(rows, columns) if rows else "_no open rows_")


@dg.asset(
    key=["marts", "arbitrage_opportunities"],
    deps=[FCT_ODDS],
    group_name="arbitrage",
    kinds={"python", "postgres"},
    automation_condition=eager_keeping_updates(),
    pool=ODDS_SIGNALS_POOL,
    description="Open and expired cross-book arbitrage: legs with book, price, stake (to the cent) and return.",
)
def arbitrage_opportunities(config: ArbitrageConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    engine = warehouse.ready_engine()
    counts = publish_arbitrage(
        engine, utcnow(), min_profit=config.min_profit_pct / 100,
        total_stake=Decimal(config.total_stake), max_age=timedelta(minutes=config.max_price_age_minutes),
    )
    return dg.MaterializeResult(metadata={**_metadata(counts), "top_open": _top(engine, TOP_ARBITRAGE)})


@dg.asset(
    key=["marts", "value_bets"],
    deps=[FCT_ODDS],
    group_name="arbitrage",
    kinds={"python", "postgres"},
    automation_condition=eager_keeping_updates(),
    pool=ODDS_SIGNALS_POOL,
    description="Retail prices whose EV against the sharp book's no-vig probability clears the threshold, with Kelly.",
)
def value_bets(config: ValueConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    engine = warehouse.ready_engine()
    counts = publish_value_bets(
        engine, utcnow(), sharp_book=config.sharp_book, method=config.vig_method,
        min_ev=config.min_ev_pct / 100, kelly_multiplier=config.kelly_multiplier,
        max_age=timedelta(minutes=config.max_price_age_minutes),
    )
    return dg.MaterializeResult(metadata={**_metadata(counts), "top_open": _top(engine, TOP_VALUE)})


class ExoticValueConfig(dg.Config):
    henery_gamma: float = 1.0  # 1.0 = Harville; < 1 flattens the minor places (Henery)


@dg.asset(
    key=["marts", "exotic_value"],
    deps=[dg.AssetKey(["marts", "fct_runners"]), dg.AssetKey(["marts", "fct_dividends"])],
    group_name="arbitrage",
    kinds={"python", "postgres"},
    description="Each exotic dividend against the Harville (Henery) fair odds implied by the race's win odds.",
)
def exotic_value(config: ExoticValueConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    counts = publish_exotic_value(warehouse.ready_engine(), gamma=config.henery_gamma)
    return dg.MaterializeResult(metadata=_metadata(counts))
