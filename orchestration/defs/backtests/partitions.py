"""One ``backtest`` partition per named run in the run list (backtests/strategies.yaml), read once at load time."""
import dagster as dg

from backtests.store import load_run_specs

RUN_SPECS = load_run_specs()
strategy_partitions = dg.StaticPartitionsDefinition(list(RUN_SPECS))
