"""The user's own bets (the ledger) settled against official results: marts.portfolio_bets and portfolio_summary.

Settlement of one bet, combination by combination (the stake split equally over the ticket's combinations):

- a combination holding a scratched horse is refunded (the tote's rule, :func:`backtests.betting.tickets.settle_combinations`,
  the one settlement core);
- a tote bet wins when the race published a dividend for that pool and combination — the dividend rows are the
  tote's own verdict, dead heats and place depth included — and returns ``payout_per_unit`` × its share of the stake;
- a fixed-odds win bet (``odds_taken``) returns stake × odds when its horse won; in a dead heat for first the stake
  is divided by the number of horses sharing the win (the bookmakers' dead-heat rule).

A bet is ``refunded`` when every combination was, ``won`` when any combination won, else ``lost``; returns include
partial refunds. It stays ``pending`` while its race has no finishing positions yet (or a winning combination has no
published dividend to price it), and is ``unmatched`` when its race id is not in the marts or names a horse that was
not in the field — a typo in the ledger must not count as a loss. Pending and unmatched bets are left out of staked,
returned, profit and ROI (ROI = profit / staked on settled bets). Money is Decimal, rounded half-even to cents once
per bet.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_EVEN, Decimal

import pandas as pd
import sqlalchemy as sa

from backtests.betting.exotics import Outcome, winning_combinations
from backtests.betting.slips import LedgerBet, parse_selections
from backtests.betting.tickets import combination_key, settle_combinations
from paddock.table_docs import document_table

CENT, RATIO = Decimal("0.01"), Decimal("0.000001")
STATUSES = ("won", "lost", "refunded", "pending", "unmatched")


@dataclass(frozen=True)
class RaceResult:
    """One race as the marts know it: placings (None = did not finish), scratched horses, dividends per pool."""

    race_key: str
    race_date: date | None
    placings: dict[int, int | None]
    scratched: frozenset[int]
    dividends: dict[str, dict[tuple[int, ...], Decimal]]

    @property
    def has_result(self) -> bool:
        return any(position is not None for position in self.placings.values())


@dataclass(frozen=True)
class Settlement:
    status: str
    returned: Decimal | None
    winning: int = 0
    refunded: int = 0
    note: str = ""

    def profit(self, stake: Decimal) -> Decimal | None:
        return None if self.returned is None else self.returned - stake


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def settle_bet(bet: LedgerBet, race: RaceResult | None) -> Settlement:
    """Settle one parsed bet against its race (None when the race id matched nothing)."""
    if race is None:
        return Settlement("unmatched", None, note=f"race {bet.race_id!r} not found in marts.fct_runners")
    ticket = parse_selections(bet.bet_type, bet.selections)[0]
    combinations = list(ticket.combinations())
    field = set(race.placings) | race.scratched
    strangers = sorted({horse for combination in combinations for horse in combination} - field)
    if strangers:
        return Settlement("unmatched", None, note=f"horse(s) {', '.join(map(str, strangers))} not in the field of "
                                                  f"{race.race_key}")
    unit = bet.stake / len(combinations)
    outcomes = settle_combinations(bet.bet_type, combinations, race.placings, scratched=race.scratched)
    refunded, won = outcomes[Outcome.REFUND], outcomes[Outcome.WIN]
    refund = unit * len(refunded)
    if len(refunded) == len(combinations):
        return Settlement("refunded", _cents(refund), refunded=len(refunded), note="scratched")
    if not race.has_result:
        return Settlement("pending", None, refunded=len(refunded), note="no result yet")
    if bet.odds_taken is not None:  # a single fixed-odds win bet (the parser allows nothing else)
        sharing = len(winning_combinations("win", race.placings, scratched=race.scratched))
        payout = unit * bet.odds_taken / sharing if won else Decimal(0)
        note = f"dead heat of {sharing}: stake divided" if won and sharing > 1 else ""
        return Settlement("won" if won else "lost", _cents(payout + refund), len(won), len(refunded), note)
    published = race.dividends.get(bet.bet_type, {})
    if published:  # the tote's verdict: it carries the jurisdiction's place depth (US place pays two, HK three)
        live = outcomes[Outcome.WIN] + outcomes[Outcome.LOSE]
        won = [combination_key(bet.bet_type, c) for c in live if combination_key(bet.bet_type, c) in published]
        payout = sum((published[k] * unit for k in won), Decimal(0))
    elif won:  # the pool published nothing for this race: the finish still says whether the ticket lost
        return Settlement("pending", None, len(won), len(refunded),
                          note=f"no {bet.bet_type} dividend published for {race.race_key}")
    else:
        payout = Decimal(0)
    return Settlement("won" if won else "lost", _cents(payout + refund), len(won), len(refunded))


# ---------- reading results for the ledger's races

RUNNERS_SQL = sa.text("""
    SELECT race_id, race_key, race_date, horse_number, finish_position, status FROM marts.fct_runners
    WHERE race_id = ANY(:ids) OR race_key = ANY(:ids)
""")
DIVIDENDS_SQL = sa.text("""
    SELECT race_key, pool, combination, payout_per_unit FROM marts.fct_dividends WHERE race_key = ANY(:keys)
""")


def load_results(engine: sa.Engine, race_ids: list[str]) -> dict[str, RaceResult | str] | None:
    """Ledger race id (a source's race_id, or a race_key) → its RaceResult, or a note when it is ambiguous; None
    while dbt has not built the results marts yet (a ledger loaded before the first history run: bets wait)."""
    with engine.connect() as conn:
        built = conn.execute(sa.text("SELECT to_regclass('marts.fct_runners') IS NOT NULL "
                                     "AND to_regclass('marts.fct_dividends') IS NOT NULL")).scalar_one()
        if not built:
            return None
        runners = pd.read_sql(RUNNERS_SQL, conn, params={"ids": list(race_ids)})
        keys = sorted(runners["race_key"].unique().tolist())
        dividends = pd.read_sql(DIVIDENDS_SQL, conn, params={"keys": keys})
    pools: dict[str, dict[str, dict[tuple[int, ...], Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for d in dividends.itertuples(index=False):
        combination = tuple(int(h) for h in str(d.combination).split("-"))
        pools[d.race_key][d.pool][combination] = Decimal(str(d.payout_per_unit))
    races: dict[str, RaceResult] = {}
    for race_key, group in runners.groupby("race_key", sort=True):
        scratched = frozenset(int(h) for h in group.loc[group["status"] == "scratched", "horse_number"])
        placings = {int(r.horse_number): None if pd.isna(r.finish_position) else int(r.finish_position)
                    for r in group.itertuples(index=False) if int(r.horse_number) not in scratched}
        race_date = pd.Timestamp(group["race_date"].iloc[0]).date()
        races[race_key] = RaceResult(race_key, race_date, placings, scratched,
                                     {pool: dict(c) for pool, c in pools[race_key].items()})
    found: dict[str, RaceResult | str] = {}
    for race_id in race_ids:
        matches = sorted(set(runners.loc[(runners["race_id"] == race_id) | (runners["race_key"] == race_id),
                                         "race_key"]))
        if len(matches) == 1:
            found[race_id] = races[matches[0]]
        elif matches:
            found[race_id] = f"race id {race_id!r} is ambiguous ({', '.join(matches)}): use the race_key"
    return found


# ---------- rows of marts.portfolio_bets and marts.portfolio_summary

BET_TYPES = {
    "ledger": "text NOT NULL", "bet_id": "text NOT NULL", "placed_at": "timestamptz", "race_id": "text",
    "race_key": "text", "race_date": "date", "bet_type": "text", "form": "text", "selections": "text",
    "combinations": "integer", "stake": "numeric(16,2)", "odds_taken": "numeric", "bookmaker": "text",
    "status": "text NOT NULL", "winning_combinations": "integer", "refunded_combinations": "integer",
    "returned": "numeric(16,2)", "profit": "numeric(16,2)", "note": "text", "updated_at": "timestamptz NOT NULL",
}
SUMMARY_TYPES = {
    "bet_type": "text PRIMARY KEY", "bets": "integer", "won": "integer", "lost": "integer", "refunded": "integer",
    "pending": "integer", "unmatched": "integer", "staked": "numeric(16,2)", "returned": "numeric(16,2)",
    "profit": "numeric(16,2)", "roi": "numeric", "pending_stake": "numeric(16,2)", "updated_at": "timestamptz NOT NULL",
}
ALL = "all"  # the summary row over every bet type
RACE_DATE = re.compile(r"-(\d{8})-\d+$")


def _race_day(race_id: str, now: datetime) -> date | None:
    """The date in a ``<track>-<yyyymmdd>-<nn>`` race id when it is today or later (a race not run yet), else None."""
    match = RACE_DATE.search(race_id)
    try:
        day = datetime.strptime(match.group(1), "%Y%m%d").date() if match else None
    except ValueError:
        return None
    return day if day is not None and day >= now.date() else None


NO_RESULTS = "no race results in the warehouse yet (marts.fct_runners is not built): run the history job"


def settle_ledger(bets: list[tuple[str, LedgerBet]], results: dict[str, RaceResult | str] | None,
                  now: datetime) -> list[dict]:
    """One marts.portfolio_bets row per (ledger, bet); every bet pending when there are no results marts yet."""
    rows = []
    for ledger, bet in bets:
        race = results.get(bet.race_id) if results is not None else None
        if results is None:
            settlement = Settlement("pending", None, note=NO_RESULTS)
        elif isinstance(race, str):
            settlement, race = Settlement("unmatched", None, note=race), None
        elif race is None and _race_day(bet.race_id, now) is not None:
            settlement = Settlement("pending", None, note=f"race {bet.race_id!r} has not been run yet")
        else:
            settlement = settle_bet(bet, race)
        rows.append({
            "ledger": ledger, "bet_id": bet.bet_id, "placed_at": bet.placed_at, "race_id": bet.race_id,
            "race_key": race.race_key if race else None, "race_date": race.race_date if race else None,
            "bet_type": bet.bet_type, "form": bet.form, "selections": bet.selections,
            "combinations": bet.combinations, "stake": bet.stake, "odds_taken": bet.odds_taken,
            "bookmaker": bet.bookmaker, "status": settlement.status, "winning_combinations": settlement.winning,
            "refunded_combinations": settlement.refunded, "returned": settlement.returned,
            "profit": settlement.profit(bet.stake), "note": settlement.note or None, "updated_at": now,
        })
    return rows


def summarize(rows: list[dict], now: datetime) -> list[dict]:
    """Per bet type and overall (bet_type 'all'): counts by status, money over settled bets, ROI = profit / staked."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["bet_type"]].append(row)
        groups[ALL].append(row)
    out = []
    for bet_type in sorted(groups, key=lambda t: (t == ALL, t)):
        members = groups[bet_type]
        settled = [r for r in members if r["status"] in ("won", "lost", "refunded")]
        staked = sum((r["stake"] for r in settled), Decimal(0))
        returned = sum((r["returned"] for r in settled), Decimal(0))
        profit = returned - staked
        out.append({
            "bet_type": bet_type, "bets": len(members),
            **{status: sum(1 for r in members if r["status"] == status) for status in STATUSES},
            "staked": staked, "returned": returned, "profit": profit,
            "roi": (profit / staked).quantize(RATIO, rounding=ROUND_HALF_EVEN) if staked else None,
            "pending_stake": sum((r["stake"] for r in members if r["status"] == "pending"), Decimal(0)),
            "updated_at": now,
        })
    return out


def read_ledger_bets(engine: sa.Engine) -> list[tuple[str, LedgerBet]]:
    """The parsed bets of every loaded ledger file from raw.ledger_bets, as (ledger file, bet); none before the
    ledger was ever loaded (``ingestion.ledger_store`` owns and creates that table, this reader does not)."""
    with engine.connect() as conn:
        if conn.execute(sa.text("SELECT to_regclass('raw.ledger_bets')")).scalar() is None:
            return []
        frame = pd.read_sql(sa.text("SELECT * FROM raw.ledger_bets ORDER BY _scope, row"), conn)
    bets = []
    for r in frame.to_dict("records"):
        odds = r["odds_taken"]
        bets.append((r["_scope"], LedgerBet(
            row=int(r["row"]), bet_id=r["bet_id"], placed_at=pd.Timestamp(r["placed_at"]).to_pydatetime(),
            race_id=r["race_id"], bet_type=r["bet_type"], form=r["form"], selections=r["selections"],
            combinations=int(r["combinations"]), stake=Decimal(str(r["stake"])),
            odds_taken=None if odds is None or pd.isna(odds) else Decimal(str(odds)),
            odds_text=r["odds_text"], bookmaker=r["bookmaker"])))
    return bets


def _ddl(table: str, types: dict[str, str]) -> str:
    return f"CREATE TABLE IF NOT EXISTS marts.{table} (" + ", ".join(f'"{c}" {t}' for c, t in types.items()) + ")"


def publish_portfolio(engine: sa.Engine, now: datetime | None = None) -> dict[str, object]:
    """Settle every loaded ledger bet and rebuild marts.portfolio_bets / portfolio_summary in one transaction."""
    from paddock.pgcopy import copy_rows

    now = now or datetime.now(timezone.utc)
    bets = read_ledger_bets(engine)
    results = load_results(engine, sorted({bet.race_id for _, bet in bets}))
    rows = settle_ledger(bets, results, now)
    summary = summarize(rows, now)
    copy_types = {"timestamptz": "timestamptz", "date": "date", "integer": "integer"}
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('paddock.portfolio'))")
        for table, types, data in (("portfolio_bets", BET_TYPES, rows), ("portfolio_summary", SUMMARY_TYPES, summary)):
            conn.exec_driver_sql(_ddl(table, types))
            document_table(conn, f"marts.{table}")
            conn.exec_driver_sql(f"DELETE FROM marts.{table}")
            cursor = conn.connection.cursor()
            copy_rows(cursor, f"marts.{table}",
                      {f'"{c}"': copy_types.get(t.split()[0].split("(")[0], "text") for c, t in types.items()},
                      pd.DataFrame(data, columns=list(types)))
            cursor.close()
    overall = next((s for s in summary if s["bet_type"] == ALL), None)
    return {"bets": len(rows), "summary": summary, "overall": overall}
