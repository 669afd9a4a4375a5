"""Handcrafted Betfair stream messages for the exchange reader's tests: tiny markets whose books are known by heart."""
from __future__ import annotations

import json
from datetime import datetime, timezone
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
