"""Human-facing views of backtest runs: a metrics table, the equity curve as PNG, and the side-by-side comparison.

Used by the Dagster assets (markdown metadata with the PNG embedded) and the CLI; plain functions on results and
stored rows, no Dagster imports.
"""
from __future__ import annotations

import base64
import io
import math

import pandas as pd

HEADLINE = ("bets", "turnover", "profit", "roi", "roi_ci_low", "roi_ci_high", "win_rate", "average_odds", "sharpe",
            "sortino", "max_drawdown", "calmar", "profit_factor", "longest_winning_streak", "longest_losing_streak",
            "average_clv")
PERCENT = {"roi", "roi_ci_low", "roi_ci_high", "win_rate", "max_drawdown", "return_on_bankroll", "average_clv"}


def fmt(name: str, value) -> str:
    """One metric as people read it: percentages for rates, two decimals for money and ratios."""
    if value is None or isinstance(value, float) and math.isnan(value):
        return "–"
    value = float(value)
    if math.isinf(value):
        return "∞"
    if name in PERCENT:
        return f"{value:.2%}"
    if name in ("bets", "longest_winning_streak", "longest_losing_streak"):
        return f"{int(value):,}"
    return f"{value:,.2f}"


def metrics_markdown(metrics: dict, uses_final_odds: bool = False) -> str:
    """The headline metrics as a two-column table. An empty CLV on a run decided at final odds says why: without a
    price before the close there is no closing line to beat, which is not the same as a missing number."""
    def value(name: str) -> str:
        shown = fmt(name, metrics.get(name))
        if name == "average_clv" and shown == "–" and uses_final_odds:
            return f"{shown} (every bet at its closing price: no tote board at decision time)"
        return shown

    rows = "\n".join(f"| {name} | {value(name)} |" for name in HEADLINE if name in metrics)
    return "| metric | value |\n|---|---|\n" + rows


def equity_png(daily: pd.DataFrame, title: str) -> bytes:
    """The equity curve (bankroll at each day's close) as a PNG; matplotlib's Agg backend, no display needed."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 3), dpi=90)
    try:
        axis.plot(pd.to_datetime(daily.index), daily["equity"].astype(float), linewidth=1.2, color="#1f6f8b")
        axis.set_title(title, fontsize=10)
        axis.set_ylabel("bankroll")
        axis.grid(alpha=0.3)
        return _png_bytes(figure)
    finally:
        plt.close(figure)


def _png_bytes(figure) -> bytes:
    """A drawn date-axis figure as PNG bytes (the caller closes it: pyplot keeps every open figure alive)."""
    figure.autofmt_xdate()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def roi_to_date(daily: pd.DataFrame) -> pd.DataFrame:
    """Per run (columns) and race day (index), profit / turnover of the bets so far, from one row per run and day
    (``run_name``, ``race_date``, ``stake``, ``pnl``). Runs differ in bankroll and staking (level 1-unit stakes on
    100 000 next to quarter Kelly on 1 000), so their equity curves cannot share an axis; ROI to date can, and its
    last point is the ROI in the comparison table. A run is blank before its first bet."""
    frame = daily.assign(race_date=pd.to_datetime(daily["race_date"]), stake=daily["stake"].astype(float),
                         pnl=daily["pnl"].astype(float)).sort_values(["run_name", "race_date"])
    grouped = frame.groupby("run_name")
    frame = frame.assign(roi=grouped["pnl"].cumsum() / grouped["stake"].cumsum())
    return frame.pivot(index="race_date", columns="run_name", values="roi").ffill()


def comparison_png(curves: pd.DataFrame) -> bytes:
    """Every run's ROI to date (:func:`roi_to_date`) on one chart, legend below, for the comparison's metadata."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import PercentFormatter

    figure, axis = plt.subplots(figsize=(8, 3.5), dpi=90)
    try:
        for run in curves.columns:
            axis.plot(curves.index, curves[run], linewidth=1.1, label=run)
        axis.axhline(0, color="#888888", linewidth=0.8)
        axis.yaxis.set_major_formatter(PercentFormatter(1.0))
        axis.set_title("ROI to date per run", fontsize=10)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
        return _png_bytes(figure)
    finally:
        plt.close(figure)


def png_markdown(png: bytes, alt: str = "equity curve") -> str:
    """The PNG inline in markdown (how Dagster metadata shows an image)."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"


def comparison(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per stored run, best ROI first, with the headline metrics as floats and the dates it was tested over
    (``window``: runs over different windows are not comparable, so the window is always shown beside them)."""
    columns = ["run_name", "strategy", "window", "bets", "turnover", "profit", "roi", "roi_ci_low", "roi_ci_high",
               "sharpe", "max_drawdown", "win_rate", "uses_final_odds"]
    table = runs.reindex(columns=columns).copy()
    if not runs.empty and {"start_date", "end_date"} <= set(runs.columns):
        table["window"] = [f"{start}..{end}" for start, end in zip(runs["start_date"], runs["end_date"])]
    for column in columns[3:-1]:
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    return table.sort_values(["roi", "run_name"], ascending=[False, True], na_position="last").reset_index(drop=True)


def verdict(table: pd.DataFrame, min_bets: int = 30) -> dict[str, str]:
    """Best by ROI, by Sharpe and by drawdown among runs with enough bets, and one sentence saying what it means."""
    usable = table[table["bets"] >= min_bets]
    if usable.empty:
        return {"verdict": f"no run has {min_bets}+ bets yet: backfill the backtest partitions first"}
    by_roi = usable.loc[usable["roi"].idxmax()]
    by_sharpe = usable.loc[usable["sharpe"].fillna(-math.inf).idxmax()]
    by_drawdown = usable.loc[usable["max_drawdown"].fillna(-math.inf).idxmax()]
    significant = usable[usable["roi_ci_low"] > 0]["run_name"].tolist()
    if significant:
        line = (f"{by_roi.run_name} leads on ROI ({by_roi.roi:.1%}); ROI confidence interval above zero for: "
                f"{', '.join(significant)}")
    else:
        line = f"{by_roi.run_name} leads on ROI ({by_roi.roi:.1%}) but no run's ROI interval clears zero"
    if bool(usable["uses_final_odds"].any()):
        line += "; decided on final odds, which flatters price-based strategies"
    windows = sorted(set(usable["window"].dropna()))
    if len(windows) > 1:
        line += f"; runs cover different windows ({', '.join(windows)}): compare like with like"
    return {"best_by_roi": by_roi.run_name, "best_by_sharpe": by_sharpe.run_name,
            "best_by_drawdown": by_drawdown.run_name, "verdict": line}


def comparison_markdown(table: pd.DataFrame) -> str:
    """The comparison as it fits the asset page: the run and six short numbers per row. The strategy is left out (the
    run name says it, ``marts.strategy_comparison`` has it); the window is one line above the table when every run
    shares it and a column only when they differ, the case where it must be read beside each row."""
    windows = sorted(set(table["window"].dropna()))
    per_run = len(windows) > 1
    columns = ["run", *(["window"] if per_run else []), "bets", "ROI", "ROI 95 % CI", "Sharpe", "max DD", "win rate"]
    rows = [{"run": r.run_name, "window": r.window, "bets": fmt("bets", r.bets), "ROI": fmt("roi", r.roi),
             "ROI 95 % CI": _interval(r.roi_ci_low, r.roi_ci_high), "Sharpe": fmt("sharpe", r.sharpe),
             "max DD": fmt("max_drawdown", r.max_drawdown), "win rate": fmt("win_rate", r.win_rate)}
            for r in table.itertuples()]
    text = markdown_table(rows, columns)
    return f"window: {windows[0]}\n\n{text}" if len(windows) == 1 else text


def _interval(low, high) -> str:
    """A confidence interval in one short cell: one decimal is all a bootstrap interval's precision supports."""
    if any(v is None or v != v for v in (low, high)):
        return "–"
    return f"{float(low):.1%} … {float(high):.1%}"


def markdown_table(rows: list[dict], columns: list[str]) -> str:
    """Rows as a markdown table (what Dagster's metadata shows as a table); ``|`` in a cell becomes ``/``."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join("" if r.get(c) is None else str(r[c]).replace("|", "/") for c in columns) + " |"
              for r in rows]
    return "\n".join(lines)
