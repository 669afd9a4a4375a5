"""Hand-made exchange MarketRecords in the shapes the stream reader yields, with the defects the gate is for.

Two market dates and one implausible one (see ``fixture_records``):

- 2026-03-02: Sheffield greyhound WIN (6 traps, three bad price rows: a suspended back of 1.0, a lay below the back,
  a negative size), its PLACE market (2 winners; one price row without a market id), a 5-trap Romford greyhound WIN (a warning), a Hamilton horse WIN
  with 2 REMOVED runners and their adjustment factors, and a second copy of that Hamilton market (a duplicate);
- 2026-03-03: a settled WIN market with 0 winners (critical), a dead heat (2 winners, a warning), an open market;
- 1970-01-01: a market whose time was read in the wrong unit: the only market of its date, so the date fails.

Prices are best back per runner at T-60/-30/-10/-5/-1 min and the last pre-off book (5 s before the off); the lay is
the back + 0.1.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from ingestion.exchange.schema import EXCHANGE_MARKETS, EXCHANGE_PRICES, EXCHANGE_RUNNERS, MarketRecord

OFFSETS = (-3600, -1800, -600, -300, -60)
PRE_OFF = -5
D = Decimal


def market(market_id: str, off: datetime, *, sport: str = "greyhound_racing", venue: str = "Sheffield",
           market_type: str = "WIN", winners: int = 1, status: str = "CLOSED", runners: list[dict]) -> dict:
    removed = sum(r["status"] == "REMOVED" for r in runners)
    row = dict.fromkeys(EXCHANGE_MARKETS)
    row.update(
        market_id=market_id, market_date=off.date(), event_id=f"3{market_id[2:]}", sport=sport,
        event_type_id="4339" if sport == "greyhound_racing" else "7", event_name=f"{venue} {off:%d %b}",
        market_name="A5 480m" if sport == "greyhound_racing" else "1m Hcap", market_type=market_type, venue=venue,
        country_code="GB", timezone="Europe/London", market_time=off, open_date=off - timedelta(hours=2),
        number_of_winners=winners, market_base_rate=D("5"), bsp_market=True, bsp_reconciled=status == "CLOSED",
        turn_in_play_enabled=True, status=status, went_in_play_at=off + timedelta(seconds=3),
        closed_at=off + timedelta(minutes=2) if status == "CLOSED" else None, runner_count=len(runners),
        active_runner_count=len(runners) - removed,
        winner_count=sum(r["status"] in ("WINNER", "PLACED") for r in runners),
        total_matched=sum((r["total_matched"] or D(0)) for r in runners), first_published_at=off - timedelta(hours=2),
        last_published_at=off + timedelta(minutes=2), updates=1200, source_file=f"{market_id}.bz2",
    )
    return row


def runner(market_row: dict, selection_id: int, name: str, trap: int, status: str, bsp: str | None,
           ltp: str | None, *, adjustment: str | None = None) -> dict:
    row = dict.fromkeys(EXCHANGE_RUNNERS)
    row.update(
        market_id=market_row["market_id"], market_date=market_row["market_date"], selection_id=selection_id,
        runner_name=name, sort_priority=trap, handicap=D("0"), status=status,
        adjustment_factor=D(adjustment) if adjustment else D("100") / 6,
        removal_date=market_row["market_time"] - timedelta(minutes=40) if status == "REMOVED" else None,
        bsp=D(bsp) if bsp else None, last_traded_price=D(ltp) if ltp else None,
        last_traded_price_final=D(ltp) if ltp else None, total_matched=D("1500.50") if status != "REMOVED" else None,
    )
    return row


def price(market_row: dict, selection_id: int, offset: int, back: str, *, kind: str = "scheduled",
          **override) -> dict:
    row = dict.fromkeys(EXCHANGE_PRICES)
    b = D(back)
    row.update(
        market_id=market_row["market_id"], market_date=market_row["market_date"], selection_id=selection_id,
        snapshot_kind=kind, snapshot_at=market_row["market_time"] + timedelta(seconds=offset), offset_seconds=offset,
        in_play=False, market_status="OPEN", back_1_price=b, back_1_size=D("120.00"), lay_1_price=b + D("0.1"),
        lay_1_size=D("80.00"), last_traded_price=b, traded_volume=D("900.00"),
    )
    row.update(override)
    return row


def ladder(market_row: dict, selection_id: int, backs: list[str], **overrides_by_offset) -> list[dict]:
    """Six rows: the five scheduled offsets, then the last pre-off book (``backs[5]``)."""
    rows = [price(market_row, selection_id, off, back, **overrides_by_offset.get(f"o{-off}", {}))
            for off, back in zip(OFFSETS, backs[:5])]
    return rows + [price(market_row, selection_id, PRE_OFF, backs[5], kind="last_pre_off")]


# trap -> (selection, name, status, bsp, six back prices); trap 2 steams and wins, trap 5 drifts
SHEFFIELD = {
    1: (501, "Swift Blue", "LOSER", "4.3", ["3.6", "3.7", "3.8", "4.0", "4.2", "4.2"]),
    2: (502, "Ballymac Red", "WINNER", "2.9", ["4.0", "3.8", "3.4", "3.2", "3.0", "3.0"]),
    3: (503, "Droopys White", "LOSER", "6.8", ["6.0", "6.0", "6.2", "6.4", "6.5", "6.6"]),
    4: (504, "Kilara Black", "LOSER", "8.5", ["8.0", "8.0", "8.0", "8.2", "8.4", "8.4"]),
    5: (505, "Romeo Stripe", "LOSER", "7.4", ["5.0", "5.5", "6.0", "6.5", "7.0", "7.0"]),
    6: (506, "Savana Pink", "LOSER", "13", ["10", "10", "11", "11", "11.5", "11.5"]),
}
BAD_PRICES = {  # (selection, offset) -> the defect and the rule that quarantines it
    (501, -60): ({"back_1_price": D("1.0")}, "exchange_prices.back_1_price_between_1_01_1000"),
    (503, -300): ({"lay_1_price": D("6.2")}, "exchange_prices.lay_1_price_ge_back_1_price"),
    (504, -600): ({"back_1_size": D("-5")}, "exchange_prices.back_1_size_ge_0"),
}
DAY1, DAY2 = date(2026, 3, 2), date(2026, 3, 3)
SHEFFIELD_OFF = datetime(2026, 3, 2, 19, 4, tzinfo=timezone.utc)
HAMILTON_OFF = datetime(2026, 3, 2, 14, 30, tzinfo=timezone.utc)


def sheffield_win() -> MarketRecord:
    m = market("1.300000001", SHEFFIELD_OFF, runners=[{"status": s, "total_matched": D("1500.50")}
                                                      for _, _, s, _, _ in SHEFFIELD.values()])
    runners, prices = [], []
    for trap, (sel, name, status, bsp, backs) in SHEFFIELD.items():
        runners.append(runner(m, sel, name, trap, status, bsp, backs[5]))
        overrides = {f"o{-off}": change for (s, off), (change, _) in BAD_PRICES.items() if s == sel}
        prices += ladder(m, sel, backs, **overrides)
    return MarketRecord(m, runners, prices)


def simple_market(market_id: str, off: datetime, field: list[tuple[int, str, str, str | None]],
                  **kwargs) -> MarketRecord:
    """A market with only last pre-off books: field = (selection, name, status, bsp); trap = position in field."""
    m = market(market_id, off, runners=[{"status": s, "total_matched": D("1500.50") if s != "REMOVED" else None}
                                        for _, _, s, _ in field], **kwargs)
    runners = [runner(m, sel, name, i, status, bsp, bsp) for i, (sel, name, status, bsp) in enumerate(field, 1)]
    prices = [price(m, sel, PRE_OFF, bsp, kind="last_pre_off") for sel, _, status, bsp in field if bsp]
    return MarketRecord(m, runners, prices)


def sheffield_place() -> MarketRecord:
    field = [(sel, name, "WINNER" if trap in (2, 5) else "LOSER", "2.0" if trap in (2, 5) else "3.0")
             for trap, (sel, name, *_rest) in SHEFFIELD.items()]
    record = simple_market("1.300000002", SHEFFIELD_OFF, field, market_type="PLACE", winners=2)
    record.prices.append({**record.prices[0], "market_id": None})  # a row that lost its key: no market to replace it
    return record


def romford_five_traps() -> MarketRecord:
    off = datetime(2026, 3, 2, 20, 11, tzinfo=timezone.utc)
    field = [(601, "Trap One", "WINNER", "2.5"), (602, "Trap Two", "LOSER", "4.0"), (603, "Trap Three", "LOSER", "5.0"),
             (604, "Trap Four", "LOSER", "6.0"), (605, "Trap Five", "LOSER", "9.0")]
    return simple_market("1.300000003", off, field, venue="Romford")


HAMILTON = {  # selection -> (name, status, bsp, adjustment factor, six back prices)
    701: ("Lucky Lad", "LOSER", "3.1", "30.1", ["3.0", "3.0", "3.1", "3.1", "3.0", "3.0"]),
    702: ("Glen Moss", "LOSER", "5.5", "17.2", ["5.0", "5.0", "5.2", "5.4", "5.5", "5.5"]),
    703: ("Clyde Star", "WINNER", "4.4", "21.0", ["4.5", "4.5", "4.4", "4.4", "4.4", "4.4"]),
    704: ("Brave Heart", "LOSER", "8.0", "11.9", ["9.0", "8.5", "8.0", "8.0", "8.0", "8.0"]),
    705: ("Fell Runner", "REMOVED", None, "12.5", None),
    706: ("Tay Bridge", "REMOVED", None, "4.3", None),
}


def hamilton_win() -> MarketRecord:
    m = market("1.300000004", HAMILTON_OFF, sport="horse_racing", venue="Hamilton",
               runners=[{"status": s, "total_matched": D("1500.50") if s != "REMOVED" else None}
                        for _, s, *_ in HAMILTON.values()])
    runners, prices = [], []
    for i, (sel, (name, status, bsp, adj, backs)) in enumerate(HAMILTON.items(), 1):
        runners.append(runner(m, sel, name, i, status, bsp, backs[5] if backs else None, adjustment=adj))
        prices += ladder(m, sel, backs) if backs else []
    return MarketRecord(m, runners, prices)


def day_two() -> list[MarketRecord]:
    off = datetime(2026, 3, 3, 15, 0, tzinfo=timezone.utc)
    no_winner = simple_market("1.300000005", off, [(801, "A", "LOSER", "2.0"), (802, "B", "LOSER", "3.0"),
                                                   (803, "C", "LOSER", "4.0")], sport="horse_racing", venue="Ayr")
    dead_heat = simple_market("1.300000006", off + timedelta(minutes=30),
                              [(811, "D", "WINNER", "2.5"), (812, "E", "WINNER", "3.5"), (813, "F", "LOSER", "5.0"),
                               (814, "G", "LOSER", "6.0")], sport="horse_racing", venue="Ayr")
    still_open = simple_market("1.300000007", off + timedelta(hours=1),
                               [(821, "H", "ACTIVE", "2.2"), (822, "I", "ACTIVE", "3.3"), (823, "J", "ACTIVE", "5.5")],
                               sport="horse_racing", venue="Ayr", status="OPEN")
    return [no_winner, dead_heat, still_open]


def epoch_market() -> MarketRecord:
    """A market time read in the wrong unit (seconds as milliseconds): 1970, its own (failing) date."""
    off = datetime(1970, 1, 21, 3, 0, tzinfo=timezone.utc)
    return simple_market("1.300000009", off, [(901, "K", "LOSER", None), (902, "L", "WINNER", None)],
                         sport="horse_racing", venue="Ayr")


def fixture_records() -> list[MarketRecord]:
    return [sheffield_win(), sheffield_place(), romford_five_traps(), hamilton_win(), hamilton_win(), *day_two(),
            epoch_market()]
