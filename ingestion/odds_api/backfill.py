"""Plan and execute a historical odds backfill: the code behind ``paddock odds backfill plan|execute|status``.

Planning lists the events (paid: 1 credit per day listed), prices the plan (``backfill_plan``) and refuses it when it
costs more than the credits left this month — read where the live polling sensor reads them
(``polling.latest_quota_remaining``: the last ``x-requests-remaining`` the API reported in ``ops.fetch_log``, which
the listing calls just refreshed), so live polling and the backfill plan against one figure.

Executing makes one historical /odds call per planned moment (every planned game at that moment shares it) and
stores the planned events through :func:`storage.store_fetches` — the gate, ``raw.odds_snapshots`` (its
``fetch_tier`` from the hours before the start, ``source`` = historical), ``raw.odds``, quarantine and the quality
log of a live poll — with the plan's rows marked in the same transaction. The gate judges each snapshot as of its
own time (``now`` = the snapshot's timestamp), as it judged a live poll. A call that fails (429 after the retries,
credits exhausted) stops the run with its rows still pending: re-running picks up exactly there.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from ingestion.clock import utcnow
from ingestion.errors import IngestionError
from ingestion.http.records import redact_text
from ingestion.odds_api.backfill_plan import (HISTORICAL_SOURCE, BackfillPlan, build_plan, check_affordable, iso,
                                             list_events)
from ingestion.odds_api.backfill_store import (PendingCall, committed_credits, mark_fetched, pending_calls,
                                              planned_pairs, save_plan)
from ingestion.odds_api.polling import latest_quota_remaining
from ingestion.odds_api.storage import Fetch, store_fetches
from quality.gate import GateFailure


def plan_backfill(engine: sa.Engine, client, sport: str, start: date, end: date, *, strategy: str = "uniform",
                  games: int | None = None, sample: float | None = None, seed: int = 0,
                  regions: Sequence[str] = ("us",), markets: Sequence[str] = ("h2h",),
                  offsets: Sequence[timedelta] | None = None, out: Path | None = None,
                  now: datetime | None = None) -> BackfillPlan:
    """List, select, price, check against the month's credits (less what saved plans still have to spend), then
    save (warehouse and ``out`` JSON). Raises :class:`backfill_plan.PlanRefused` (nothing saved) when it costs more
    than is left."""
    events, listing = list_events(client, sport, start, end)
    already = planned_pairs(engine, list(events["event_id"]))
    plan = build_plan(sport, start, end, events, strategy=strategy, games=games, sample=sample, seed=seed,
                      regions=regions, markets=markets, offsets=offsets, already=already, listing_credits=listing)
    plan = check_affordable(plan, latest_quota_remaining(engine, now or utcnow()), committed_credits(engine))
    save_plan(engine, plan)
    if out is not None:
        out.write_text(plan.to_json())
    return plan


@dataclass
class ExecuteReport:
    calls: int = 0
    credits: int = 0
    stored: dict[str, int] = field(default_factory=lambda: {"odds_snapshots": 0, "odds": 0, "quarantined_odds": 0})
    missing: int = 0
    rejected: int = 0
    left: int = 0  # calls still pending when the run ended
    error: str | None = None

    def describe(self) -> str:
        text = (f"{self.calls} call(s), {self.credits} credit(s): {self.stored['odds_snapshots']} snapshot(s), "
                f"{self.stored['odds']} price(s), {self.stored['quarantined_odds']} quarantined, {self.missing} "
                f"missing, {self.rejected} rejected; {self.left} call(s) left")
        return text + (f" — stopped: {self.error}" if self.error else "")


def _execute_call(engine: sa.Engine, client, call: PendingCall, report: ExecuteReport) -> None:
    result = client.historical_odds(call.sport, call.snapshot_time, regions=call.regions, markets=call.markets,
                                    odds_format="decimal")
    report.calls += 1
    report.credits += result.quota.last if result.quota.last is not None else (result.cost or 0)
    wanted = set(call.event_ids)
    payload = [e for e in result.data if isinstance(e, dict) and str(e.get("id")) in wanted]
    found = {str(e["id"]) for e in payload}
    at = result.timestamp or call.snapshot_time
    report.missing += len(wanted - found)
    if not payload:
        with engine.begin() as conn:
            mark_fetched(conn, call, found, at)
        return
    fetch = Fetch(call.sport, payload, at, None, f"historical:{call.sport}:{iso(at)}", "decimal",
                  source=HISTORICAL_SOURCE)
    try:
        stored = store_fetches(engine, [fetch], now=at, also=lambda conn, gated: mark_fetched(
            conn, call, found, at, rejected=gated.critical_failure))
    except GateFailure:
        report.rejected += len(found)
        return
    for key in report.stored:
        report.stored[key] += stored.written[key]


def execute_backfill(engine: sa.Engine, client, *, plan_id: str | None = None, day: date | None = None,
                     limit: int | None = None, log: Callable[[str], None] = lambda message: None) -> ExecuteReport:
    """Make the pending calls (of one plan, or of every plan; of one UTC snapshot day, or of all), at most ``limit``
    of them; stops at the first call the API refuses, leaving it and the rest pending."""
    calls = pending_calls(engine, plan_id, day)
    report = ExecuteReport()
    for i, call in enumerate(calls):
        if limit is not None and report.calls >= limit:
            break
        try:
            _execute_call(engine, client, call, report)
        except IngestionError as exc:  # refused, 429 after the retries, unreadable: the rest waits
            report.error = redact_text(str(exc))
            log(f"{call.sport} {iso(call.snapshot_time)}: {report.error}")
            break
        log(f"[{i + 1}/{len(calls)}] {call.sport} {iso(call.snapshot_time)}: {len(call.event_ids)} game(s)")
    report.left = len(pending_calls(engine, plan_id, day))
    return report
