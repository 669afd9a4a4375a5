"""Handcrafted Betfair stream messages for tests: tiny markets whose books are known by heart.

Real files (``../shared/data/betfair-historical``) are what the reader is proven on; these exist so tests that need
*a* market (the reader's book rules, the landing-folder sensor, the simulated race day) run without ``../shared`` and in
milliseconds, in the real shape: an image with the definition and ladders, deltas, a suspension at the off, and a
closing definition with runner statuses and BSP (``write_market``)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

OFF = datetime(2024, 5, 1, 14, 0, tzinfo=timezone.utc)
OFF_MS = int(OFF.timestamp() * 1000)


def definition(status: str = "OPEN", in_play: bool = False, removed: tuple[int, ...] = (), **runner_extra) -> dict:
    runners = [{"id": sid, "sortPriority": n, "status": "REMOVED" if sid in removed else "ACTIVE",
                **runner_extra.get(f"r{sid}", {})} for n, sid in enumerate((11, 22, 33), 1)]
    return {"marketTime": "2024-05-01T14:00:00.000Z", "status": status, "inPlay": in_play, "eventTypeId": "4339",
            "marketType": "WIN", "numberOfWinners": 1, "venue": "Romford", "runners": runners}


def mcm(offset_s: float, rc: list | None = None, d: dict | None = None, img: bool = False,
        market_id: str = "1.500") -> str:
    mc: dict = {"id": market_id}
    if img:
        mc["img"] = True
    if d is not None:
        mc["marketDefinition"] = d
    if rc is not None:
        mc["rc"] = rc
    return json.dumps({"op": "mcm", "clk": "1", "pt": OFF_MS + int(offset_s * 1000), "mc": [mc]})


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _definition(market_time: datetime, runners: int, status: str, *, event_type: str, venue: str,
                results: dict[int, tuple[str, float]] | None = None) -> dict:
    entries = []
    for trap in range(1, runners + 1):
        runner = {"status": "ACTIVE", "sortPriority": trap, "id": 1000 + trap, "name": f"{trap}. Runner {trap}"}
        if results:
            runner["status"], runner["bsp"] = results[trap]
        entries.append(runner)
    return {"bspMarket": True, "turnInPlayEnabled": False, "marketBaseRate": 5, "eventId": "900001",
            "eventTypeId": event_type, "numberOfWinners": 1, "bettingType": "ODDS", "marketType": "WIN",
            "marketTime": market_time.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "inPlay": False, "status": status,
            "bspReconciled": bool(results), "complete": True, "numberOfActiveRunners": runners,
            "runners": entries, "venue": venue, "countryCode": "GB", "timezone": "Europe/London",
            "openDate": (market_time - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")}


def write_market(path: Path, market_id: str, market_time: datetime, *, runners: int = 6, event_type: str = "4339",
                 venue: str = "Testford", winner: int = 1) -> Path:
    """A settled WIN market: trap ``winner`` wins; trap n is priced back (n + 1.0), lay one tick above, BSP n + 1.1."""
    lines = []

    def message(at: datetime, market: dict) -> None:
        lines.append(json.dumps({"op": "mcm", "clk": str(len(lines)), "pt": _ms(at),
                                 "mc": [{"id": market_id, **market}]}))

    start = market_time - timedelta(minutes=15)
    message(start, {"img": True, "marketDefinition": _definition(market_time, runners, "OPEN", event_type=event_type,
                                                                 venue=venue),
                    "rc": [{"id": 1000 + t, "atb": [[t + 1.0, 50.0], [t + 0.9, 20.0]],
                            "atl": [[t + 1.1, 40.0], [t + 1.2, 10.0]]} for t in range(1, runners + 1)]})
    message(market_time - timedelta(minutes=1),
            {"rc": [{"id": 1000 + t, "trd": [[t + 1.0, 12.5]], "ltp": t + 1.0, "tv": 12.5}
                    for t in range(1, runners + 1)]})
    message(market_time, {"marketDefinition": _definition(market_time, runners, "SUSPENDED", event_type=event_type,
                                                          venue=venue)})
    results = {t: ("WINNER" if t == winner else "LOSER", t + 1.1) for t in range(1, runners + 1)}
    message(market_time + timedelta(minutes=2), {"marketDefinition": _definition(
        market_time, runners, "CLOSED", event_type=event_type, venue=venue, results=results)})
    path.write_text("\n".join(lines) + "\n")
    return path
