"""The exchange demo's stream files: byte-for-byte deterministic, read by betfairlightweight (the reference parser),
every price on Betfair's ladder, settled as the synthetic races were, and carrying the planted late-steamer edge
with its known answer (measured from the files as a user would: best back at T-10 min, last pre-off, BSP, result).
"""
from __future__ import annotations

import bz2
import hashlib
import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import betfairlightweight
import numpy as np
import pandas as pd
import pytest
from betfairlightweight.streaming import StreamListener

from backtests.betting.price_ladder import PRICES, on_ladder
from ingestion.sources.synthetic import SyntheticSource
from ingestion.sources.synthetic.exchange_streams import write_exchange_demo
from ingestion.sources.synthetic.tracks import TRACKS

DAYS = (date(2025, 12, 5), date(2025, 12, 6))  # Friday and Saturday: four US tracks, GB and Australian dogs
EDGE_DAYS = (date(2025, 12, 1), date(2025, 12, 14))  # two weeks, what `make up` writes


def plain(path: Path, tmp: Path) -> Path:
    """betfairlightweight opens files as text: decompress a .bz2 market beside the test first."""
    if path.suffix != ".bz2":
        return path
    out = tmp / path.stem
    out.write_bytes(bz2.decompress(path.read_bytes()))
    return out


def messages(path: Path) -> list[dict]:
    data = path.read_bytes()
    return [json.loads(line) for line in (bz2.decompress(data) if path.suffix == ".bz2" else data).splitlines()]


def books(path: Path, tmp: Path) -> list[dict]:
    client = betfairlightweight.APIClient("u", "p", app_key="k")
    stream = client.streaming.create_historical_generator_stream(
        file_path=str(plain(path, tmp)), listener=StreamListener(max_latency=None, lightweight=True))
    return [b[0] for b in stream.get_generator()()]


def final_definition(path: Path) -> dict:
    return messages(path)[-1]["mc"][0]["marketDefinition"]


def epoch_ms(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() * 1000)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> list[Path]:
    return write_exchange_demo(tmp_path_factory.mktemp("exchange"), *DAYS)


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory) -> list[Path]:
    return write_exchange_demo(tmp_path_factory.mktemp("fortnight"), *EDGE_DAYS)


def test_same_seed_writes_the_same_bytes_whatever_the_range(demo, fortnight):
    root, long_root = demo[0].parents[5], fortnight[0].parents[5]
    digest = hashlib.sha256()
    for path in demo:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
        assert path.read_bytes() == (long_root / path.relative_to(root)).read_bytes()
    assert (len(demo), sum(p.suffix == ".bz2" for p in demo), len(fortnight)) == (159, 13, 801)
    assert digest.hexdigest() == "3823971d1e8e06ab54d6c04d26d47d49c3cb524a3c754796d72e5ed6a7b3f840"


def test_the_ladder():
    assert (len(PRICES), PRICES[0], PRICES[99], PRICES[-1]) == (350, 1.01, 2.0, 1000.0)
    assert [on_ladder(p) for p in ("3.05", "3.06", "6.2", "6.3", "19.5", "21", "22.5", "1000", "1010")] == \
        [True, False, True, False, True, True, False, True, False]


def test_every_price_is_on_the_ladder_and_books_never_cross(demo):
    prices = set()
    for path in demo:
        for m in messages(path):
            for rc in m["mc"][0].get("rc", []):
                prices.update(p for side in ("atb", "atl", "trd") for p, _ in rc.get(side, []))
                prices.update([rc["ltp"]] if "ltp" in rc else [])
    assert all(on_ladder(p) for p in prices) and len(prices) > 300


def test_betfairlightweight_replays_every_file(demo, tmp_path):
    for path in demo:
        replay = books(path, tmp_path)
        assert len(replay) == len(messages(path))
        for book in replay:
            for r in book["runners"]:
                atb, atl = r["ex"]["availableToBack"], r["ex"]["availableToLay"]
                if atb and atl and book["status"] == "OPEN":
                    assert atb[0]["price"] < atl[0]["price"], (path.name, book["publishTime"])
        end = replay[-1]
        assert (end["status"], end["bspReconciled"]) == ("CLOSED", True)
        runners = [r for r in end["runners"] if r["status"] != "REMOVED"]
        assert {r["status"] for r in runners} <= {"WINNER", "LOSER"} and any(r["status"] == "WINNER" for r in runners)
        assert all(r["sp"]["actualSP"] >= 1.01 and r["lastPriceTraded"] for r in runners)


def test_horse_markets_settle_as_the_synthetic_races(demo):
    batch = SyntheticSource(seed=7, start=DAYS[0], end=DAYS[1]).read(*DAYS)
    races = batch.races.assign(venue=batch.races.track_code.map({c: t.name for c, t in TRACKS.items()}))
    race_at = {(r.venue, r.post_time.strftime("%Y-%m-%dT%H:%M:%S.000Z")): r.race_id for r in races.itertuples()}
    horse = {(r.race_id, r.horse_number): r for r in batch.runners.itertuples()}
    markets = [d for d in map(final_definition, demo) if d["eventTypeId"] == "7"]
    assert len(markets) == len(races) == 91
    ratios = []
    for d in markets:
        race_id = race_at[(d["venue"], d["marketTime"])]
        assert (d["countryCode"], d["turnInPlayEnabled"], d["inPlay"]) == ("US", True, True)
        for r in d["runners"]:
            h = horse[(race_id, r["sortPriority"])]
            assert r["name"] == h.horse_name
            won = pd.notna(h.finish_position) and h.finish_position == 1
            expected = "REMOVED" if h.status == "scratched" else "WINNER" if won else "LOSER"
            assert r["status"] == expected
            if expected == "REMOVED":
                assert r["adjustmentFactor"] > 0 and epoch_ms(r["removalDate"]) < epoch_ms(d["marketTime"])
                assert "bsp" not in r
            else:
                ratios.append(r["bsp"] / float(h.final_odds))
    assert sum(r["status"] == "REMOVED" for d in markets for r in d["runners"]) == \
        int((batch.runners.status == "scratched").sum()) > 0
    # BSP: the tote's odds without its 17 % takeout and favourite-longshot bias
    assert 1.0 < min(ratios) and max(ratios) < 2.2 and 1.2 < float(np.median(ratios)) < 1.4


def test_greyhound_meetings(demo):
    markets = [d for d in map(final_definition, demo) if d["eventTypeId"] == "4339"]
    by_country = pd.Series([d["countryCode"] for d in markets]).value_counts().to_dict()
    assert by_country == {"GB": 48, "AU": 20}
    for d in markets:
        traps = [r["sortPriority"] for r in d["runners"]]
        assert traps == list(range(1, (6 if d["countryCode"] == "GB" else 8) + 1))
        assert all(re.fullmatch(rf"{r['sortPriority']}\. [A-Z][a-z]+ [A-Z][a-z]+", r["name"]) for r in d["runners"])
        assert (d["turnInPlayEnabled"], d["inPlay"], d["status"]) == (False, False, "CLOSED")
    for venue in ("Sheffield", "Yarmouth"):
        posts = sorted(epoch_ms(d["marketTime"]) for d in markets if d["venue"] == venue)
        assert len(posts) == 12 and set(np.diff(posts) // 60_000) <= {15, 16, 17}


def test_updates_cover_a_readers_schedule(demo):
    """Every point of the default snapshot schedule (-3600..-300 by 60 s, -290..0 by 10 s) has an update at most one
    step before it, the T-10 min book is published just before -600 s, and spn/spf arrive in the last 5 minutes."""
    for path in demo[::10]:
        ms = messages(path)
        off = epoch_ms(ms[0]["mc"][0]["marketDefinition"]["marketTime"])
        pts = np.array([m["pt"] for m in ms]) - off
        assert (np.diff(pts) > 0).all()
        for point, step in [*((s, 60) for s in range(-3600, -299, 60)), *((s, 10) for s in range(-290, 1, 10))]:
            assert ((pts <= point * 1000) & (pts > (point - step) * 1000)).any(), (path.name, point)
        assert ((pts > -601_000) & (pts <= -600_000)).sum() == 1
        late = [rc for m in ms if -300_000 <= m["pt"] - off <= 0 for rc in m["mc"][0].get("rc", [])]
        assert any("spn" in rc and "spf" in rc for rc in late)


def steam_rows(path: Path) -> list[tuple]:
    """(sport, b10, last pre-off best back, BSP, won) per runner that ran: the best back is tracked from the atb
    deltas (betfairlightweight, which builds every book, replays these files above; this needs two prices)."""
    backs, b10, last, ms = {}, {}, {}, messages(path)
    t10 = epoch_ms(ms[0]["mc"][0]["marketDefinition"]["marketTime"]) - 600_000
    for m in ms:
        mc = m["mc"][0]
        if mc.get("marketDefinition", {}).get("status", "OPEN") != "OPEN":
            break
        for rc in mc.get("rc", []):
            if "atb" in rc:
                book = backs.setdefault(rc["id"], {})
                book.update({p: s for p, s in rc["atb"]})
                best = max((p for p, s in book.items() if s > 0), default=None)
                last[rc["id"]] = best
                if m["pt"] <= t10:
                    b10[rc["id"]] = best
    d = ms[-1]["mc"][0]["marketDefinition"]
    return [(d["eventTypeId"], b10[r["id"]], last[r["id"]], r["bsp"], r["status"] == "WINNER")
            for r in d["runners"] if r["status"] != "REMOVED"]


def test_late_steamers_beat_their_bsp(fortnight):
    """The planted edge's known answer for seed 7 over two weeks: steamers (last pre-off best back <= 0.8 x the
    best back at T-10 min) won 123 races where 1/BSP expects 91.5 (1.34 x); everybody else 679 for 709.8 (0.96 x)."""
    frame = pd.DataFrame([row for path in fortnight for row in steam_rows(path)],
                         columns=["sport", "b10", "last", "bsp", "won"])
    frame["steam"] = frame["last"] <= 0.8 * frame["b10"]
    summary = {steam: (len(g), int(g.won.sum()), round(float((1 / g.bsp).sum()), 1))
               for steam, g in frame.groupby("steam")}
    assert summary == {False: (5282, 679, 709.8), True: (626, 123, 91.5)}  # wins vs sum of 1/BSP
