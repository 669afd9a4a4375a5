"""Sports strategies: on a games frame (one row per side of a game: ``engine.prepare_sports``) and on every book's
recorded prices (``sports_prices.prepare_sports_prices``: ``ev_vs_sharp``, ``home_underdog``).

``home_flat`` is the baseline every sports model should beat: back the home side's moneyline in every game. On the
real NBA closing lines it loses roughly the bookmaker's margin, which is the point of a baseline. Lines flagged
``suspect`` (moneylines that contradict the spread: in-play prices recorded as closing lines) are skipped by
default, because a line posted after tip-off carries information about the result.
"""
from __future__ import annotations

import pandas as pd

from backtests.strategies.base import Context, Param, ParameterError, Strategy
from backtests.strategies.registry import register


@register
class HomeFlat(Strategy):
    name = "home_flat"
    market = "sports"
    bet_type = "moneyline"
    description = "Moneyline on the home side of every game."
    params = {"min_odds": Param(1.0, "lowest decimal odds to back", float, 1.0),
              "max_odds": Param(1000.0, "longest decimal odds to back", float, 1.0),
              "skip_suspect": Param(True, "skip lines that contradict the spread", bool)}

    def select(self, context: Context) -> pd.DataFrame:
        d = context.decisions
        keep = (d["side"] == "home") & d["odds"].between(self.min_odds, self.max_odds)
        if self.skip_suspect:
            keep &= ~d["suspect"]
        return d[keep]


MARKETS = ("h2h", "spreads", "totals")


def _best_price_rows(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Line shopping: per ``keys`` the row of the book offering the highest price (first book on a tie)."""
    return rows.sort_values("odds", ascending=False, kind="stable").drop_duplicates(keys)


def _need_prices(name: str, d: pd.DataFrame) -> None:
    if "fair_probability" not in d:
        raise ValueError(f"{name} needs every book's recorded prices: sports_prices.load_sports_prices (an odds_runs "
                         "entry of the run list), not the NBA closing-line file")


@register
class EvVsSharp(Strategy):
    """Value against the sharp book, with line shopping made explicit: of the books whose price clears ``min_ev``,
    only the best price of each outcome and line is bet (betting the same edge at two books doubles the exposure,
    not the edge); on spreads and totals, of an outcome's lines only the one with the highest expected value."""

    name = "ev_vs_sharp"
    market = "sports"
    needs_book_prices = True
    bet_type = "h2h"
    description = ("Best retail price per outcome when the sharp book's no-vig probability × price − 1 ≥ min_ev "
                   "(h2h, spreads, totals).")
    params = {"min_ev": Param(0.03, "minimum expected value per unit against the sharp no-vig line", float, 0.0, 1.0),
              "max_odds": Param(10.0, "longest decimal odds to back", float, 1.0),
              "markets": Param(",".join(MARKETS), "comma-separated markets to bet: h2h, spreads, totals", str)}

    def __init__(self, **values) -> None:
        super().__init__(**values)
        chosen = [m.strip() for m in self.values["markets"].split(",") if m.strip()]
        if not chosen or set(chosen) - set(MARKETS):
            raise ParameterError(f"ev_vs_sharp.markets must name some of {', '.join(MARKETS)}; "
                                 f"got {self.values['markets']!r}")
        self.chosen = tuple(chosen)

    def select(self, context: Context) -> pd.DataFrame:
        d = context.decisions
        _need_prices(self.name, d)
        ev = d["fair_probability"] * d["odds"] - 1
        candidates = d[d["market"].isin(self.chosen) & (ev >= self.min_ev - 1e-12) & (d["odds"] <= self.max_odds)]
        best = _best_price_rows(candidates.assign(_ev=ev), ["event_key", "market", "outcome", "point"])
        best = best.sort_values("_ev", ascending=False, kind="stable").drop_duplicates(["event_key", "market", "outcome"])
        return best.drop(columns="_ev").assign(probability=best["fair_probability"])


@register
class HomeUnderdog(Strategy):
    """The home-underdog angle on recorded prices: back the home side's moneyline when the market makes it the
    underdog (its best retail price longer than the away side's at the decision time), at the best price across
    books. Home underdogs are the classic candidate for a public bias towards favourites and away stars."""

    name = "home_underdog"
    market = "sports"
    needs_book_prices = True
    bet_type = "h2h"
    description = "Home moneyline at the best retail price when home is the underdog (home price > away price)."
    params = {"min_odds": Param(1.0, "shortest decimal odds to back", float, 1.0),
              "max_odds": Param(1000.0, "longest decimal odds to back", float, 1.0)}

    def select(self, context: Context) -> pd.DataFrame:
        d = context.decisions
        _need_prices(self.name, d)
        h2h = d[(d["market"] == "h2h") & d["side"].isin(["home", "away"])]
        best = _best_price_rows(h2h, ["event_key", "side"])
        away = best[best["side"] == "away"].set_index("event_key")["odds"]
        home = best[best["side"] == "home"]
        longer = home["odds"].to_numpy() > home["event_key"].map(away).to_numpy(float)  # no away price: no bet
        return home[longer & home["odds"].between(self.min_odds, self.max_odds).to_numpy()]
