"""An exchange backtest stored like every backtest (``backtests.store.write_run``) plus its per-market rows in
``marts.exchange_backtest_markets``, in the same transaction: a run is never half written."""
from __future__ import annotations

import sqlalchemy as sa

from backtests.store import write_run
from paddock.table_docs import document_table

MARKET_TYPES = {
    "run_name": "text NOT NULL", "run_id": "text NOT NULL", "market_id": "text NOT NULL", "market_type": "text",
    "venue": "text", "market_time": "timestamptz", "orders": "integer", "requested_size": "numeric(16,2)",
    "matched_size": "numeric(16,2)", "fill_rate": "numeric", "gross_profit": "numeric(16,2)",
    "commission": "numeric(16,2)", "net_profit": "numeric(16,2)", "unsettled_reason": "text",
}


def ensure_exchange_backtest_table(conn) -> None:
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('paddock.backtest_tables'))"))
    body = ", ".join(f'"{c}" {t}' for c, t in MARKET_TYPES.items())
    conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS marts.exchange_backtest_markets ({body}, "
                         "PRIMARY KEY (run_name, market_id))")
    document_table(conn, "marts.exchange_backtest_markets")


def write_exchange_run(engine: sa.Engine, name: str, result, markets: list[dict], *,
                       replace: bool = False) -> dict[str, int]:
    """``result`` (a BacktestResult) and its market rows as run ``name``; ``replace`` as in ``write_run``."""

    def markets_too(conn, run_id: str) -> dict[str, int]:
        ensure_exchange_backtest_table(conn)
        conn.execute(sa.text("DELETE FROM marts.exchange_backtest_markets WHERE run_name = :n"), {"n": name})
        if markets:
            columns = list(MARKET_TYPES)
            quoted = ", ".join(f'"{c}"' for c in columns)
            conn.execute(sa.text(f"INSERT INTO marts.exchange_backtest_markets ({quoted}) VALUES "
                                 f"({', '.join(':' + c for c in columns)})"),
                         [{"run_name": name, "run_id": run_id, **row} for row in markets])
        return {"markets": len(markets)}

    return write_run(engine, name, result, replace=replace, also=markets_too)
