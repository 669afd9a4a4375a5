"""``SyntheticSource``: the demo default, US-style results generated on demand from a seed.

A read builds each (track, racing day) card from its own random stream (``card``), settles every race at once
(``outcome``) and prices the pools (``payouts``). The cast (``population``) is fixed by the seed, so reading
[d1, d2] and then [d3, d4] gives exactly the rows of reading [d1, d4]. Dates outside the configured
[start, end] are simply not racing days of this source.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cached_property

import numpy as np
import pandas as pd

from ingestion.schema import RawBatch, empty_batch
from ingestion.sources.base import HistoricalSource
from ingestion.sources.common import canonical
from ingestion.sources.synthetic import card as cards
from ingestion.sources.synthetic import model, outcome, payouts, population
from ingestion.sources.synthetic.tracks import Track, epoch_day, from_epoch, get_track, post_times, race_days

DEFAULT_TRACKS = ("BEL", "CD", "SA", "DMR", "AQU")
WET_GOINGS, SOFT_TURF = set(model.WET_GOINGS), {"yielding", "soft"}


def _cents(value: int, cache: dict[int, Decimal] = {}) -> Decimal:  # noqa: B006 - deliberate memo
    if value not in cache:
        cache[value] = Decimal(int(value)).scaleb(-2)
    return cache[value]


class SyntheticSource(HistoricalSource):
    """Deterministic synthetic US racing: see ``ingestion.sources.synthetic`` for the model and planted edges."""

    name = "synthetic"

    def __init__(self, seed: int = 7, start: date = date(2024, 1, 1), end: date = date(2025, 12, 31),
                 tracks: tuple[str, ...] = DEFAULT_TRACKS, pools: tuple[str, ...] | None = None):
        """``pools``: the dividend pools to settle (None: all of them). Settling is most of the generation's time and
        a backtest frame reads only the win dividends; a pool left out changes nothing in the others."""
        if not tracks:
            raise ValueError("SyntheticSource needs at least one track")
        self.seed, self.start, self.end = int(seed), start, end
        self.pools = None if pools is None else frozenset(pools)
        # Canonical order (by Track.index), so ("CD", "BEL") and ("BEL", "CD") generate identical frames.
        self.tracks: tuple[Track, ...] = tuple(sorted({get_track(c) for c in tracks}, key=lambda t: t.index))

    # ---------- the cast
    @cached_property
    def _horses(self) -> population.Horses:
        return population.horses(self.seed, self.tracks, self.start.year, self.end.year)

    @cached_property
    def _people(self) -> dict[str, dict[str, np.ndarray]]:
        out = {}
        for kind, make in (("jockey", population.jockeys), ("trainer", population.trainers)):
            groups = [make(self.seed, t) for t in self.tracks]
            out[kind] = {f: np.concatenate([getattr(g, f) for g in groups]) for f in ("ids", "names", "effect")}
            out[kind]["offset"] = np.cumsum([0] + [len(g.ids) for g in groups[:-1]])
        return out

    def population(self) -> pd.DataFrame:
        """Every horse that can race in [start, end], with its hidden attributes (planted edges included)."""
        h = self._horses
        first, last = epoch_day(self.start), epoch_day(self.end)
        keep = (h.debut_day <= last) & (h.last_day >= first) & (h.debut_day > 0)
        slot = {t.index: i for i, t in enumerate(self.tracks)}
        trainer_row = self._people["trainer"]["offset"][[slot[t] for t in h.track]] + h.trainer
        codes = {t.index: t.code for t in self.tracks}
        frame = pd.DataFrame({
            "horse_id": h.ids, "horse_name": h.names, "foaled": h.foaled,
            "home_track": [codes[t] for t in h.track], "trainer_id": self._people["trainer"]["ids"][trainer_row],
            "ability": h.ability, "turf_affinity": h.turf_aff, "synthetic_affinity": h.synth_aff,
            "best_distance_f": h.best_dist, "wet_affinity": h.wet_aff, "wet_specialist": h.wet_specialist,
            "debut_date": [from_epoch(d) for d in h.debut_day], "last_start_date": [from_epoch(d) for d in h.last_day],
        })
        return frame[keep].reset_index(drop=True)

    def people(self, kind: str) -> pd.DataFrame:
        """``kind`` = "jockey" or "trainer": id, name, track and the strength effect of each person."""
        p = self._people[kind]
        tracks = [t.code for t, n in zip(self.tracks, np.diff([*p["offset"], len(p["ids"])])) for _ in range(n)]
        return pd.DataFrame({f"{kind}_id": p["ids"], f"{kind}_name": p["names"], "track": tracks,
                             "effect": p["effect"]})

    # ---------- HistoricalSource
    def available_dates(self) -> list[date]:
        first, last = epoch_day(self.start), epoch_day(self.end)
        days = np.unique(np.concatenate([race_days(t, first, last) for t in self.tracks] or [np.array([], int)]))
        return [from_epoch(d) for d in days]

    def read(self, start: date, end: date) -> RawBatch:
        first, last = epoch_day(max(start, self.start)), epoch_day(min(end, self.end))
        if first > last:
            return empty_batch()
        days = self._cards(first, last)
        if not days:
            return empty_batch()
        return self._settle(days)

    # ---------- generation
    def _cards(self, first: int, last: int) -> list[tuple[Track, int, cards.DayCard]]:
        h = self._horses
        by_track = []
        for t in self.tracks:
            rows = np.flatnonzero(h.track == t.index)
            s = np.flatnonzero(np.isin(h.sched_horse, rows) & (h.sched_day >= first) & (h.sched_day <= last))
            s = s[np.lexsort((h.sched_horse[s], h.sched_day[s]))]
            jockeys = population.jockeys(self.seed, t)
            by_track.append((t, rows, h.sched_day[s], h.sched_horse[s], h.sched_no[s], jockeys))
        events = sorted((d, i) for i, entry in enumerate(by_track) for d in race_days(entry[0], first, last))
        out = []
        for day, i in events:
            t, rows, s_day, s_horse, s_no, jockeys = by_track[i]
            a, b = np.searchsorted(s_day, day), np.searchsorted(s_day, day, side="right")
            active = rows[(h.debut_day[rows] < day) & (h.last_day[rows] >= day)]
            c = cards.build_day(self.seed, t, int(day), s_horse[a:b], s_no[a:b], active, h, jockeys)
            if c is not None:
                out.append((t, int(day), c))
        return out

    def _settle(self, days: list[tuple[Track, int, cards.DayCard]]) -> RawBatch:
        h, people = self._horses, self._people
        slot = {t.index: i for i, t in enumerate(self.tracks)}
        race_offset = np.cumsum([0] + [len(c.race_number) for _, _, c in days[:-1]])
        cat = lambda f: np.concatenate([getattr(c, f) for _, _, c in days])  # noqa: E731
        horse = cat("horse")
        r = {"race": np.concatenate([c.race + off for (_, _, c), off in zip(days, race_offset)]),
             "post": cat("post"), "debut": cat("debut"), "z": cat("z"), "u": cat("u")}
        jockey = np.concatenate([c.jockey + people["jockey"]["offset"][slot[t.index]] for t, _, c in days])
        trainer = people["trainer"]["offset"][[slot[t] for t in h.track[horse]]] + h.trainer[horse]
        r.update(ability=h.ability[horse], foaled=h.foaled[horse], turf_aff=h.turf_aff[horse],
                 synth_aff=h.synth_aff[horse], best_dist=h.best_dist[horse], wet_aff=h.wet_aff[horse],
                 wet_specialist=h.wet_specialist[horse], jockey_effect=people["jockey"]["effect"][jockey],
                 trainer_effect=people["trainer"]["effect"][trainer],
                 debut_trainer=people["trainer"]["ids"][trainer] == model.DEBUT_TRAINER_ID)
        going = [g for _, _, c in days for g in c.going]
        surface = cat("surface")
        races = {"surface": surface, "distance": cat("distance"), "tier": cat("tier"), "ru": cat("ru"),
                 "rz": cat("rz"),
                 "year": np.concatenate([np.full(len(c.race_number), from_epoch(d).year) for _, d, c in days]),
                 "wet_dirt": (surface == 0) & np.array([g in WET_GOINGS for g in going]),
                 "soft_turf": (surface == 1) & np.array([g in SOFT_TURF for g in going]),
                 "going_time": np.array([outcome.GOING_TIME[g] for g in going])}
        res = outcome.run(r, races)

        race_ids, race_dates, posts, refs = [], [], [], []
        for t, d, c in days:
            day = from_epoch(d)
            numbers = c.race_number.tolist()
            race_ids += [f"{t.code}-{day:%Y%m%d}-{n:02d}" for n in numbers]
            race_dates += [day] * len(numbers)
            posts += post_times(t, d, numbers, (c.ru[:, outcome.RU_JITTER] * 5).astype(int).tolist())
            refs += [f"synthetic seed={self.seed} {t.code} {day.isoformat()} R{n}" for n in numbers]
        race_ids, race_dates = np.array(race_ids, dtype=object), np.array(race_dates, dtype=object)
        race_of = r["race"]
        races_frame = pd.DataFrame({
            "race_id": race_ids, "race_date": race_dates,
            "track_code": np.concatenate([[t.code] * len(c.race_number) for t, _, c in days]),
            "race_number": np.concatenate([c.race_number for _, _, c in days]),
            "post_time": pd.to_datetime(posts, utc=True), "distance": races["distance"], "distance_unit": "f",
            "surface": np.array(cards.SURFACE_NAMES, dtype=object)[surface], "going": going,
            "race_class": np.array([c[0] for c in cards.CLASSES], dtype=object)[races["tier"]],
            "race_type": np.array([c[1] for c in cards.CLASSES], dtype=object)[races["tier"]],
            "purse": [Decimal(p) for p in cat("purse").tolist()], "currency": "USD", "source_ref": refs,
        })
        runners = pd.DataFrame({
            "race_id": race_ids[race_of], "race_date": race_dates[race_of], "horse_number": r["post"],
            "post_position": r["post"], "horse_id": h.ids[horse], "horse_name": h.names[horse],
            "horse_age": races["year"][race_of] - h.foaled[horse],
            "jockey_id": people["jockey"]["ids"][jockey], "jockey_name": people["jockey"]["names"][jockey],
            "trainer_id": people["trainer"]["ids"][trainer], "trainer_name": people["trainer"]["names"][trainer],
            "weight_lbs": res.weight, "horse_weight_lbs": None, "morning_line": res.morning_line,
            "final_odds": [None if s == 0 else _cents(100 + 5 * s) for s in res.odds_steps.tolist()],
            "finish_position": pd.arrays.IntegerArray(res.position.astype(np.int64), res.position == 0),
            "status": res.status, "margin_lengths": res.margin, "finish_time_s": res.time,
        })
        return RawBatch(canonical(races_frame, "races"), canonical(runners, "runners"),
                        self._dividends(res, r, race_ids, race_dates, races["rz"]))

    def _dividends(self, res: outcome.Result, r: dict, race_ids, race_dates, rz) -> pd.DataFrame:
        order = res.order[res.finished[res.order] & (res.rank[res.order] <= 4)]
        cols = [r["race"][order], res.position[order], r["post"][order], res.p_public[order], res.win_share[order],
                res.place_share[order], res.show_share[order], res.odds_steps[order]]
        rows_by_race: dict[int, list[tuple]] = {}
        for race, *values in zip(*(c.tolist() for c in cols)):
            rows_by_race.setdefault(race, []).append(tuple(values))
        noise = rz[:, [outcome.RZ_EXACTA, outcome.RZ_TRIFECTA, outcome.RZ_SUPERFECTA]].tolist()
        idx, pools, combos, cents = [], [], [], []
        for race, top in rows_by_race.items():
            for pool, combo, c in payouts.race_dividends(top, tuple(noise[race]), self.pools):
                idx.append(race), pools.append(pool), combos.append(combo), cents.append(c)
        idx = np.array(idx, dtype=np.int64)
        frame = pd.DataFrame({"race_id": race_ids[idx], "race_date": race_dates[idx], "pool": pools,
                              "combination": combos, "dividend": [_cents(c) for c in cents], "stake_unit": 2,
                              "currency": "USD"})
        return canonical(frame, "dividends")
