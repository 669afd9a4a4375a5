"""Backtest runs in the warehouse (``marts.backtest_runs`` / ``backtest_bets`` / ``backtest_equity``) and the run list.

The run list is a YAML file (``backtests/strategies.yaml``, or ``PADDOCK_STRATEGIES_FILE``): one entry per named run
— a registry strategy, its parameters, staking and bankroll. The names are the Dagster ``backtest`` partitions and
the ``run_name`` key of the tables, so re-running a partition replaces its rows (one transaction) instead of adding
a second copy. A stored run is identified by its ``run_id`` (strategy, parameters, window, staking, bankroll, code);
writing a *different* run under a taken name raises :class:`RunNameTaken` unless the caller says ``replace=True`` (the
partition's own asset does; a hand-run CLI backtest must ask), so nobody's result is overwritten silently. Strategy names and parameters are validated when the list is read: a typo fails the code location
with the list of valid names, not a run an hour later.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
import yaml

from backtests.betting.staking import Staking
from backtests.results import BET_COLUMNS, EQUITY_COLUMNS, bet_rows, equity_rows, run_row
from backtests.strategies import get_strategy
from paddock.table_docs import document_table

DEFAULT_FILE = Path(__file__).with_name("strategies.yaml")
NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,62}$")  # a Dagster partition key: no "|", no spaces

METRIC_COLUMNS = {
    "bets": "integer", "turnover": "numeric(16,2)", "profit": "numeric(16,2)", "final_bankroll": "numeric(16,2)",
    "roi": "numeric", "roi_ci_low": "numeric", "roi_ci_high": "numeric", "return_on_bankroll": "numeric",
    "yield_per_bet": "numeric(16,2)", "win_rate": "numeric", "average_odds": "numeric", "profit_factor": "numeric",
    "sharpe": "numeric", "sortino": "numeric", "max_drawdown": "numeric", "calmar": "numeric",
    "annualized_return": "numeric", "longest_winning_streak": "integer", "longest_losing_streak": "integer",
    "average_clv": "numeric",
}
RUN_TYPES = {
    "run_name": "text PRIMARY KEY", "run_id": "text NOT NULL", "strategy": "text NOT NULL", "market": "text NOT NULL",
    "params": "jsonb NOT NULL", "start_date": "date", "end_date": "date", "code_version": "text",
    "uses_final_odds": "boolean NOT NULL", "staking": "jsonb NOT NULL", "starting_bankroll": "numeric(16,2)",
    "decisions": "integer", "selections": "integer", "skipped": "integer", **METRIC_COLUMNS,
    "created_at": "timestamptz NOT NULL DEFAULT now()",
}
BET_TYPES = {
    "run_name": "text NOT NULL", "run_id": "text NOT NULL", "bet_number": "integer NOT NULL", "selection_key": "text",
    "event_key": "text", "race_date": "date", "decision_time": "timestamptz", "track": "text", "market": "text",
    "bet_type": "text", "odds": "numeric(12,2)", "probability": "numeric", "stake": "numeric(16,2)",
    "return": "numeric(16,2)", "pnl": "numeric(16,2)", "won": "boolean", "closing_odds": "numeric(12,2)",
}
EQUITY_TYPES = {"run_name": "text NOT NULL", "run_id": "text NOT NULL", "date": "date NOT NULL",
                "pnl": "numeric(16,2)", "equity": "numeric(16,2)", "daily_return": "numeric"}


class RunNameTaken(ValueError):
    """A different run is stored under this name; the message says which window and parameters it has."""


class RunListError(ValueError):
    """The run list file is unreadable or names something that does not exist; the message says which entry."""


@dataclass(frozen=True)
class RunSpec:
    name: str
    strategy: str
    params: dict[str, Any] = field(default_factory=dict)
    staking: dict[str, Any] = field(default_factory=dict)
    bankroll: float = 1000.0
    description: str = ""

    def staking_plan(self) -> Staking:
        return Staking(**self.staking)


def strategies_file() -> Path:
    return Path(os.environ.get("PADDOCK_STRATEGIES_FILE") or DEFAULT_FILE)


def read_run_list(path: Path | None = None) -> tuple[Path, dict]:
    """The run list file's document (``runs``, ``exchange_runs``, ``odds_runs`` sections)."""
    path = path or strategies_file()
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RunListError(f"cannot read the run list {path}: {exc}") from exc
    return path, document if isinstance(document, dict) else {}


def parse_run_entry(path: Path, name: object, entry: object, extra: frozenset = frozenset()) -> RunSpec:
    """One named run of a section: name, keys and the strategy with its parameters and staking validated. ``extra``
    names the keys a section adds (the odds runs' sports and decision time), left for the caller to read."""
    if not isinstance(name, str) or not NAME.match(name):
        raise RunListError(f"{path}: run name {name!r} must match {NAME.pattern}")
    if not isinstance(entry, dict) or "strategy" not in entry:
        raise RunListError(f"{path}: run {name!r} needs a 'strategy'")
    unknown = set(entry) - {"strategy", "params", "staking", "bankroll", "description"} - extra
    if unknown:
        raise RunListError(f"{path}: run {name!r} has unknown keys {sorted(unknown)}")
    spec = RunSpec(name, entry["strategy"], dict(entry.get("params") or {}), dict(entry.get("staking") or {}),
                   float(entry.get("bankroll", 1000.0)), str(entry.get("description", "")))
    try:
        get_strategy(spec.strategy, spec.params)
        spec.staking_plan()
    except (ValueError, TypeError) as exc:
        raise RunListError(f"{path}: run {name!r}: {exc}") from exc
    return spec


def load_run_specs(path: Path | None = None) -> dict[str, RunSpec]:
    """Named runs from the YAML file, each strategy built once to validate its parameters."""
    path, document = read_run_list(path)
    runs = document.get("runs")
    if not isinstance(runs, dict) or not runs:
        raise RunListError(f"{path}: expected a mapping 'runs: {{name: {{strategy: ..., params: ...}}}}'")
    return {name: parse_run_entry(path, name, entry) for name, entry in runs.items()}


def _ddl(table: str, types: dict[str, str]) -> str:
    body = ", ".join(f'"{c}" {t}' for c, t in types.items())
    return f"CREATE TABLE IF NOT EXISTS marts.{table} ({body})"


def ensure_backtest_tables(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('paddock.backtest_tables'))"))
        conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS marts")
        conn.exec_driver_sql(_ddl("backtest_runs", RUN_TYPES))
        conn.exec_driver_sql(_ddl("backtest_bets", BET_TYPES))
        conn.exec_driver_sql(_ddl("backtest_equity", EQUITY_TYPES))
        conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS backtest_bets_run_idx ON marts.backtest_bets (run_name)")
        conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS backtest_equity_run_idx ON marts.backtest_equity (run_name)")
        for table in ("backtest_runs", "backtest_bets", "backtest_equity"):
            document_table(conn, f"marts.{table}")


COMPARISON_VIEW = (
    "CREATE VIEW marts.strategy_comparison AS SELECT run_name, strategy, start_date, end_date, "
    "start_date || '..' || end_date AS test_window, market, params, bets, turnover, profit, roi, roi_ci_low, "
    "roi_ci_high, sharpe, sortino, max_drawdown, calmar, win_rate, average_odds, average_clv, uses_final_odds, "
    "code_version, created_at FROM marts.backtest_runs")


def create_comparison_view(engine: sa.Engine) -> None:
    """``marts.strategy_comparison`` over the stored runs, dropped first: CREATE OR REPLACE cannot move the columns
    of an older view, and a dropped view loses its comments, so they are written again here."""
    ensure_backtest_tables(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('paddock.backtest_tables'))"))
        conn.exec_driver_sql("DROP VIEW IF EXISTS marts.strategy_comparison")
        conn.exec_driver_sql(COMPARISON_VIEW)
        document_table(conn, "marts.strategy_comparison")


def stored_identity(engine: sa.Engine, name: str) -> dict[str, Any] | None:
    """``run_id``, window, strategy and parameters of the run stored as ``name``; None when the name is free."""
    ensure_backtest_tables(engine)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT run_id, strategy, params, staking, start_date, end_date "
                                   "FROM marts.backtest_runs WHERE run_name = :n"), {"n": name}).mappings().first()
    return dict(row) if row else None


def describe_identity(identity: dict[str, Any]) -> str:
    return (f"{identity['strategy']} {json.dumps(identity['params'], sort_keys=True)} over "
            f"{identity['start_date']}..{identity['end_date']} (run id {identity['run_id']})")


def write_run(engine: sa.Engine, name: str, result, *, replace: bool = False, also=None) -> dict[str, int]:
    """Store ``result`` as run ``name`` in one transaction: the same run (same ``run_id``) is replaced in place; a
    different one only with ``replace=True``, otherwise :class:`RunNameTaken`. ``also(conn, run_id)`` writes a
    kind of run's own rows (the exchange's per-market table) in the same transaction."""
    from paddock.pgcopy import copy_rows  # the project's one COPY writer

    ensure_backtest_tables(engine)
    run = {"run_name": name, **run_row(result)}
    columns = [c for c in RUN_TYPES if c in run]
    bets = pd.DataFrame(bet_rows(result), columns=list(BET_COLUMNS))
    bets.insert(0, "run_name", name)
    equity = pd.DataFrame(equity_rows(result), columns=list(EQUITY_COLUMNS))
    equity.insert(0, "run_name", name)
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('paddock.backtest_run:' || :n))"), {"n": name})
        stored = conn.execute(sa.text("SELECT run_id, strategy, params, staking, start_date, end_date "
                                      "FROM marts.backtest_runs WHERE run_name = :n"), {"n": name}).mappings().first()
        if stored is not None and stored["run_id"] != run["run_id"] and not replace:
            raise RunNameTaken(f"run name {name!r} already holds {describe_identity(dict(stored))}; "
                               "choose another name or replace it explicitly")
        for table in ("backtest_runs", "backtest_bets", "backtest_equity"):
            conn.execute(sa.text(f"DELETE FROM marts.{table} WHERE run_name = :n"), {"n": name})
        quoted = ", ".join(f'"{c}"' for c in columns)
        values = ", ".join(f"CAST(:{c} AS jsonb)" if c in ("params", "staking") else f":{c}" for c in columns)
        conn.execute(sa.text(f"INSERT INTO marts.backtest_runs ({quoted}) VALUES ({values})"),
                     {c: run[c] for c in columns})
        cursor = conn.connection.cursor()
        written = {
            "bets": copy_rows(cursor, "marts.backtest_bets", _copy_types(BET_TYPES), bets),
            "equity": copy_rows(cursor, "marts.backtest_equity", _copy_types(EQUITY_TYPES), equity),
        }
        cursor.close()
        if also is not None:
            written.update(also(conn, run["run_id"]))
    return written


def _copy_types(types: dict[str, str]) -> dict[str, str]:
    """COPY column list (quoted where a name is a keyword) with the loader's type words."""
    out = {}
    for column, sql_type in types.items():
        word = sql_type.split()[0].split("(")[0]
        out[f'"{column}"'] = {"timestamptz": "timestamptz", "date": "date", "integer": "integer"}.get(word, "text")
    return out


def read_daily_bets(engine: sa.Engine, names: list[str]) -> pd.DataFrame:
    """Per stored run and race day: money staked and P&L (``report.roi_to_date`` draws the comparison from it)."""
    with engine.connect() as conn:
        return pd.read_sql_query(sa.text(
            "SELECT run_name, race_date, sum(stake) AS stake, sum(pnl) AS pnl FROM marts.backtest_bets "
            "WHERE run_name = ANY(:names) GROUP BY run_name, race_date ORDER BY run_name, race_date"), conn,
            params={"names": list(names)})


def read_runs(engine: sa.Engine, names: list[str] | None = None) -> pd.DataFrame:
    """The stored run rows (all, or the named ones), newest first."""
    ensure_backtest_tables(engine)
    query = "SELECT * FROM marts.backtest_runs"
    params: dict[str, Any] = {}
    if names:
        query += " WHERE run_name = ANY(:names)"
        params["names"] = list(names)
    with engine.connect() as conn:
        frame = pd.read_sql_query(sa.text(query + " ORDER BY created_at DESC, run_name"), conn, params=params)
    for column in ("params", "staking"):
        frame[column] = frame[column].map(lambda v: v if isinstance(v, (dict, list)) else json.loads(v or "{}"))
    return frame
