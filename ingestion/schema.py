"""The canonical shape of the three raw tables every historical source produces.

Sources differ (US tote results in furlongs and odds-to-1, Hong Kong in metres and decimal odds); each source module maps
its own columns onto these, keeping source vocabulary where it carries meaning (``going`` stays the source's word, lower
case). dbt staging converts units; nothing downstream needs to know which source a row came from except ``_source``.

Conventions every source follows:
- ``race_id`` is unique within a source: ``"<track>-<yyyymmdd>-<race_number:02d>"`` (never contains ``|``).
- ``final_odds`` is *decimal* odds including the stake (HK win odds 9.7 -> 9.7; US 4.20-to-1 -> 5.20), a ``Decimal``.
- Money (``purse``, ``dividend``) and odds are ``decimal.Decimal`` objects (or None), never floats.
- ``morning_line`` is the odds *text* as printed ("5-2", "7/2", "EVEN"); parsing happens in dbt/analytics, and
  unparseable strings are counted by the data-quality report rather than rejected.
- ``finish_position`` is null for runners that did not finish (``status`` says why); equal positions = dead heat.
- ``combination`` in dividends is horse numbers joined by ``-`` in official order (``"3-11-7"``); unordered pools sorted.
- Sources may add an ``_original`` column (dict of the source's own fields as read) for quarantine records; the loader
  drops it before publishing.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from backtests.betting import pools

# column -> PostgreSQL type. Order is the COPY order.
RACES: dict[str, str] = {
    "race_id": "text",
    "race_date": "date",
    "track_code": "text",
    "race_number": "integer",
    "post_time": "timestamptz",
    "distance": "numeric",
    "distance_unit": "text",  # 'm' metres | 'f' furlongs | 'y' yards
    "surface": "text",  # one of paddock.canonical.SURFACES: 'dirt' | 'turf' | 'synthetic'
    "going": "text",  # source word, lower case: 'fast', 'muddy', 'sloppy', 'good to firm', ...
    "race_class": "text",
    "race_type": "text",
    "purse": "numeric",
    "currency": "text",  # ISO 4217
    "source_ref": "text",  # the source's own identifier of the race (file, row id, original date)
}

RUNNERS: dict[str, str] = {
    "race_id": "text",
    "race_date": "date",
    "horse_number": "integer",  # program / saddle-cloth number
    "post_position": "integer",  # draw / gate
    "horse_id": "text",  # source-stable id: same-named different horses keep different ids
    "horse_name": "text",
    "horse_age": "integer",
    "jockey_id": "text",
    "jockey_name": "text",
    "trainer_id": "text",
    "trainer_name": "text",
    "weight_lbs": "numeric",  # weight carried
    "horse_weight_lbs": "numeric",  # declared body weight, when published
    "morning_line": "text",
    "final_odds": "numeric",  # decimal odds including stake
    "finish_position": "integer",
    "status": "text",  # one of paddock.canonical.STATUSES: 'finished' | 'dnf' | 'scratched' | 'disqualified'
    "margin_lengths": "numeric",  # lengths behind the winner
    "finish_time_s": "numeric",
}

DIVIDENDS: dict[str, str] = {
    "race_id": "text",
    "race_date": "date",
    "pool": "text",  # one of POOLS (backtests.betting.pools)
    "combination": "text",
    "dividend": "numeric",  # paid per `stake_unit`
    "stake_unit": "numeric",  # 2 for US ($2 base), 10 for HKJC (per HK$10)
    "currency": "text",
}

RAW_TABLES: dict[str, dict[str, str]] = {"races": RACES, "runners": RUNNERS, "dividends": DIVIDENDS}

# Lineage columns the loader adds to every raw row.
META_COLUMNS: dict[str, str] = {
    "_source": "text",
    "_partition": "date",
    "_scope": "text",  # '' for whole-day loads; a track code when a day is loaded track by track (race cards)
    "_loaded_at": "timestamptz",
    "_run_id": "text",
}

# The pool names every source maps its own onto: owned by the betting core's dependency-free backtests.betting.pools (the
# settlement rules sit beside them there), re-exported here so loaders read them with the schema. The surfaces and
# runner statuses the quality suites allow are paddock.canonical's SURFACES and STATUSES.
POOLS = pools.POOLS


@dataclass(frozen=True)
class RawBatch:
    """What one read of a source returns: the three raw tables for a range of race dates."""

    races: pd.DataFrame
    runners: pd.DataFrame
    dividends: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"races": self.races, "runners": self.runners, "dividends": self.dividends}


def empty_frame(table: str) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in RAW_TABLES[table]})


def empty_batch() -> RawBatch:
    return RawBatch(empty_frame("races"), empty_frame("runners"), empty_frame("dividends"))
