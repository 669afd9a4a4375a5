"""The quality gate: split a staged raw frame into rows we publish and rows we quarantine, and judge the batch.

Policy, in the order the gate applies it:

1. Row-level rules run on the whole staged frame in one validation (``quality.engines``: vectorized, or GX). A row
   failing a *critical* rule is quarantined (with *warning* rules too when ``quarantine_warnings``); its ``reasons``
   lists every such rule it broke, by name.
2. Key uniqueness runs on the rows that survived step 1, so a bad row cannot make a good one look duplicated.
   Duplicates are quarantined *after the first occurrence* (frame order) with reason ``"<table>.unique_<key>"``
   instead of failing the batch: we cannot tell which copy is right, so one is published deterministically and the
   others are kept for review.
3. The share of rows that passed 1 and 2 must reach ``MIN_VALID_SHARE``; below it the batch is a critical failure
   (a broken parser or shifted column, not a few bad rows). An empty frame passes vacuously; only the warning-level
   row-count rule fails.

``critical_failure`` is True when a critical table-level rule fails (the valid share) or a critical rule could not
be evaluated at all (e.g. a missing column; such a rule also quarantines every row, since none was checked).
The gate never raises on bad data itself: callers decide, usually with :func:`raise_if_critical`.

:func:`gate_batch` adds referential integrity: runners and dividends of races that were not published are quarantined
with ``"<table>.race_id_in_published_races"``. That rule is left out of the valid share, so a bad race is reported
once (in ``races``) rather than again as a runners failure.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from quality.engines import gate_engine, validate
from quality.gx_runner import ExpectationOutcome, sample_values
from quality.suites import CRITICAL, ExpectationSpec, SuiteSpec, get_suite, in_published_races

REASONS_COLUMN = "reasons"
TABLE_ORDER = ("races", "runners", "dividends")


@dataclass(frozen=True)
class GateResult:
    """What the gate decided for one staged frame.

    ``published`` and ``quarantined`` keep the caller's index and columns (``_original`` included);
    ``quarantined`` adds ``reasons`` (list[str] of rule names). ``results`` holds one outcome per rule of the suite,
    row positions in them referring to the staged frame. ``summary`` is JSON-friendly, for asset-check metadata.
    """

    suite: str
    published: pd.DataFrame
    quarantined: pd.DataFrame
    results: list[ExpectationOutcome]
    suite_success: bool
    critical_failure: bool
    summary: dict[str, Any]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.results if not o.success]


class GateFailure(Exception):
    """A batch that must not be published: names the suite, the failed rules and their counts."""

    def __init__(self, result: GateResult):
        self.result = result
        self.suite = result.suite
        self.failed = {o.name: o.unexpected_count for o in result.failed}
        critical = [_describe(o) for o in result.failed if _blocks_batch(o)]
        others = [_describe(o) for o in result.failed if not _blocks_batch(o)]
        summary = result.summary
        message = (
            f"quality gate failed for suite {self.suite!r}: {'; '.join(critical)}"
            f" ({summary['quarantined']} of {summary['evaluated']} rows quarantined)"
        )
        if others:
            message += f"; also failed: {'; '.join(others)}"
        super().__init__(message)


def raise_if_critical(result: GateResult) -> GateResult:
    """Raise :class:`GateFailure` when the batch must not be published; otherwise hand the result back."""
    if result.critical_failure:
        raise GateFailure(result)
    return result


def gate(df: pd.DataFrame, suite_name: str, *, quarantine_warnings: bool = False) -> GateResult:
    """Gate one staged raw frame (``suite_name`` is the raw table: races, runners or dividends)."""
    return gate_suite(df, get_suite(suite_name), quarantine_warnings=quarantine_warnings)


def gate_batch(frames: Mapping[str, pd.DataFrame], *, quarantine_warnings: bool = False) -> dict[str, GateResult]:
    """Gate races first, then runners and dividends, quarantining rows whose race was not published."""
    unknown = sorted(set(frames) - set(TABLE_ORDER))
    if unknown:
        raise KeyError(f"no quality suite for {', '.join(unknown)}; known: {', '.join(TABLE_ORDER)}")
    if "races" not in frames and set(frames) - {"races"}:
        raise ValueError("gate_batch needs the races frame to check runners/dividends against; use gate() per table")
    results: dict[str, GateResult] = {}
    race_ids: set[Any] = set()
    if "races" in frames:
        results["races"] = gate(frames["races"], "races", quarantine_warnings=quarantine_warnings)
        race_ids = set(results["races"].published["race_id"])
    for table in TABLE_ORDER[1:]:
        if table in frames:
            results[table] = gate_suite(frames[table], get_suite(table), quarantine_warnings=quarantine_warnings,
                                        published_race_ids=race_ids)
    return results


def gate_suite(df: pd.DataFrame, suite: SuiteSpec, *, quarantine_warnings: bool,
               published_race_ids: Collection[Any] | None = None,
               membership: ExpectationSpec | None = None) -> GateResult:
    """Gate a frame against any suite spec (the raw-table suites by name go through ``gate``; other domains, like race
    cards, define their own ``SuiteSpec`` and call this).

    ``published_race_ids`` are the parent keys published by the gate of the parent table; ``membership`` names the
    referential rule checking them (default: ``race_id`` in the published races, see ``suites.in_published``)."""
    n = len(df)
    row_specs = suite.row_level()
    batch_gx = tuple(s for s in suite.batch_level() if s.gx_type is not None and not s.is_uniqueness)
    outcomes = {o.name: o for o in validate(df, row_specs + batch_gx, asset=suite.name)}
    extra: list[ExpectationSpec] = []
    if published_race_ids is not None:
        spec = membership or in_published_races(suite.name)
        outcomes[spec.name] = _membership(df, spec, published_race_ids)
        extra.append(spec)

    # ---------- 1. row-level rules (the referential rule last, and outside the valid share)
    reasons: dict[int, list[str]] = {}
    failing = np.zeros(n, dtype=bool)
    own_failing = np.zeros(n, dtype=bool)
    for spec in (*row_specs, *extra):
        outcome = outcomes[spec.name]
        if spec.severity != CRITICAL and not quarantine_warnings:
            continue
        positions = range(n) if outcome.error else outcome.unexpected_index
        for pos in positions:
            reasons.setdefault(pos, []).append(spec.name)
        idx = np.fromiter(positions, dtype=np.int64, count=len(positions))
        failing[idx] = True
        if spec not in extra:
            own_failing[idx] = True

    # ---------- 2. uniqueness among the survivors; duplicates after the first are quarantined
    survivors = np.flatnonzero(~failing)
    for spec in (s for s in suite.batch_level() if s.is_uniqueness):
        [outcome] = validate(df.iloc[survivors], [spec], asset=suite.name)
        outcome = _first_occurrence_kept(df, spec, outcome, survivors)
        for pos in outcome.unexpected_index:
            reasons.setdefault(pos, []).append(spec.name)
        idx = np.asarray(outcome.unexpected_index, dtype=np.int64)
        failing[idx] = own_failing[idx] = True
        outcomes[spec.name] = outcome

    # ---------- 3. share of valid rows (the gate's own rule)
    for spec in (s for s in suite.batch_level() if s.gx_type is None):
        bad = int(own_failing.sum())
        share = 1.0 if n == 0 else (n - bad) / n
        outcomes[spec.name] = ExpectationOutcome(spec.name, spec.severity, spec.level,
                                                 share >= spec.options["min_value"], n, bad, observed=round(share, 4))

    results = [outcomes[s.name] for s in (*suite.expectations, *extra)]
    published = df[~failing].copy()
    quarantined = df[failing].copy()
    quarantined[REASONS_COLUMN] = pd.Series([reasons[p] for p in np.flatnonzero(failing)], index=quarantined.index,
                                            dtype=object)
    critical_failure = any(_blocks_batch(o) for o in results)
    suite_success = all(o.success for o in results)
    summary = {
        "suite": suite.name,
        "evaluated": n,
        "published": len(published),
        "quarantined": len(quarantined),
        "failed_expectations": {o.name: o.unexpected_count for o in results if not o.success},
        "suite_success": suite_success,
        "critical_failure": critical_failure,
        "quarantine_warnings": quarantine_warnings,
        "engine": gate_engine(),  # which evaluator judged the rules (quality.engines)
    }
    return GateResult(suite.name, published, quarantined, results, suite_success, critical_failure, summary)


def _membership(df: pd.DataFrame, spec: ExpectationSpec, allowed: Collection[Any]) -> ExpectationOutcome:
    """Rows whose key (``race_id``, ``market_id``) is not among ``allowed`` (a null key is not a member either)."""
    column = spec.columns[0]
    if column not in df.columns:
        return ExpectationOutcome(spec.name, spec.severity, spec.level, False, len(df), 0,
                                  error=f"column {column!r} missing")
    positions = tuple(int(p) for p in np.flatnonzero(~df[column].isin(allowed).to_numpy()))
    return ExpectationOutcome(spec.name, spec.severity, spec.level, not positions, len(df), len(positions),
                              unexpected_sample=sample_values(df, spec.columns, positions), unexpected_index=positions)


def _first_occurrence_kept(df: pd.DataFrame, spec: ExpectationSpec, outcome: ExpectationOutcome,
                           survivors: np.ndarray) -> ExpectationOutcome:
    """GX flags every member of a duplicate group; keep the first of each and report only the rest, as staged-frame
    positions, so ``unexpected_count`` counts exactly the rows this rule quarantines."""
    if outcome.error or not outcome.unexpected_index:
        return outcome
    flagged = np.sort(survivors[np.asarray(outcome.unexpected_index, dtype=np.int64)])
    keys = df[list(spec.columns)].iloc[flagged]
    extra = tuple(int(p) for p in flagged[keys.duplicated(keep="first").to_numpy()])
    return replace(outcome, unexpected_count=len(extra), unexpected_index=extra,
                   unexpected_sample=sample_values(df, spec.columns, extra))


def _blocks_batch(outcome: ExpectationOutcome) -> bool:
    """Critical and not resolvable by quarantining rows: a failed table-level rule, or a rule GX could not run."""
    if outcome.severity != CRITICAL or outcome.success:
        return False
    return outcome.error is not None or (outcome.level == "batch" and not outcome.unexpected_index)


def _describe(outcome: ExpectationOutcome) -> str:
    if outcome.error:
        return f"{outcome.name} could not be evaluated ({outcome.error})"
    if outcome.level == "batch" and not outcome.unexpected_index:
        return f"{outcome.name} (observed {outcome.observed})"
    return f"{outcome.name} ({outcome.unexpected_count} of {outcome.evaluated} rows)"
