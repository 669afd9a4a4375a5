"""Which evaluator runs the gate's rules: ``PADDOCK_GATE_ENGINE`` = ``fast`` (default) or ``gx``.

Both return the same outcomes for every rule of our suites (``tests/unit/test_gate_engines.py`` checks it on
generated frames), so the choice is speed against provenance: ``fast`` (``quality.fast_rules``) evaluates them with
vectorized pandas in microseconds of fixed cost; ``gx`` runs them through Great Expectations 1.x
(``quality.gx_runner``), about 0.1 s per validation before any row is read. Set ``gx`` to audit a load through GX.
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

from quality.gx_runner import ExpectationOutcome
from quality.suites import ExpectationSpec

ENGINE_ENV = "PADDOCK_GATE_ENGINE"
ENGINES = ("fast", "gx")


def gate_engine() -> str:
    """The configured engine; a value that is neither is a one-line error naming it."""
    engine = os.environ.get(ENGINE_ENV, "fast").strip().lower() or "fast"
    if engine not in ENGINES:
        raise ValueError(f"{ENGINE_ENV}={engine!r}: expected one of {', '.join(ENGINES)}")
    return engine


def validate(df: pd.DataFrame, specs: Sequence[ExpectationSpec], *, asset: str = "staged",
             engine: str | None = None) -> list[ExpectationOutcome]:
    """Outcomes for ``specs`` on ``df`` in the order of ``specs``, from ``engine`` (default: the configured one)."""
    if (engine or gate_engine()) == "gx":
        from quality.gx_runner import validate as validate_with_gx

        return validate_with_gx(df, specs, asset=asset)
    from quality.fast_rules import validate as validate_fast

    return validate_fast(df, specs)
