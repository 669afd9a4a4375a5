"""The gate's fast path: the same expectation specs evaluated with vectorized pandas/numpy, giving GX's verdicts.

Why: a Great Expectations validation has a fixed cost of about 0.1 s (suite building, metric planning, result
objects) whatever the frame's size, and the odds poll path gates one sport's response (~1,100 prices) at a time, so
that fixed cost was most of a poll's ingest. The rules themselves are a handful of array comparisons.

What stays with GX: the rule vocabulary (``ExpectationSpec.gx_type`` names a GX 1.x expectation class, and
``quality.gx_runner`` still validates any suite through GX when ``PADDOCK_GATE_ENGINE=gx``), and the definition of
each rule's meaning. This module reproduces the pandas implementation of exactly the seven expectation types our
suites use, including GX's quirks, and ``tests/unit/test_gate_engines.py`` checks on generated frames that both
engines return identical outcomes (success, counts, row positions, samples, observations):

- column map rules skip nulls (``isnull``: None, NaN, NaT), except not-null itself;
- between-rules compare float copies of the column (see ``gx_runner.validation_frame``);
- a regex is searched (``str.contains``, not a full match) in the value's ``str()``;
- uniqueness flags *every* member of a duplicate group (``duplicated(keep=False)``) — the gate then keeps the first;
  compound keys ignore a row only when all of its key values are missing (GX's default ``ignore_row_if``).
An expectation type this module does not know raises, so a new rule cannot be silently skipped. A rule that cannot
be evaluated on the column (an ``isin`` of booleans on a column pandas typed as datetimes) fails with an error, as
GX reports it; so does a rule whose unexpected values GX cannot sort for its report (``_report_error``).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from quality.gx_runner import SAMPLE_SIZE, ExpectationOutcome, sample_values, validation_frame
from quality.suites import ExpectationSpec


def validate(df: pd.DataFrame, specs: Sequence[ExpectationSpec]) -> list[ExpectationOutcome]:
    """Outcomes for ``specs`` on ``df``, in the order of ``specs``, as ``gx_runner.validate`` returns them."""
    unknown = sorted({s.gx_type or s.name for s in specs if s.gx_type not in _UNEXPECTED and s.gx_type != _ROW_COUNT})
    if unknown:
        raise ValueError(f"no fast evaluation for {', '.join(unknown)}; run the gate with PADDOCK_GATE_ENGINE=gx")
    frame = validation_frame(df, specs)
    return [_outcome(spec, frame, df) for spec in specs]


def _outcome(spec: ExpectationSpec, frame: pd.DataFrame, df: pd.DataFrame) -> ExpectationOutcome:
    n = len(frame)
    options = spec.options
    if spec.gx_type == _ROW_COUNT:
        low, high = options.get("min_value"), options.get("max_value")
        success = (low is None or n >= low) and (high is None or n <= high)
        return ExpectationOutcome(spec.name, spec.severity, spec.level, success, n, 0, observed=n)
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        return ExpectationOutcome(spec.name, spec.severity, spec.level, False, n, 0,
                                  error=f"column {missing[0]!r} not in the frame")
    try:
        unexpected = _UNEXPECTED[spec.gx_type](frame, options)
    except (TypeError, ValueError) as exc:  # as GX does (catch_exceptions): the rule failed, not evaluated
        return ExpectationOutcome(spec.name, spec.severity, spec.level, False, n, 0,
                                  error=f"{type(exc).__name__}: {exc}")
    positions = tuple(int(p) for p in np.flatnonzero(unexpected))
    error = _report_error(frame, spec.columns, positions)
    if error is not None:
        return ExpectationOutcome(spec.name, spec.severity, spec.level, False, n, 0, error=error)
    return ExpectationOutcome(spec.name, spec.severity, spec.level, not positions, n, len(positions),
                              unexpected_sample=sample_values(df, spec.columns, positions),
                              unexpected_index=positions)


def _report_error(frame: pd.DataFrame, columns: Sequence[str], positions: tuple[int, ...]) -> str | None:
    """The error GX gives a rule whose report it cannot build, else None. GX lists the most common unexpected values
    sorted by (-count, value) (``partial_unexpected_counts``) and survives only a TypeError there: any other exception
    fails the rule as not evaluated. Found by the property test: a compound key column holding a Decimal and a float
    NaN, two duplicate groups of one count each, and ``Decimal < nan`` raises decimal.InvalidOperation. The same
    values (from the frame GX validates: tuples for a compound key), the same sort, so the same verdict."""
    values = sample_values(frame, columns, positions, limit=None)
    try:
        sorted(Counter(values).most_common(SAMPLE_SIZE), key=lambda item: (-item[1], item[0]))
    except TypeError:  # GX reports "requires a hashable type" in place of the counts and goes on
        return None
    except Exception as exc:  # noqa: BLE001 — GX's validator turns any other exception into the rule's error
        return str(exc)
    return None


def _not_null(frame: pd.DataFrame, options: dict) -> np.ndarray:
    return frame[options["column"]].isnull().to_numpy()


def _between(frame: pd.DataFrame, options: dict) -> np.ndarray:
    values = frame[options["column"]].to_numpy(dtype=float)
    low, high = options.get("min_value"), options.get("max_value")
    inside = np.ones(len(values), dtype=bool)
    with np.errstate(invalid="ignore"):
        if low is not None:
            inside &= (values > low) if options.get("strict_min") else (values >= low)
        if high is not None:
            inside &= (values < high) if options.get("strict_max") else (values <= high)
    return ~np.isnan(values) & ~inside


def _in_set(frame: pd.DataFrame, options: dict) -> np.ndarray:
    column = frame[options["column"]]
    return (column.notnull() & ~column.isin(list(options["value_set"]))).to_numpy()


def _matches(frame: pd.DataFrame, options: dict) -> np.ndarray:
    column = frame[options["column"]]
    return (column.notnull() & ~column.astype(str).str.contains(options["regex"])).to_numpy()


def _unique(frame: pd.DataFrame, options: dict) -> np.ndarray:
    column = frame[options["column"]]
    present = column.notnull().to_numpy()
    unexpected = np.zeros(len(column), dtype=bool)
    unexpected[np.flatnonzero(present)] = column[present].duplicated(keep=False).to_numpy()
    return unexpected


def _compound_unique(frame: pd.DataFrame, options: dict) -> np.ndarray:
    keys = frame[list(options["column_list"])]
    considered = ~keys.isnull().all(axis=1).to_numpy()
    unexpected = np.zeros(len(keys), dtype=bool)
    unexpected[np.flatnonzero(considered)] = keys[considered].duplicated(keep=False).to_numpy()
    return unexpected


_ROW_COUNT = "ExpectTableRowCountToBeBetween"
_UNEXPECTED: dict[str, Callable[[pd.DataFrame, dict], np.ndarray]] = {
    "ExpectColumnValuesToNotBeNull": _not_null,
    "ExpectColumnValuesToBeBetween": _between,
    "ExpectColumnValuesToBeInSet": _in_set,
    "ExpectColumnValuesToMatchRegex": _matches,
    "ExpectColumnValuesToBeUnique": _unique,
    "ExpectCompoundColumnsToBeUnique": _compound_unique,
}
