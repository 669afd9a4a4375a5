"""The reader on the three real Betfair files: every runner's settled status, BSP and last traded price as the files
say, the Hamilton market's two REMOVED runners, winner counts, and runner names from the catalogues.

Expected values come from the files read with plain ``json`` here (the settled definition is the last line) or are
hard-coded after checking them by hand, never from the reader itself.
"""
from __future__ import annotations

import bz2
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from ingestion.exchange.reader import peek_markets, read_markets
from ingestion.exchange.schema import EXCHANGE_MARKETS, EXCHANGE_PRICES, EXCHANGE_RUNNERS
from tests.conftest import shared_path

FILES = ("1.197931750", "1.197931751.bz2", "BASIC-1.132153978")


def messages(path):
    opener = bz2.open if path.name.endswith(".bz2") else open
    with opener(path, "rt") as handle:
        return [json.loads(line) for line in handle]


def settled(path) -> dict:
    return messages(path)[-1]["mc"][0]["marketDefinition"]


def pre_off_ltps(path) -> dict[int, float]:
    """The last ltp per runner while the market was neither in play nor closed, by a plain walk of the file."""
    out, open_ = {}, True
    for msg in messages(path):
        for mc in msg["mc"]:
            d = mc.get("marketDefinition")
            if d:
                open_ = open_ and not d["inPlay"] and d["status"] != "CLOSED"
            for rc in mc.get("rc", []):
                if "ltp" in rc and open_:
                    out[rc["id"]] = rc["ltp"]
    return out


@pytest.fixture(scope="module")
def records():
    folder = shared_path("betfair-historical")
    return {r.market_id: r for r in read_markets([folder / name for name in FILES])}


@pytest.mark.parametrize("name", FILES)
def test_runner_status_bsp_and_last_traded_price_as_the_file_says(records, name):
    path = shared_path("betfair-historical", name)
    final = settled(path)
    record = records[messages(path)[0]["mc"][0]["id"]]
    runners = {r["selection_id"]: r for r in record.runners}
    assert [r["selection_id"] for r in record.runners] == [r["id"] for r in final["runners"]]
    ltps = pre_off_ltps(path)
    for expected in final["runners"]:
        row = runners[expected["id"]]
        assert row["status"] == expected["status"]
        assert row["bsp"] == (Decimal(str(expected["bsp"])) if "bsp" in expected else None)
        assert row["last_traded_price"] == (Decimal(str(ltps[expected["id"]])) if expected["id"] in ltps else None)
        assert row["runner_name"] == expected["name"]
    assert list(record.market) == list(EXCHANGE_MARKETS)
    assert all(list(r) == list(EXCHANGE_RUNNERS) for r in record.runners)
    assert all(list(p) == list(EXCHANGE_PRICES) for p in record.prices)


def test_greyhound_win_market_by_hand(records):
    market = records["1.197931750"].market
    assert market["sport"] == "greyhound_racing" and market["venue"] == "Sheffield"
    assert market["market_time"] == datetime(2022, 4, 19, 18, 26, tzinfo=timezone.utc)
    assert market["market_date"] == date(2022, 4, 19) and market["market_type"] == "WIN"
    assert (market["status"], market["winner_count"], market["number_of_winners"]) == ("CLOSED", 1, 1)
    assert market["went_in_play_at"] is None  # turnInPlayEnabled false: the race is never traded in play
    assert market["closed_at"] == datetime(2022, 4, 19, 18, 29, 56, 470000, tzinfo=timezone.utc)
    assert market["updates"] == 166 and market["market_base_rate"] == Decimal("5.0")
    runners = {r["selection_id"]: r for r in records["1.197931750"].runners}
    assert runners[37947503]["status"] == "WINNER" and runners[37947503]["bsp"] == Decimal("25.0")
    assert [runners[s]["last_traded_price"] for s in (44331354, 37947503, 36276560, 42930960, 40095374, 39823721)] \
        == [Decimal(v) for v in ("85", "25", "6.8", "9.8", "17", "1.56")]
    assert runners[39823721]["total_matched"] == Decimal("18581.2")


def test_place_market_marks_both_placed_dogs_winner(records):
    record = records["1.197931751"]
    assert record.market["market_type"] == "PLACE" and record.market["number_of_winners"] == 2
    assert sorted(r["selection_id"] for r in record.runners if r["status"] == "WINNER") == [37947503, 39823721]
    assert not [r for r in record.runners if r["status"] == "PLACED"]
    assert record.market["winner_count"] == 2
    assert record.market["source_file"].endswith("1.197931751.bz2")


def test_hamilton_removed_runners_with_adjustment_factors(records):
    record = records["1.132153978"]
    market = record.market
    assert (market["sport"], market["venue"], market["runner_count"], market["active_runner_count"]) == \
        ("horse_racing", "Hamilton", 14, 12)
    assert market["went_in_play_at"] is not None and market["winner_count"] == 1
    removed = {r["selection_id"]: r for r in record.runners if r["status"] == "REMOVED"}
    assert {sid: (r["runner_name"], r["adjustment_factor"], r["removal_date"]) for sid, r in removed.items()} == {
        11198538: ("Hellavashock", Decimal("7.14"), datetime(2017, 6, 14, 7, 0, 50, tzinfo=timezone.utc)),
        9606433: ("Hymn For The Dudes", Decimal("5.55"), datetime(2017, 6, 14, 9, 23, 43, tzinfo=timezone.utc)),
    }
    assert all(r["bsp"] is None for r in removed.values())
    winner = next(r for r in record.runners if r["status"] == "WINNER")
    assert (winner["runner_name"], winner["bsp"], winner["last_traded_price"], winner["last_traded_price_final"]) \
        == ("Brother Mcgonagall", Decimal("4.15"), Decimal("4.0"), Decimal("1.01"))
    assert winner["total_matched"] is None and market["total_matched"] is None  # BASIC: ltp only, no volumes
    # REMOVED runners have no price rows at all (both were removed hours before the first scheduled instant)
    assert not {p["selection_id"] for p in record.prices} & set(removed)
    in_play = [p for p in record.prices if p["snapshot_kind"] == "in_play"]
    assert len(in_play) == 12
    row = next(p for p in in_play if p["selection_id"] == 12115648)
    assert (row["in_play_min_price"], row["in_play_max_price"]) == (Decimal("1.01"), Decimal("7.0"))


def test_runner_names_from_the_catalogue_when_the_stream_has_none(tmp_path):
    """PRO definitions name runners only late; a stream without names takes the catalogue's runnerName."""
    source = shared_path("betfair-historical", "1.197931750")
    catalogue = source.with_name("1.197931750.catalogue.json")
    lines = []
    for msg in messages(source):
        for runner in msg["mc"][0].get("marketDefinition", {}).get("runners", []):
            runner.pop("name", None)
        lines.append(json.dumps(msg))
    (tmp_path / "1.197931750").write_text("\n".join(lines) + "\n")
    (tmp_path / "1.197931750.catalogue.json").write_bytes(catalogue.read_bytes())
    expected = {r["selectionId"]: r["runnerName"] for r in json.loads(catalogue.read_text())["runners"]}
    [record] = read_markets([tmp_path])
    assert {r["selection_id"]: r["runner_name"] for r in record.runners} == expected
    assert expected[37947503] == "2. Sandwood Jet"
    (tmp_path / "1.197931750.catalogue.json").unlink()
    [bare] = read_markets([tmp_path])
    assert {r["runner_name"] for r in bare.runners} == {None}


def test_peek_reads_only_the_first_definition():
    folder = shared_path("betfair-historical")
    assert sorted((mid, day) for _, mid, day in peek_markets(folder)) == [
        ("1.132153978", date(2017, 6, 14)), ("1.197931750", date(2022, 4, 19)), ("1.197931751", date(2022, 4, 19))]
