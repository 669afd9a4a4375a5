"""The ``odds_runs`` section of the run list: validated when read, kept apart from the racing ``runs``."""
from __future__ import annotations

import pytest

from backtests.odds_runs import load_odds_specs
from backtests.store import RunListError, load_run_specs

RACING = "runs:\n  favourite_flat: {strategy: favourite_flat}\n"


def _write(tmp_path, odds: str):
    path = tmp_path / "strategies.yaml"
    path.write_text(RACING + "odds_runs:\n" + odds)
    return path


def test_the_shipped_list_has_both_odds_runs_and_none_of_them_is_a_racing_run():
    odds = load_odds_specs()
    assert {name: (s.run.strategy, s.sports, s.decision_hours, s.sharp_book) for name, s in odds.items()} == {
        "ev_vs_pinnacle": ("ev_vs_sharp", ("basketball_nba", "soccer_epl"), 1.0, "pinnacle"),
        "home_underdogs": ("home_underdog", ("basketball_nba", "soccer_epl"), 1.0, "pinnacle")}
    assert not set(odds) & set(load_run_specs())  # `paddock run` and the backtest partitions never see them


def test_an_entry_is_read_with_its_sports_and_decision_time(tmp_path):
    path = _write(tmp_path, "  dogs:\n    strategy: home_underdog\n    params: {max_odds: 4}\n"
                            "    sports: soccer_epl\n    decision_hours: 2.5\n    sharp_book: betfair_ex_eu\n")
    (spec,) = load_odds_specs(path).values()
    assert (spec.name, spec.run.params, spec.sports, spec.decision_hours, spec.sharp_book) == (
        "dogs", {"max_odds": 4}, ("soccer_epl",), 2.5, "betfair_ex_eu")
    without = tmp_path / "racing_only.yaml"
    without.write_text(RACING)
    assert load_odds_specs(without) == {}  # the section is optional


@pytest.mark.parametrize("entry, message", [
    ("strategy: home_flat, sports: [basketball_nba]", "home_flat does not decide on bookmaker prices"),
    ("strategy: home_underdog", "needs 'sports'"),
    ("strategy: home_underdog, sports: [basketball_nba], decision_hours: 0", "decision_hours must be a positive"),
    ("strategy: home_underdog, sports: [basketball_nba], regions: us", "unknown keys ['regions']"),
    ("strategy: ev_vs_sharp, sports: [basketball_nba], params: {markets: 'h2h,corners'}", "must name some of"),
])
def test_a_bad_entry_fails_when_the_list_is_read(tmp_path, entry, message):
    with pytest.raises(RunListError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_odds_specs(_write(tmp_path, f"  bad: {{{entry}}}\n"))
