"""How a benchmark row states a goal of issue 17: a ratio against a limit measured in the same run, and whether it is
met. Absolute times move by 2× between two machines of the same kind, so the verdict is read off the ratio alone;
one wording for every row, so BENCHMARKS.md reads the same everywhere."""
from __future__ import annotations

import math


def met(value: float, bound: float, at_most: bool = True) -> bool:
    """Whether ``value`` is within ``bound``; a figure that could not be measured (NaN) is not."""
    return not math.isnan(value) and (value <= bound if at_most else value >= bound)


def verdict(value: float, bound: float, at_most: bool = True, unit: str = "×") -> str:
    """``goal ≤ 3× (met)`` / ``goal ≥ 0.6 (not met)``."""
    return f"goal {'≤' if at_most else '≥'} {bound:g}{unit} ({'met' if met(value, bound, at_most) else 'not met'})"


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when the limit measured nothing (a zero-time limit makes no ratio)."""
    return numerator / denominator if denominator else float("nan")
