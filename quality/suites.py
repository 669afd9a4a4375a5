"""The expectation suites for the three raw tables, defined in code as plain data.

Suites are data rather than GX objects so that importing them is free (no ``great_expectations`` import), they can be
listed in a Dagster check spec or a test without a GX context, and the rule a row broke has one stable name
(``"runners.final_odds_ge_1"``) that travels from here into quarantine ``reasons`` and AssetCheckResults.
``quality.gx_runner`` turns a spec into a GX 1.x expectation only when something is validated.

Each expectation carries two tags:

- ``severity``: ``critical`` rows are unusable downstream (a null key, odds a bettor could never be paid at);
  ``warning`` rows are suspicious but plausible (a 94 lb weight) and are published unless the caller asks otherwise.
- ``level``: ``row`` expectations judge one row at a time and quarantine the rows they flag; ``batch`` expectations
  judge the staged frame as a whole (uniqueness of the key, share of valid rows, row count).

Column map expectations in GX skip nulls, so "null or >= 1" is simply a between-expectation; where null is not
acceptable a separate ``*_not_null`` expectation says so, which keeps the reason a row was quarantined precise.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from backtests.betting.pools import POOLS
from paddock.canonical import STATUSES, SURFACES

Severity = Literal["critical", "warning"]
Level = Literal["row", "batch"]

CRITICAL: Severity = "critical"
WARNING: Severity = "warning"

# Decimal odds include the stake: below 1.0 a bettor loses by winning, so such a price is a parse or unit error. Exactly
# 1.0 is legal on a tote: HKJC pays a HK$10 minimum dividend per HK$10, and real 1.0 winners exist in the Kaggle data.
MIN_DECIMAL_ODDS = 1.0
# Below this share of rows passing every quarantining check the batch itself is suspect (a broken parser, a shifted
# column), and publishing the 60 % that happen to pass would hide it.
MIN_VALID_SHARE = 0.9
COMBINATION_PATTERN = r"^\d+(?:-\d+)*$"  # non-capturing: pandas warns on match groups
DISTANCE_UNITS = ("m", "f", "y")

# GX expectation types that the gate evaluates on the rows that passed the row-level checks and enforces by
# quarantining every duplicate after the first, instead of failing the batch.
UNIQUENESS_TYPES = frozenset({"ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique"})


@dataclass(frozen=True)
class ExpectationSpec:
    """One named rule. ``gx_type`` names a class in ``gx.expectations``; None means the gate computes it itself: the
    share of valid rows is a property of the gate's split, and membership in the published races a join across
    frames, neither of which a single GX pandas expectation expresses."""

    name: str
    severity: Severity
    level: Level
    gx_type: str | None
    kwargs: tuple[tuple[str, Any], ...] = ()

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.kwargs)

    @property
    def columns(self) -> tuple[str, ...]:
        """The frame columns this rule reads (empty for table-level rules)."""
        opts = self.options
        if "column" in opts:
            return (opts["column"],)
        return tuple(opts.get("column_list", ()))

    @property
    def is_uniqueness(self) -> bool:
        return self.gx_type in UNIQUENESS_TYPES


@dataclass(frozen=True)
class SuiteSpec:
    """All rules for one raw table, in the order reasons are reported."""

    name: str
    expectations: tuple[ExpectationSpec, ...]

    def row_level(self) -> tuple[ExpectationSpec, ...]:
        return tuple(e for e in self.expectations if e.level == "row")

    def batch_level(self) -> tuple[ExpectationSpec, ...]:
        return tuple(e for e in self.expectations if e.level == "batch")

    def __getitem__(self, name: str) -> ExpectationSpec:
        for spec in self.expectations:
            if spec.name == name:
                return spec
        raise KeyError(name)


# ---------- builders: keep the suite tables below readable


def not_null(table: str, column: str, severity: Severity = CRITICAL) -> ExpectationSpec:
    return ExpectationSpec(f"{table}.{column}_not_null", severity, "row", "ExpectColumnValuesToNotBeNull",
                           (("column", column),))


def between(table: str, column: str, low: float | None, high: float | None = None, *, strict_low: bool = False,
            severity: Severity = CRITICAL, name: str | None = None) -> ExpectationSpec:
    """Nulls pass (GX skips them); pair with :func:`not_null` when the column is required."""
    if name is None:
        if high is None:
            name = f"{column}_{'gt' if strict_low else 'ge'}_{_token(low)}"
        else:
            name = f"{column}_between_{_token(low)}_{_token(high)}"
    kwargs: tuple[tuple[str, Any], ...] = (("column", column), ("min_value", low), ("max_value", high))
    if strict_low:
        kwargs += (("strict_min", True),)
    return ExpectationSpec(f"{table}.{name}", severity, "row", "ExpectColumnValuesToBeBetween", kwargs)


def _token(value: float) -> str:
    """A bound as it appears in a rule name: 1.01 -> "1_01"."""
    return f"{value:g}".replace(".", "_")


def in_set(table: str, column: str, values: tuple[str, ...], severity: Severity = CRITICAL) -> ExpectationSpec:
    return ExpectationSpec(f"{table}.{column}_in_set", severity, "row", "ExpectColumnValuesToBeInSet",
                           (("column", column), ("value_set", tuple(values))))


def matches(table: str, column: str, pattern: str, severity: Severity = CRITICAL) -> ExpectationSpec:
    return ExpectationSpec(f"{table}.{column}_matches_pattern", severity, "row", "ExpectColumnValuesToMatchRegex",
                           (("column", column), ("regex", pattern)))


def unique(table: str, *key: str) -> ExpectationSpec:
    if len(key) == 1:
        return ExpectationSpec(f"{table}.unique_{key[0]}", CRITICAL, "batch", "ExpectColumnValuesToBeUnique",
                               (("column", key[0]),))
    return ExpectationSpec(f"{table}.unique_{'_'.join(key)}", CRITICAL, "batch", "ExpectCompoundColumnsToBeUnique",
                           (("column_list", tuple(key)),))


def batch_rules(table: str) -> tuple[ExpectationSpec, ...]:
    """The table-level rules every raw table shares: a critical floor on valid rows, a warning on an empty batch
    (an empty day is legitimate for a source with no meeting, but worth seeing)."""
    return (
        ExpectationSpec(f"{table}.valid_share_ge_{_token(MIN_VALID_SHARE)}", CRITICAL, "batch", None, (("min_value", MIN_VALID_SHARE),)),
        ExpectationSpec(f"{table}.row_count_ge_1", WARNING, "batch", "ExpectTableRowCountToBeBetween",
                        (("min_value", 1),)),
    )


def in_published(table: str, column: str, parent: str) -> ExpectationSpec:
    """Referential integrity across tables: ``column`` must be a key the gate published in ``parent`` (races for the
    results tables, exchange markets for their runners and prices). Computed by the gate with a pandas ``isin``
    rather than GX's ``ExpectColumnValuesToBeInSet``: GX re-serialises the value set for every metric it plans, which
    measured ~0.9 s for 12,500 race ids and grows linearly with the number of keys in the window."""
    return ExpectationSpec(f"{table}.{column}_in_published_{parent}", CRITICAL, "row", None, (("column", column),))


def in_published_races(table: str) -> ExpectationSpec:
    """The results tables' referential rule, applied by ``gate_batch``."""
    return in_published(table, "race_id", "races")


# ---------- the suites

RACES_SUITE = SuiteSpec("races", (
    not_null("races", "race_id"),
    not_null("races", "race_date"),
    not_null("races", "track_code"),
    not_null("races", "race_number"),
    between("races", "race_number", 1, 20),
    between("races", "distance", 0, strict_low=True),
    # dbt converts distance by this unit; an unknown unit would silently become a wrong distance.
    in_set("races", "distance_unit", DISTANCE_UNITS),
    in_set("races", "surface", SURFACES),
    unique("races", "race_id"),
    *batch_rules("races"),
))

RUNNERS_SUITE = SuiteSpec("runners", (
    not_null("runners", "race_id"),
    # The loader replaces one race_date partition per transaction: a row without a date has nowhere to go.
    not_null("runners", "race_date"),
    not_null("runners", "horse_id"),
    not_null("runners", "horse_number"),
    between("runners", "horse_number", 1, 40),
    between("runners", "post_position", 1, 40),
    between("runners", "final_odds", MIN_DECIMAL_ODDS),
    between("runners", "finish_position", 1),
    in_set("runners", "status", STATUSES),
    between("runners", "weight_lbs", 95, 200, severity=WARNING),
    between("runners", "finish_time_s", 40, 400, severity=WARNING),
    unique("runners", "race_id", "horse_number"),
    *batch_rules("runners"),
))

DIVIDENDS_SUITE = SuiteSpec("dividends", (
    not_null("dividends", "race_id"),
    not_null("dividends", "race_date"),
    # in_set skips nulls, so a missing pool needs its own rule.
    not_null("dividends", "pool"),
    in_set("dividends", "pool", POOLS),
    not_null("dividends", "dividend"),
    between("dividends", "dividend", 0, strict_low=True),
    not_null("dividends", "combination"),
    matches("dividends", "combination", COMBINATION_PATTERN),
    unique("dividends", "race_id", "pool", "combination"),
    *batch_rules("dividends"),
))

SUITES: dict[str, SuiteSpec] = {s.name: s for s in (RACES_SUITE, RUNNERS_SUITE, DIVIDENDS_SUITE)}


def get_suite(name: str) -> SuiteSpec:
    try:
        return SUITES[name]
    except KeyError:
        raise KeyError(f"no quality suite {name!r}; known: {', '.join(SUITES)}") from None
