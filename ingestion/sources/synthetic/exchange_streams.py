"""Betfair Exchange history for the demo: stream files like Betfair's PRO files, with no ../shared data needed.

``write_exchange_demo(out_dir, start, end, seed=7)`` writes one WIN market file per race of the synthetic source
(``exchange_horses``: same runners, winner and scratches; venue = ``tracks.Track.name``, e.g. "Belmont Park", and
marketTime = post_time, which is how a market is matched to its race) and per race of synthetic
greyhound meetings (``exchange_greyhounds``: GB six-trap meetings, Australian eight-trap ones), in Betfair's
historic layout ``PRO/<year>/<Mon>/<day>/<eventId>/<marketId>`` - about one market in ten as ``.bz2``, the rest
plain - and returns the paths, sorted. Same seed, identical bytes; a day's files do not depend on the range asked.
Size and speed: two weeks (2025-12-18..31: 753 markets) are 27 MB and take ~6 s of one slow 2-core box's CPU,
most of it in ``exchange_market``'s per-update text assembly.

A file is what Betfair sends (one ``mcm`` JSON message per line, see ``exchange_market``): an image at T-60 min,
updates every 60 s to T-5 min and every 5-10 s after (so a reader's schedule of -3600..-300 s by 60 and -290..0 by
10 always finds a fresh book), three ladder levels a side on the Betfair price ladder, cumulative traded volume by
price, last traded price, projected BSP (spn/spf) in the last five minutes, then SUSPENDED at the off with the BSPs
reconciled, in play for horse racing, and CLOSED with WINNER / LOSER / REMOVED and BSPs.

Planted edge (``exchange_edge``): **late steamers**. Per runner, b10 = best back price in the book at T-10 min (the
update published just before offset -600 s) and bL = best back price in the last book before the market is
suspended at the off. A runner *steamed* when bL <= 0.8 x b10. Steamers win 1.3 x as often as their BSP implies;
everybody else wins about what 1/BSP says (0.96 x: the wins the steamers take come out of the rest of the field),
drifters included; commission is 5 %. Known answers, seed 7, measured from the files:
- 2025-12-01..14 (801 markets; asserted by tests/unit/test_exchange_demo.py): 626 steamers won 123 races against a
  sum of 1/BSP of 91.5 (1.34 x); the other 5,282 runners won 679 against 709.8 (0.96 x).
- 2025-10-01..11-29 (3,463 markets): 2,633 steamers won 503 against 382.4 (1.32 x; greyhounds 279 v 214.8, horses
  224 v 167.6), +25.9 % flat-stake at BSP after commission; the other 23,079 won 2,967 against 3,083.0 (0.96 x,
  -8.9 %); drifters (bL >= 1.2 x b10) 2,387 won 313 against 322.2 (0.97 x).
"""
from __future__ import annotations

import bz2
from datetime import date
from pathlib import Path

from ingestion.sources.synthetic.exchange_greyhounds import greyhound_markets
from ingestion.sources.synthetic.exchange_horses import horse_markets
from ingestion.sources.synthetic.exchange_market import MarketSpec, market_lines
from ingestion.sources.synthetic.source import DEFAULT_TRACKS, SyntheticSource


def market_path(out_dir: Path, spec: MarketSpec) -> Path:
    """Betfair's historic layout; about one market in ten (by id) bzip2-compressed, as Betfair's downloads are (all of
    them there; here only enough to exercise a reader's decompression, since bzip2 costs more than generating)."""
    d = spec.market_time.date()
    name = spec.market_id + (".bz2" if int(spec.market_id[2:]) % 11 == 3 else "")
    return out_dir / "PRO" / str(d.year) / f"{d:%b}" / str(d.day) / spec.event_id / name


def demo_markets(start: date, end: date, *, seed: int = 7, tracks=None) -> list[MarketSpec]:
    """Horse racing markets for the synthetic source's races in [start, end], then the greyhound meetings."""
    source = SyntheticSource(seed=seed, start=start, end=end, tracks=tuple(tracks or DEFAULT_TRACKS))
    return horse_markets(source.read(start, end), seed) + greyhound_markets(seed, start, end)


def write_exchange_demo(out_dir: Path, start: date, end: date, *, seed: int = 7, tracks=None) -> list[Path]:
    """Write the demo's stream files under ``out_dir`` (created if needed); returns their paths, sorted."""
    written = []
    for spec in demo_markets(start, end, seed=seed, tracks=tracks):
        path = market_path(Path(out_dir), spec)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = ("\n".join(market_lines(spec)) + "\n").encode()
        path.write_bytes(bz2.compress(data, 9) if path.suffix == ".bz2" else data)
        written.append(path)
    return sorted(written)
