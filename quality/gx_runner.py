"""The one place that talks to Great Expectations 1.x: validate a DataFrame against expectation specs, return plain data.

Why a wrapper at all: GX result objects are large, nested and version-specific; the gate and the Dagster layer only need
"which rows broke which rule, and how many". Keeping GX behind :func:`validate` means a GX upgrade touches one file.

Choices worth knowing:

- ``great_expectations`` is imported lazily (it takes seconds), so importing ``quality`` stays cheap for Dagster's code
  server and for tests that never validate.
- One ephemeral context per process (keyed by pid, so a forked worker builds its own), with analytics and tqdm progress
  bars switched off in its config: a gate runs inside Dagster runs whose logs should carry our messages, not GX's bars.
- Row identity is *positional*: the frame is validated with a fresh RangeIndex, and ``unexpected_index`` holds iloc
  positions into the frame that was passed in. Staged frames may carry any index (even duplicated labels).
- Columns checked with a between-rule are validated as float copies. Money and odds arrive as ``decimal.Decimal``, and
  GX compares them with the float bound exactly: ``Decimal("1.01") >= 1.01`` is False because the float 1.01 is
  1.0100000000000000088..., so a legal 1.01 price would be rejected. Values that are not numbers at all (say the string
  ``"abc"``) become ``-inf`` so they fail the rule (every between-rule has a lower bound) instead of reading as null.
  Samples of unexpected values are taken from the caller's frame, so reports show ``Decimal('0.9')``/``'abc'``.
"""
from __future__ import annotations

import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from quality.suites import ExpectationSpec

SAMPLE_SIZE = 10
_RESULT_FORMAT = {
    "result_format": "COMPLETE",  # COMPLETE is what returns the full unexpected_index_list
    "partial_unexpected_count": SAMPLE_SIZE,
    "return_unexpected_index_query": False,
}

_LOCK = threading.RLock()  # GX contexts are not documented as thread-safe; validation is cheap enough to serialise
_STATE: dict[int, tuple[Any, Any, dict[str, Any]]] = {}  # pid -> (context, pandas datasource, batch definitions)


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation, detached from GX.

    ``evaluated`` is the number of rows of the frame the rule ran on; ``unexpected_index`` holds the iloc positions of
    the rows that broke a row-level or uniqueness rule (empty for table-level rules); ``observed`` carries a
    table-level observation (row count, share of valid rows); ``error`` is set when GX could not evaluate the rule
    (e.g. a missing column), in which case ``success`` is False.
    """

    name: str
    severity: str
    level: str
    success: bool
    evaluated: int
    unexpected_count: int
    unexpected_sample: tuple[Any, ...] = ()
    unexpected_index: tuple[int, ...] = ()
    observed: Any = None
    error: str | None = None


def validate(df: pd.DataFrame, specs: Sequence[ExpectationSpec], *, asset: str = "staged") -> list[ExpectationOutcome]:
    """Validate ``df`` against ``specs`` in one GX run; outcomes come back in the order of ``specs``.

    ``asset`` names the GX dataframe asset (one per raw table keeps GX's own result metadata readable).
    """
    if not specs:
        return []
    missing_type = [s.name for s in specs if s.gx_type is None]
    if missing_type:
        raise ValueError(f"not GX expectations (computed by the gate): {', '.join(missing_type)}")
    frame = validation_frame(df, specs)
    suite = build_gx_suite(asset, specs)
    with _LOCK:
        batch = _batch_definition(asset).get_batch(batch_parameters={"dataframe": frame})
        validation = batch.validate(suite, result_format=_RESULT_FORMAT)
    by_name = {res.expectation_config.meta["name"]: res for res in validation.results}
    return [_outcome(spec, by_name[spec.name], df) for spec in specs]


def build_gx_suite(name: str, specs: Sequence[ExpectationSpec]):
    """The GX ``ExpectationSuite`` for ``specs``; each expectation's ``meta`` carries our name, severity and level."""
    _context()  # first: it sets GX_ANALYTICS_ENABLED before great_expectations is imported
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=name)
    for spec in specs:
        options = {k: list(v) if isinstance(v, tuple) else v for k, v in spec.kwargs}
        expectation_class = getattr(gx.expectations, spec.gx_type)
        meta = {"name": spec.name, "severity": spec.severity, "level": spec.level}
        suite.add_expectation(expectation_class(**options, meta=meta))
    return suite


# ---------- GX context, cached per process


def _context() -> tuple[Any, Any, dict[str, Any]]:
    pid = os.getpid()
    with _LOCK:
        state = _STATE.get(pid)
        if state is None:
            os.environ["GX_ANALYTICS_ENABLED"] = "false"  # read by GX at import and context creation
            import great_expectations as gx
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )

            config = DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                analytics_enabled=False,
                progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
            )
            context = gx.get_context(project_config=config, mode="ephemeral")
            state = _STATE[pid] = (context, context.data_sources.add_pandas("paddock_staged"), {})
        return state


def _batch_definition(asset: str):
    _, source, definitions = _context()
    if asset not in definitions:
        definitions[asset] = source.add_dataframe_asset(asset).add_batch_definition_whole_dataframe("whole_frame")
    return definitions[asset]


# ---------- frames in, outcomes out


def validation_frame(df: pd.DataFrame, specs: Sequence[ExpectationSpec]) -> pd.DataFrame:
    """Only the columns the specs read (so ``_original`` dicts never reach GX), positional index, numbers as float."""
    numeric = {s.options["column"] for s in specs if s.gx_type == "ExpectColumnValuesToBeBetween"}
    wanted = [c for c in dict.fromkeys(c for s in specs for c in s.columns) if c in df.columns]
    index = pd.RangeIndex(len(df))
    data = {
        c: pd.Series(_as_float(df[c]) if c in numeric else df[c].to_numpy(), index=index, name=c) for c in wanted
    }
    return pd.DataFrame(data, index=index)


def _as_float(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    try:  # the common case: Decimal / int / float / None, converted in one C-speed pass
        return np.fromiter((math.nan if v is None else float(v) for v in values), dtype=float, count=len(values))
    except (TypeError, ValueError):
        return np.fromiter((_float_or_fail(v) for v in values), dtype=float, count=len(values))


def _float_or_fail(value: Any) -> float:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return -math.inf  # not a number: must fail the between-rule, not pass as a null


def _outcome(spec: ExpectationSpec, res: Any, df: pd.DataFrame) -> ExpectationOutcome:
    error = _error_message(res.exception_info)
    result = res.result or {}
    if error is not None:
        return ExpectationOutcome(spec.name, spec.severity, spec.level, False, len(df), 0, error=error)
    if "observed_value" in result:  # table-level rule
        return ExpectationOutcome(spec.name, spec.severity, spec.level, bool(res.success), len(df), 0,
                                  observed=result["observed_value"])
    positions = tuple(int(i) for i in result.get("unexpected_index_list") or ())
    return ExpectationOutcome(
        spec.name, spec.severity, spec.level, bool(res.success), len(df), int(result.get("unexpected_count") or 0),
        unexpected_sample=sample_values(df, spec.columns, positions) or tuple(result.get("partial_unexpected_list", ())),
        unexpected_index=positions,
    )


def sample_values(df: pd.DataFrame, columns: Sequence[str], positions: Sequence[int],
                  limit: int | None = SAMPLE_SIZE) -> tuple[Any, ...]:
    """Up to ``limit`` (None: all) values of ``df`` at ``positions``: scalars for one column, tuples for a compound
    key."""
    if not positions or not columns or any(c not in df.columns for c in columns):
        return ()
    rows = df[list(columns)].iloc[list(positions[:limit])]
    if len(columns) == 1:
        return tuple(rows[columns[0]].tolist())
    return tuple(rows.itertuples(index=False, name=None))


def _error_message(info: Any) -> str | None:
    """GX reports exceptions either flat or keyed by metric id; return the first message, or None."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "expectation raised an exception")
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message") or "expectation raised an exception")
    return None
