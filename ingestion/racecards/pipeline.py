"""Race cards and results for one (site, race date, track): fetch -> keep the page -> parse -> gate -> publish.

The unit of work is one meeting so that one track's broken page fails only that track's partition. Each page is
stored before it is parsed (inside the fetcher's ``parse`` hook, so a parse error also lands in ``ops.fetch_log``
with the field it could not read), which makes every parse replayable from ``raw.racecard_pages``.

- Cards go to ``raw.card_races`` / ``raw.card_runners`` (``replace_card_partition``), gated by the card suites.
- Results go to the #2 raw tables through the one loader (``replace_partition`` with ``scope`` = track), gated by the
  ordinary suites, so ``fct_runners`` picks them up exactly like any historical source.
- ``plan_card_refreshes`` decides, from the cards already loaded, which meetings are due a re-scrape or results.

Dagster-free on purpose: the assets and the sensor only wire these functions.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple
from urllib.parse import urlsplit

import pandas as pd
import sqlalchemy as sa

from ingestion.clock import utcnow
from ingestion.gated_load import log_data_quality
from ingestion.http import FetchError, Fetcher
from ingestion.loader import PartitionPayload, quarantine_records, replace_partition
from ingestion.racecards import Card, Results, parse
from ingestion.racecards.pages import CARD_TABLES, StoredPage, latest_page, store_page
from ingestion.schema import META_COLUMNS
from paddock.pgcopy import copy_rows
from quality.gate import GateResult, gate_batch, raise_if_critical
from quality.suites_racecards import gate_card

PATHS = {"card": "cards", "results": "results"}
CHECKPOINTS = (("T-6h", timedelta(hours=6)), ("T-1h", timedelta(hours=1)), ("T-10m", timedelta(minutes=10)))
RESULTS_DELAY = timedelta(minutes=15)  # results become official a little after the last race goes off


@dataclass
class MeetingLoad:
    """What one meeting load did; the assets turn it into metadata and asset-check results."""

    kind: str
    site: str
    track: str
    race_date: date
    url: str = ""
    meeting: bool = True  # False when the site has no card for this track and day
    gate: dict[str, GateResult] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)


def meeting_path(kind: str, track: str, day: date) -> str:
    return f"/{PATHS[kind]}/{track}/{day.isoformat()}"


def fetch_and_keep(engine: sa.Engine, fetcher: Fetcher, base_url: str, site: str, kind: str, track: str,
                   day: date, *, replay: bool = False) -> tuple[str, Card | Results]:
    """(url, parsed page). ``replay`` parses the newest stored version instead of fetching."""
    if replay:
        page = latest_page(engine, site, kind, track, day)
        if page is None:
            raise LookupError(f"no stored {kind} page for {site} {track} {day}; fetch it first")
        return page.url, parse(site, kind, page.body, page.url)

    def keep_then_parse(response) -> Card | Results:
        at = utcnow()
        store_page(engine, StoredPage(response.url, site, kind, track, day, at, response.text))
        return parse(site, kind, response.text, response.url)

    url = base_url.rstrip("/") + meeting_path(kind, track, day)
    response = fetcher.get(url, site=site, parser=f"{site}.{kind}", parse=keep_then_parse)
    return response.url, response.parsed


def card_frames(card: Card, fetched_at: datetime, source_ref: str) -> dict[str, pd.DataFrame]:
    """A parsed card as the two card tables (plus ``distance_furlongs``, which only the gate reads)."""
    batch = card.to_raw_batch(source_ref=source_ref)
    races, runners = batch.races.copy(), batch.runners.copy()
    number_of = {r.race_id: r.race_number for r in card.races}
    changed = {(r.race_number, r.horse_number): r.jockey_changed for r in card.runners}
    runners["scratched"] = runners["status"].eq("scratched")
    runners["jockey_changed"] = [changed.get((number_of.get(rid), n), False)
                                 for rid, n in zip(runners["race_id"], runners["horse_number"])]
    furlongs = {r.race_id: None if r.distance is None else float(r.distance.furlongs) for r in card.races}
    races["distance_furlongs"] = races["race_id"].map(furlongs)
    races["runner_count"] = races["race_id"].map(runners.groupby("race_id").size()).fillna(0).astype(int)
    races["fetched_at"] = runners["fetched_at"] = fetched_at
    return {"card_races": races, "card_runners": runners}


def replace_card_partition(engine: sa.Engine, site: str, day: date, track: str, published: Mapping[str, pd.DataFrame],
                           quarantined: Mapping[str, pd.DataFrame], run_id: str, *, raw: bool = True) -> dict[str, int]:
    """Replace one (site, date, track) card in raw.card_* and quarantine.card_* in one transaction.

    Same contract as ``ingestion.loader.replace_partition`` (readers never see half a card; a re-run gives identical
    rows); with ``raw=False`` only quarantine is replaced, so a card failing the gate leaves the last good one live.
    """
    loaded_at, written = datetime.now(timezone.utc), {}
    key = {"s": site, "p": day, "c": track}
    where = "WHERE _source = %(s)s AND _partition = %(p)s AND _scope = %(c)s"
    with engine.begin() as conn:
        cursor = conn.connection.cursor()
        for table, columns in CARD_TABLES.items():
            cursor.execute(f"DELETE FROM quarantine.{table} {where}", key)
            written[table] = 0
            if raw:
                cursor.execute(f"DELETE FROM raw.{table} {where}", key)
                frame = published.get(table)
                if frame is not None and not frame.empty:
                    rows = frame.reindex(columns=list(columns)).copy()
                    rows["_source"], rows["_partition"], rows["_scope"] = site, day, track
                    rows["_loaded_at"], rows["_run_id"] = loaded_at, run_id
                    written[table] = copy_rows(cursor, f"raw.{table}", {**columns, **META_COLUMNS}, rows)
            rejects = quarantined.get(table)
            if rejects is not None and not rejects.empty:
                q = quarantine_records(rejects.drop(columns=["fetched_at"], errors="ignore"))
                for position, (name, value) in enumerate(
                        (("_source", site), ("_partition", day), ("_scope", track), ("_run_id", run_id))):
                    q.insert(position, name, value)
                q_columns = {"_source": "text", "_partition": "date", "_scope": "text", "_run_id": "text",
                             "record": "jsonb", "reasons": "text[]"}
                written[f"quarantine.{table}"] = copy_rows(cursor, f"quarantine.{table}", q_columns, q)
        cursor.close()
    return written


def _source_ref(site: str, url: str) -> str:
    """Site and path, not host: the same page served from another port must give identical rows."""
    return f"{site} {urlsplit(url).path}"


def load_card(engine: sa.Engine, fetcher: Fetcher, base_url: str, site: str, track: str, day: date, *, run_id: str,
              replay: bool = False, log: Callable[[str], None] = lambda _m: None) -> MeetingLoad:
    """Scrape, gate and publish one meeting's card; raises ``GateFailure`` when the card is unusable as a whole.

    A 404 means the site publishes no card for that track and day (a dark day): the partition is emptied, which also
    removes a card the site has withdrawn (an abandoned meeting).
    """
    report = MeetingLoad("card", site, track, day)
    try:
        report.url, card = fetch_and_keep(engine, fetcher, base_url, site, "card", track, day, replay=replay)
    except FetchError as exc:
        if exc.status != 404:
            raise
        report.meeting = False
        report.written = replace_card_partition(engine, site, day, track, {}, {}, run_id)
        log(f"{site} {track} {day}: no card published (404)")
        return report
    frames = card_frames(card, utcnow(), _source_ref(site, report.url))
    report.gate = gate_card(frames)
    log_data_quality(engine, f"{site}:card:{track}", report.gate, day, day, run_id)
    critical = [r for r in report.gate.values() if r.critical_failure]
    report.written = replace_card_partition(
        engine, site, day, track, {t: r.published for t, r in report.gate.items()},
        {t: r.quarantined for t, r in report.gate.items()}, run_id, raw=not critical)
    for result in critical:
        raise_if_critical(result)
    log(f"{site} {track} {day}: card " + ", ".join(f"{k}={v}" for k, v in report.written.items()))
    return report


def load_results(engine: sa.Engine, fetcher: Fetcher, base_url: str, site: str, track: str, day: date, *,
                 run_id: str, replay: bool = False, log: Callable[[str], None] = lambda _m: None) -> MeetingLoad:
    """Scrape, gate and publish one meeting's results into raw.races/runners/dividends (``_source`` = site,
    ``_scope`` = track). A 404 (results not yet official) raises ``FetchError``: the run fails and can be retried."""
    report = MeetingLoad("results", site, track, day)
    report.url, results = fetch_and_keep(engine, fetcher, base_url, site, "results", track, day, replay=replay)
    batch = results.to_raw_batch(source_ref=_source_ref(site, report.url))
    report.gate = gate_batch(batch.frames())
    log_data_quality(engine, f"{site}:results:{track}", report.gate, day, day, run_id)
    critical = [r for r in report.gate.values() if r.critical_failure]
    payload = PartitionPayload(source=site, partition=day, scope=track,
                               quarantined={t: r.quarantined for t, r in report.gate.items()})
    if not critical:
        payload.published = {t: r.published for t, r in report.gate.items()}
    report.written = replace_partition(engine, payload, run_id, raw=not critical)
    for result in critical:
        raise_if_critical(result)
    log(f"{site} {track} {day}: results " + ", ".join(f"{k}={v}" for k, v in report.written.items()))
    return report


# ---------- refresh planning (the sensor's decision, pure)


class MeetingPosts(NamedTuple):
    race_date: date
    track: str
    first_post: datetime  # tz-aware
    last_post: datetime


class Refresh(NamedTuple):
    kind: str  # "card" | "results"
    race_date: date
    track: str
    checkpoint: str  # "T-6h" | "T-1h" | "T-10m" | "final"

    @property
    def run_key(self) -> str:
        """Deterministic: the same checkpoint of the same meeting is one run however often the sensor ticks."""
        if self.kind == "results":
            return f"results:{self.race_date.isoformat()}:{self.track}"
        return f"card:{self.race_date.isoformat()}:{self.track}:{self.checkpoint}"


def plan_card_refreshes(rows: Iterable[MeetingPosts], now: datetime,
                        already_requested: Iterable[str] = ()) -> list[Refresh]:
    """Per meeting, the latest card checkpoint that has passed before first post (a sensor that was down does not
    replay the earlier ones: the newest card supersedes them), and results once the last race is RESULTS_DELAY old."""
    done, plan = set(already_requested), []
    for m in sorted(rows):
        if now < m.first_post:
            due = [name for name, lead in CHECKPOINTS if now >= m.first_post - lead]
            if due:
                plan.append(Refresh("card", m.race_date, m.track, due[-1]))
        if now >= m.last_post + RESULTS_DELAY:
            plan.append(Refresh("results", m.race_date, m.track, "final"))
    return [r for r in plan if r.run_key not in done]


def meeting_posts(engine: sa.Engine, site: str, days: Iterable[date]) -> list[MeetingPosts]:
    """First and last post of every loaded card on ``days``: the sensor's whole view of the world (one query)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT race_date, track_code, min(post_time), max(post_time) FROM raw.card_races "
                    "WHERE _source = :s AND race_date = ANY(:d) AND post_time IS NOT NULL "
                    "GROUP BY race_date, track_code"),
            {"s": site, "d": list(days)},
        ).all()
    return [MeetingPosts(*row) for row in rows]
