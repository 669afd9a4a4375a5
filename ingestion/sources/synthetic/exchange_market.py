"""One synthetic Betfair WIN market as stream-file lines, shaped like a real PRO file (see ``exchange_streams``).

A ``MarketSpec`` says what the market is and how it ends (runners, BSPs, winner, removals, each runner's pre-off
story); ``market_lines`` replays it as ``mcm`` messages: an image (full definition plus every ladder), price deltas
only for runners whose book, trades or projected BSP changed, a definition whenever the market's state changes
(a removal, SUSPENDED at the off with the BSPs reconciled, in play for horse racing, CLOSED with the result).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from backtests.betting.price_ladder import PRICES, TICKS
from ingestion.sources.synthetic import exchange_paths as paths

_P = [repr(p) for p in PRICES.tolist()]  # JSON text of each ladder price
COMMISSION_PCT = 5.0


@dataclass(frozen=True)
class RunnerSpec:
    selection_id: int
    name: str
    sort_priority: int
    result: str  # WINNER / LOSER / REMOVED
    bsp: float | None = None  # None when REMOVED
    move: str = "flat"  # steam / drift / flat: what the price does between T-10 min and the off
    share: float = 0.0  # a REMOVED runner's win chance before it went (its adjustment factor / 100)
    removed_at_s: float | None = None  # seconds from marketTime at which a REMOVED runner goes (negative)


@dataclass(frozen=True)
class MarketSpec:
    market_id: str
    event_id: str
    event_type_id: str  # "7" horse racing, "4339" greyhounds
    event_name: str
    market_name: str
    venue: str
    country_code: str
    timezone: str
    market_time: datetime  # UTC, the scheduled off
    open_date: datetime
    runners: tuple[RunnerSpec, ...]
    key: tuple[int, ...]  # the market's own random stream
    turn_in_play: bool = False
    adjustment_factors: bool = False  # horse racing publishes reduction factors for every runner
    off_delay_s: int = 0  # how late the race actually goes off
    race_s: float = 30.0
    matched: float = 10_000.0  # GBP matched by the off


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


class _Writer:
    """Keeps each runner's published ladders, trades and definition state; turns frames into lines."""

    def __init__(self, spec: MarketSpec, rng: np.random.Generator):
        self.spec, self.rng = spec, rng
        self.lines: list[str] = []
        self.ms0 = int(spec.market_time.timestamp() * 1000)
        self.clk = int(spec.market_id.split(".")[1]) % 10_000_000 * 1000
        self.version = int(spec.market_id.split(".")[1]) * 10
        self.clk_steps = iter(rng.integers(1, 51, 1024).tolist())  # a market has a few hundred messages
        n = len(spec.runners)
        self.ids = [r.selection_id for r in spec.runners]
        self.books: list[tuple[dict, dict]] = [({}, {}) for _ in range(n)]
        self.shown: list[tuple[int, int]] = [(-1, -1)] * n  # (best back, best lay) ladder indexes on show
        self.table: list = []
        self.traded: list[dict] = [{} for _ in range(n)]
        self.ltp: list[int] = [-1] * n
        self.tv: list[int] = [0] * n
        self.status = ["ACTIVE"] * n
        self.removal: dict[int, str] = {}
        self.factors: list[float] | None = None

    # ---------- messages (assembled as text: json.dumps per message was most of the generator's time)
    def emit(self, pt: int, rc: list[str] | None = None, definition: dict | None = None, img: bool = False):
        if definition is None and not rc:
            return
        mc = '{"id":"' + self.spec.market_id + '"'
        if definition is not None:
            mc += ',"marketDefinition":' + json.dumps(definition, separators=(",", ":"))
        if rc:
            mc += ',"rc":[' + ",".join(rc) + "]"
        if img:
            mc += ',"img":true'
        self.clk += next(self.clk_steps)
        self.lines.append(f'{{"op":"mcm","clk":"{self.clk}","pt":{pt},"mc":[{mc}}}]}}')

    def definition(self, status: str, in_play: bool, reconciled: bool, settled_ms: int | None = None) -> dict:
        s = self.spec
        self.version += 1 + int(self.rng.integers(0, 1000))
        runners = []
        for i, r in enumerate(s.runners):
            entry: dict = {}
            if s.adjustment_factors:
                entry["adjustmentFactor"] = self.factors[i]
            entry["status"] = self.status[i]
            entry["sortPriority"] = r.sort_priority
            if i in self.removal:
                entry["removalDate"] = self.removal[i]
            if reconciled and r.bsp is not None:
                entry["bsp"] = r.bsp
            entry["id"], entry["name"] = r.selection_id, r.name
            runners.append(entry)
        active = sum(st == "ACTIVE" for st in self.status)
        d = {"bspMarket": True, "turnInPlayEnabled": s.turn_in_play, "persistenceEnabled": s.turn_in_play,
             "marketBaseRate": COMMISSION_PCT, "eventId": s.event_id, "eventTypeId": s.event_type_id,
             "numberOfWinners": 1, "bettingType": "ODDS", "marketType": "WIN", "marketTime": _iso(s.market_time),
             "suspendTime": _iso(s.market_time), "bspReconciled": reconciled, "complete": True, "inPlay": in_play,
             "crossMatching": status == "OPEN", "runnersVoidable": False, "numberOfActiveRunners": active,
             "betDelay": 1 if in_play else 0, "status": status}
        if settled_ms is not None:
            d["settledTime"] = _iso(datetime.fromtimestamp(settled_ms / 1000, s.market_time.tzinfo))
        d.update({"runners": runners, "regulators": ["MR_INT"], "venue": s.venue, "countryCode": s.country_code,
                  "discountAllowed": True, "timezone": s.timezone, "openDate": _iso(s.open_date),
                  "version": self.version, "priceLadderDefinition": {"type": "CLASSIC"}, "name": s.market_name,
                  "eventName": s.event_name})
        return d

    # ---------- runner changes
    def runner_changes(self, busy, back, gap, churn, churn_lay, churn_factor, traded, trade_lay, spn, spf) -> list[str]:
        """One frame's ``rc`` entries as JSON text for the ``busy`` runners: those whose book may have changed
        (moved, churned, removed), that traded or that have a new spn/spf; the others have nothing to say."""
        rc = []
        books, shown, tables, ids = self.books, self.shown, self.table, self.ids
        for i in busy:
            sid, parts = ids[i], []
            b = back[i]
            if b < 0:
                old_back, old_lay = books[i]
                if old_back or old_lay:  # removed: its ladders go
                    parts.append('"atb":[' + ",".join(f"[{_P[x]},0]" for x in old_back) + "]")
                    parts.append('"atl":[' + ",".join(f"[{_P[x]},0]" for x in old_lay) + "]")
                    books[i], shown[i] = ({}, {}), (-1, -1)
                    rc.append("{" + ",".join(parts) + f',"id":{sid}}}')
                continue
            lay0 = b + gap[i]
            level = churn[i]
            if level >= 0:
                sizes = tables[i][1 if churn_lay[i] else 0]
                x = lay0 + level if churn_lay[i] else b - level
                if 0 <= x < TICKS:
                    sizes[x] = max(100, round(sizes[x] * churn_factor[i]))
            if level >= 0 or (b, lay0) != shown[i]:
                old_back, old_lay = books[i]
                table = tables[i]
                new_back = {x: table[0][x] for x in range(b, max(b - paths.DEPTH, -1), -1)}
                new_lay = {x: table[1][x] for x in range(lay0, min(lay0 + paths.DEPTH, TICKS))}
                for side, old, new in (('"atb":[', old_back, new_back), ('"atl":[', old_lay, new_lay)):
                    delta = [f"[{_P[x]},{c / 100}]" for x, c in new.items() if old.get(x) != c]
                    delta += [f"[{_P[x]},0]" for x in old if x not in new]
                    if delta:
                        parts.append(side + ",".join(delta) + "]")
                books[i], shown[i] = (new_back, new_lay), (b, lay0)
            if spn is not None and spn[i] == spn[i]:  # not NaN
                parts.append(f'"spn":{spn[i]},"spf":{spf[i]}')
            if traded[i] > 0:
                at = lay0 if trade_lay[i] else b
                cum = self.traded[i][at] = self.traded[i].get(at, 0) + traded[i]
                self.tv[i] += traded[i]
                parts.append(f'"trd":[[{_P[at]},{cum / 100}]]')
                if self.ltp[i] != at:
                    parts.append(f'"ltp":{_P[at]}')
                    self.ltp[i] = at
                parts.append(f'"tv":{self.tv[i] / 100}')
            if parts:
                rc.append("{" + ",".join(parts) + f',"id":{sid}}}')
        return rc

    def play(self, f: paths.Frames, changes: dict | None = None, in_play: bool = False) -> int:
        """Emit one message per frame; ``changes`` maps a frame to a state change (a callable taking the publish
        time) whose definition goes out with it; frame 0 of the pre-off frames is the image. Returns the last pt."""
        self.table = f.table.tolist()
        no_sp = [None] * len(f.offset_s)
        moved = np.vstack([np.ones((1, f.back.shape[1]), bool), f.back[1:] != f.back[:-1]])
        if f.spn is not None:
            moved |= ~np.isnan(f.spn)
        rows, cols = np.nonzero(moved | (f.churn >= 0) | (f.traded > 0))
        busy = np.split(cols, np.searchsorted(rows, np.arange(1, len(f.offset_s))))
        columns = zip([b.tolist() for b in busy], f.back.tolist(), f.gap.tolist(), f.churn.tolist(),
                      f.churn_lay.tolist(), f.churn_factor.tolist(), f.traded.tolist(), f.trade_lay.tolist(),
                      no_sp if f.spn is None else f.spn.tolist(), no_sp if f.spf is None else f.spf.tolist())
        jitter = self.rng.integers(0, 400, len(f.offset_s)).tolist()
        pt = self.ms0
        for k, (offset, frame) in enumerate(zip(f.offset_s.tolist(), columns)):
            pt = self.ms0 + int(round(offset * 1000)) - jitter[k]
            definition = None
            if changes and k in changes:
                changes[k](pt)
                definition = self.definition("OPEN", in_play, False)
            self.emit(pt, self.runner_changes(*frame), definition, img=k == 0 and not in_play)
        return pt


def market_lines(spec: MarketSpec) -> list[str]:
    """The market's stream file, one JSON message per line (without newlines)."""
    rng = np.random.default_rng(list(spec.key))
    runners, n = spec.runners, len(spec.runners)
    offsets = paths.pre_off_offsets(rng, spec.off_delay_s)
    removed = np.array([r.result == "REMOVED" for r in runners])
    price = np.array([r.bsp if r.bsp is not None else 1 / r.share for r in runners])
    chance = np.where(removed, 0.0, 1 / price)
    chance /= chance.sum()
    gone_at = {i: int(np.searchsorted(offsets, r.removed_at_s)) for i, r in enumerate(runners) if removed[i]}
    pending = np.zeros((len(offsets), n))
    for j, kj in gone_at.items():
        pending[:kj, ~removed] += runners[j].share
        pending[kj:, j] = np.nan
    weights = np.where(removed, [r.share for r in runners], chance)
    weights /= weights.sum()
    matched = spec.matched * 100
    pre = paths.pre_off(rng, offsets, np.log(price), [r.move for r in runners], pending, weights, matched)

    w = _Writer(spec, rng)
    shares = np.where(removed, [r.share for r in runners], 0.0)

    def factors_at(k: int) -> list[float]:
        still = np.array([removed[i] and gone_at[i] > k for i in range(n)])
        left = 1 - shares[still].sum()
        return np.round(np.where(removed, shares, chance * left) * 100, 2).tolist()

    def start(pt: int) -> None:
        w.factors = factors_at(0)

    def removal(k: int):
        def apply(pt: int) -> None:
            w.factors = factors_at(k)
            for j, kj in gone_at.items():
                if kj == k:
                    w.status[j] = "REMOVED"
                    w.removal[j] = _iso(datetime.fromtimestamp(pt // 1000, spec.market_time.tzinfo))
        return apply

    changes = {0: start, **{kj: removal(kj) for kj in sorted(set(gone_at.values()))}}
    w.play(pre, changes)

    off = w.ms0 + spec.off_delay_s * 1000 + int(rng.integers(0, 1000))
    w.emit(off, definition=w.definition("SUSPENDED", False, True))
    end = off + int(spec.race_s * 1000)
    if spec.turn_in_play:
        w.emit(off + 1000 + int(rng.integers(0, 900)), definition=w.definition("OPEN", True, True))
        winners = np.array([r.result == "WINNER" for r in runners])
        final = np.where(winners, 1 / max(winners.sum(), 1), 0.0)
        running = paths.in_play(rng, (off - w.ms0) / 1000, spec.race_s, chance, final, weights, matched, ~removed)
        end = max(end, w.play(running, in_play=True))
        w.emit(end + 2000, definition=w.definition("SUSPENDED", True, True))
    settled = end + int(rng.integers(45_000, 150_000))
    w.status = [r.result for r in runners]
    closed = w.definition("CLOSED", spec.turn_in_play, True, settled_ms=settled - settled % 1000)
    closed["numberOfActiveRunners"] = 0
    w.emit(settled + int(rng.integers(1000, 20_000)), definition=closed)
    return w.lines

