"""The ledger settled against real races: bets on races of the session's synthetic history, picked from the marts,
go through the Dagster assets (file → raw.ledger_bets / quarantine → marts.portfolio_bets / portfolio_summary) and
must return exactly what the official dividends say. Settlement rules that no synthetic race exercises (no result yet,
a void race) are pinned first on hand-made results.
"""
import os
from datetime import date, datetime, timezone
from decimal import Decimal

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from backtests.live.portfolio import RaceResult, settle_bet, settle_ledger, summarize
from ingestion.ledger import parse_row

NOW = datetime(2024, 7, 15, tzinfo=timezone.utc)
C = Decimal("0.01")


def bet(bet_type, selections, stake="10", odds="", race_id="BEL-20240302-03", bet_id="b"):
    return parse_row({"bet_id": bet_id, "placed_at": "2024-03-02", "race_id": race_id, "bet_type": bet_type,
                      "selections": selections, "stake": stake, "odds_taken": odds}, 2)


def race(placings, scratched=(), dividends=None):
    return RaceResult("synthetic:R", date(2024, 3, 2), placings, frozenset(scratched), dividends or {})


# ---------- rules on hand-made results

def test_fixed_odds_dead_heat_divides_the_stake():
    dead_heat = race({1: 1, 2: 1, 3: 3, 4: 4})
    settled = settle_bet(bet("win", "2", "10", "9/1"), dead_heat)
    assert (settled.status, settled.returned) == ("won", Decimal("50.00"))
    assert settled.note == "dead heat of 2: stake divided"
    assert settle_bet(bet("win", "3", "10", "9/1"), dead_heat).returned == Decimal("0.00")


def test_no_result_yet_is_pending_but_a_scratched_ticket_is_refunded_anyway():
    card = race({1: None, 2: None, 3: None}, scratched={4})
    assert settle_bet(bet("win", "1"), card).status == "pending"
    refund = settle_bet(bet("exacta", "4 key 1,2", "7"), card)
    assert (refund.status, refund.returned, refund.refunded) == ("refunded", Decimal("7.00"), 2)


def test_a_void_race_refunds_everything():
    void = race({}, scratched={1, 2, 3})
    assert settle_bet(bet("trifecta", "1,2,3 box", "6"), void).returned == Decimal("6.00")


def test_tote_bets_pay_only_published_combinations_and_round_once():
    result = race({1: 1, 2: 2, 3: 3}, dividends={"exacta": {(1, 2): Decimal("7.35")}})
    settled = settle_bet(bet("exacta", "1,2,3 box", "10"), result)  # six combinations at 1.666…
    assert (settled.status, settled.winning, settled.returned) == ("won", 1, Decimal("12.25"))
    assert settle_bet(bet("exacta", "2-1", "10"), result).returned == Decimal("0.00")


def test_unknown_races_and_horses_are_unmatched_and_future_races_pending():
    rows = settle_ledger([("l", bet("win", "1", race_id="ZZZ-20240101-01")),
                          ("l", bet("win", "1", race_id="BEL-20240801-02")),
                          ("l", bet("win", "12"))],
                         {"BEL-20240302-03": race({1: 1, 2: 2})}, NOW)
    assert [(r["status"], r["note"]) for r in rows] == [
        ("unmatched", "race 'ZZZ-20240101-01' not found in marts.fct_runners"),
        ("pending", "race 'BEL-20240801-02' has not been run yet"),
        ("unmatched", "horse(s) 12 not in the field of synthetic:R")]
    assert all(r["returned"] is None and r["profit"] is None for r in rows)


def test_summary_counts_only_settled_money():
    rows = [{"bet_type": "win", "status": s, "stake": Decimal(st), "returned": None if r is None else Decimal(r)}
            for s, st, r in [("won", "10", "35.50"), ("lost", "5", "0"), ("refunded", "2", "2"), ("pending", "4", None),
                             ("unmatched", "1", None)]]
    rows.append({"bet_type": "exacta", "status": "lost", "stake": Decimal("3"), "returned": Decimal("0")})
    summary = {s["bet_type"]: s for s in summarize(rows, NOW)}
    assert list(summary) == ["exacta", "win", "all"]
    win = summary["win"]
    assert [win[k] for k in ("bets", "won", "lost", "refunded", "pending", "unmatched")] == [5, 1, 1, 1, 1, 1]
    assert (win["staked"], win["returned"], win["profit"], win["roi"], win["pending_stake"]) == (
        Decimal("17"), Decimal("37.50"), Decimal("20.50"), Decimal("1.205882"), Decimal("4"))
    assert (summary["all"]["staked"], summary["all"]["profit"], summary["all"]["roi"]) == (
        Decimal("20"), Decimal("17.50"), Decimal("0.875000"))


# ---------- real races through the assets

@pytest.fixture(scope="module")
def races(history, engine):
    """A race with a scratched horse and no dead heat, and a race with a dead heat for first, from the marts."""
    with engine.connect() as conn:
        scratched_race = conn.execute(sa.text("""
            SELECT race_id FROM marts.fct_runners GROUP BY race_id
            HAVING bool_or(status = 'scratched') AND NOT bool_or(is_dead_heat) AND count(finish_position) >= 6
            ORDER BY race_id LIMIT 1""")).scalar_one()
        dead_heat_race = conn.execute(sa.text("""
            SELECT race_id FROM marts.fct_runners WHERE finish_position = 1 GROUP BY race_id
            HAVING count(*) = 2 ORDER BY race_id LIMIT 1""")).scalar_one()
        out = {}
        for race_id in (scratched_race, dead_heat_race):
            runners = conn.execute(sa.text(
                "SELECT horse_number, finish_position, status FROM marts.fct_runners WHERE race_id = :r "
                "ORDER BY finish_position NULLS LAST, horse_number"), {"r": race_id}).all()
            dividends = conn.execute(sa.text(
                "SELECT pool, combination, dividend / stake_unit FROM marts.fct_dividends WHERE race_id = :r"),
                {"r": race_id}).all()
            out[race_id] = {"order": [h for h, p, s in runners if p is not None],
                            "scratched": [h for h, p, s in runners if s == "scratched"],
                            "pays": {(pool, combo): Decimal(ppu) for pool, combo, ppu in dividends}}
    return scratched_race, dead_heat_race, out


@pytest.fixture(scope="module")
def settled(races, history, runtime_env, engine, tmp_path_factory):
    from orchestration.defs.ledger.assets import ledger_bets, portfolio
    from orchestration.defs.warehouse.resources import WarehouseResource

    race_a, race_b, info = races
    w, s, t, f, loser = info[race_a]["order"][:4] + info[race_a]["order"][-1:]
    x = info[race_a]["scratched"][0]
    w1, w2 = info[race_b]["order"][:2]
    lines = [
        ("a01", race_a, "win", f"{w}", "10", ""), ("a02", race_a, "win", f"{w}", "10", "7/2"),
        ("a03", race_a, "exacta", f"{w},{s},{loser} box", "12", ""),
        ("a04", race_a, "trifecta", f"{x} key {w},{s}", "6", ""),
        ("a05", race_a, "trifecta_box", f"{w},{s},{t},{x}", "24", ""),
        ("a06", race_a, "place", f"{t}", "10", ""), ("a07", race_a, "show", f"{t}", "10", ""),
        ("a08", race_a, "superfecta", f"{w}/{s}/{t}/{f}", "1", ""), ("a09", race_a, "win", f"{x}", "5", "3.0"),
        ("a10", race_a, "quinella", f"{w}-{s}", "2", ""), ("a11", race_a, "quinella", f"{t}-{loser}", "2", ""),
        ("a12", race_a, "exacta", f"{w}-99", "2", ""),
        ("b01", race_b, "win", f"{w1}", "2", ""), ("b02", race_b, "win", f"{w2}", "10", "9/1"),
        ("c01", "ZZZ-20240101-01", "win", "1", "5", ""), ("c02", "BEL-20990101-01", "win", "1", "5", ""),
        ("c03", race_a, "exacta", f"{w}", "5", ""),
    ]
    path = tmp_path_factory.mktemp("ledger") / "my-bets.csv"
    path.write_text("bet_id,placed_at,race_id,bet_type,selections,stake,odds_taken\n"
                    + "".join(f"{i},2024-01-01,{r},{bt},\"{sel}\",{st},{o}\n" for i, r, bt, sel, st, o in lines))
    before = os.environ.get("PADDOCK_LEDGER_FILE")
    os.environ["PADDOCK_LEDGER_FILE"] = str(path)
    try:
        resources = {"warehouse": WarehouseResource(database_url=dg.EnvVar("DATABASE_URL"))}
        for _ in range(2):  # a second load replaces the file's rows instead of adding to them
            result = dg.materialize([ledger_bets, portfolio], resources=resources, instance=history["instance"])
            assert result.success
    finally:
        if before is None:
            os.environ.pop("PADDOCK_LEDGER_FILE")
        else:
            os.environ["PADDOCK_LEDGER_FILE"] = before
    with engine.connect() as conn:
        bets = {r.bet_id: r for r in conn.execute(sa.text(
            "SELECT * FROM marts.portfolio_bets WHERE ledger = 'my-bets.csv'")).all()}
        summary = {r.bet_type: r for r in conn.execute(sa.text("SELECT * FROM marts.portfolio_summary")).all()}
    return {"bets": bets, "summary": summary, "result": result, "info": info, "races": (race_a, race_b),
            "horses": (w, s, t, f, loser, x, w1, w2)}


def test_every_bet_returns_what_the_dividends_say(settled):
    race_a, race_b = settled["races"]
    pays = {**{k: v for k, v in settled["info"][race_a]["pays"].items()}}
    w, s, t, f, loser, x, w1, w2 = settled["horses"]
    b_pays = settled["info"][race_b]["pays"]
    expected = {
        "a01": ("won", 10 * pays[("win", str(w))]),
        "a02": ("won", Decimal("45")),
        "a03": ("won", 2 * pays[("exacta", f"{w}-{s}")]),
        "a04": ("refunded", Decimal("6")),
        "a05": ("won", 18 + pays[("trifecta", f"{w}-{s}-{t}")]),
        "a06": ("lost", Decimal("0")),  # US place pays the first two only
        "a07": ("won", 10 * pays[("show", str(t))]),
        "a08": ("won", pays[("superfecta", f"{w}-{s}-{t}-{f}")]),
        "a09": ("refunded", Decimal("5")),
        "a10": ("pending", None),  # the synthetic tote has no quinella pool: a winning ticket cannot be priced
        "a11": ("lost", Decimal("0")),
        "a12": ("unmatched", None),
        "b01": ("won", 2 * b_pays[("win", str(w1))]),
        "b02": ("won", Decimal("50")),
        "c01": ("unmatched", None),
        "c02": ("pending", None),
    }
    bets = settled["bets"]
    assert sorted(bets) == sorted(expected)  # c03 was quarantined
    for bet_id, (status, returned) in expected.items():
        row = bets[bet_id]
        want = None if returned is None else returned.quantize(C)
        assert (row.status, row.returned) == (status, want), (bet_id, row.note)
        assert row.profit == (None if want is None else want - row.stake)
    a05 = bets["a05"]
    assert (a05.winning_combinations, a05.refunded_combinations, a05.combinations) == (1, 18, 24)
    assert bets["a01"].race_key == f"synthetic:{race_a}"
    assert bets["a04"].selections == f"{x} key {min(w, s)},{max(w, s)}"
    assert bets["b02"].note == "dead heat of 2: stake divided"
    assert bets["a10"].note == f"no quinella dividend published for synthetic:{race_a}"


def test_summary_adds_up_exactly(settled):
    bets, summary = settled["bets"].values(), settled["summary"]
    settled_bets = [b for b in bets if b.status in ("won", "lost", "refunded")]
    staked = sum(b.stake for b in settled_bets)
    returned = sum(b.returned for b in settled_bets)
    overall = summary["all"]
    assert (overall.bets, overall.won, overall.lost, overall.refunded, overall.pending, overall.unmatched) == (
        16, 8, 2, 2, 2, 2)
    assert (overall.staked, overall.returned, overall.profit) == (staked, returned, returned - staked)
    assert overall.roi == ((returned - staked) / staked).quantize(Decimal("0.000001"))
    assert overall.pending_stake == Decimal("7.00")
    assert (summary["trifecta"].bets, summary["trifecta"].won, summary["trifecta"].refunded,
            summary["trifecta"].staked) == (2, 1, 1, Decimal("30.00"))
    assert set(summary) == {"win", "exacta", "trifecta", "place", "show", "superfecta", "quinella", "all"}


def test_malformed_rows_are_quarantined_with_reasons_and_loads_replace(settled, engine):
    with engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT count(*) FROM raw.ledger_bets WHERE _scope = 'my-bets.csv'")).scalar_one()
        rejects = conn.execute(sa.text("SELECT record, reasons FROM quarantine.ledger_bets "
                                       "WHERE _source = 'ledger' AND _scope = 'my-bets.csv'")).all()
    assert raw == 16
    [(record, reasons)] = rejects
    w = settled["horses"][0]
    assert record["bet_id"] == "c03" and record["_row"] == 18
    assert reasons == [f"selections: a straight exacta takes 2 horse(s), got 1; add 'box' or use 'key' for more "
                       f"('{w}')"]
    with engine.connect() as conn:  # BI tools read the portfolio like every other mart
        conn.exec_driver_sql("SET ROLE bi_reader")
        assert conn.exec_driver_sql("SELECT count(*) FROM marts.portfolio_summary").scalar_one() == 8
        conn.exec_driver_sql("RESET ROLE")
    check = settled["result"].get_asset_check_evaluations()[0]
    assert check.check_name == "ledger_rows_parse" and not check.passed
    assert check.metadata["quarantined"].value == 1


# ---------- the example ledger and the sensor

def test_the_example_ledger_settles_on_the_demo_races():
    """examples/ledger.csv bets on 14 June 2025 of the synthetic demo; settled here on the generator's own rows (the
    demo loads the same rows into the marts), these are the figures the README shows."""
    from ingestion.ledger import read_ledger
    from ingestion.sources.synthetic import SyntheticSource
    from orchestration.defs.ledger.assets import DEFAULT_LEDGER

    day = date(2025, 6, 14)
    batch = SyntheticSource(7, date(2025, 1, 1), date(2025, 12, 31)).read(day, day)
    results = {}
    for race_id, runners in batch.runners.groupby("race_id"):
        scratched = frozenset(int(h) for h in runners.loc[runners["status"] == "scratched", "horse_number"])
        placings = {int(r.horse_number): None if pd.isna(r.finish_position) else int(r.finish_position)
                    for r in runners.itertuples() if int(r.horse_number) not in scratched}
        pays: dict = {}
        for d in batch.dividends[batch.dividends["race_id"] == race_id].itertuples():
            pays.setdefault(d.pool, {})[tuple(int(h) for h in d.combination.split("-"))] = d.dividend / d.stake_unit
        results[race_id] = RaceResult(f"synthetic:{race_id}", day, placings, scratched, pays)
    rows = settle_ledger([("ledger.csv", b) for b in read_ledger(DEFAULT_LEDGER).bets], results, NOW)
    assert [(r["bet_id"], r["status"], r["returned"]) for r in rows] == [
        ("b001", "won", Decimal("130.00")), ("b002", "won", Decimal("58.80")), ("b003", "refunded", Decimal("6.00")),
        ("b004", "won", Decimal("42.00")), ("b005", "lost", Decimal("0.00")), ("b006", "won", Decimal("114.20")),
        ("b007", "won", Decimal("162.70")), ("b008", "lost", Decimal("0.00")), ("b009", "lost", Decimal("0.00"))]
    overall = summarize(rows, NOW)[-1]
    assert (overall["bet_type"], overall["bets"], overall["won"], overall["lost"], overall["refunded"]) == (
        "all", 9, 5, 3, 1)
    assert (overall["staked"], overall["returned"], overall["profit"], overall["roi"]) == (
        Decimal("93.00"), Decimal("513.70"), Decimal("420.70"), Decimal("4.523656"))


def test_the_sensor_runs_once_per_distinct_ledger_content(tmp_path, monkeypatch):
    from orchestration.defs.ledger.sensors import ledger_file_sensor

    path = tmp_path / "bets.csv"
    monkeypatch.setenv("PADDOCK_LEDGER_FILE", str(path))
    with dg.build_sensor_context() as context:
        assert isinstance(ledger_file_sensor(context), dg.SkipReason)
        path.write_text("bet_id,placed_at,race_id,bet_type,selections,stake\n")
        first = ledger_file_sensor(context).run_key
        assert ledger_file_sensor(context).run_key == first and first.startswith("bets.csv:")
        path.write_text("bet_id,placed_at,race_id,bet_type,selections,stake\nb,2024-01-01,R,win,1,2\n")
        assert ledger_file_sensor(context).run_key != first
