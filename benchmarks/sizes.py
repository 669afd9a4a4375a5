"""Full sizes for `make bench`, tiny ones for the CI smoke run (PADDOCK_BENCH_SMOKE=1) that only keeps the
benchmarks working: figures from a smoke run mean nothing and are never written to BENCHMARKS.md."""
import os

SMOKE = os.environ.get("PADDOCK_BENCH_SMOKE", "") == "1"


def pick(full, smoke):
    return smoke if SMOKE else full
