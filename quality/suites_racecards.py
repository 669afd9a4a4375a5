"""Expectation suites for race *cards* (``raw.card_races`` / ``raw.card_runners``), built from ``quality.suites``.

A card is judged before anyone bets on it, so the rules are about whether the card is usable, not about results:
every race once, a plausible distance and field size, each runner named and in its own stall. Results pages go
through the ordinary ``races``/``runners``/``dividends`` suites because they land in the #2 raw tables.

``gate_card`` runs these suites through the gate's own engine (``quality.gate.gate_suite``): ``quality.gate.gate`` only
looks suites up in ``quality.suites.SUITES``, which this module must not edit. Registering them there
(``SUITES.update(CARD_SUITES)``) would let ``gate()`` serve them directly.
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from paddock.canonical import SURFACES
from quality.gate import GateResult, gate_suite
from quality.suites import (
    DISTANCE_UNITS, WARNING, SuiteSpec, batch_rules, between, in_set, not_null, unique,
)

# Plausible flat/jumps race lengths: the shortest US sprints are 2 furlongs, the longest jumps races ~4.5 miles; a card
# outside that is a mis-parsed distance (metres read as furlongs, a dropped "1" of "1 1/16 Miles").
MIN_FURLONGS, MAX_FURLONGS = 2, 36
# Field size as entered: a match race has 2; 24 is the largest field any track here starts (Kentucky Derby-style
# fields are 20 + also-eligibles). Scratched runners count: the size checks the card was read whole.
MIN_RUNNERS, MAX_RUNNERS = 2, 24
MAX_STALLS = 24

CARD_RACES_SUITE = SuiteSpec("card_races", (
    not_null("card_races", "race_id"),
    not_null("card_races", "race_date"),
    not_null("card_races", "track_code"),
    not_null("card_races", "race_number"),
    # the refresh sensor schedules re-scrapes from post times: a race without one can never be refreshed
    not_null("card_races", "post_time"),
    between("card_races", "race_number", 1, 20),
    not_null("card_races", "distance_furlongs"),
    between("card_races", "distance_furlongs", MIN_FURLONGS, MAX_FURLONGS),
    in_set("card_races", "distance_unit", DISTANCE_UNITS),
    in_set("card_races", "surface", SURFACES),
    between("card_races", "runner_count", MIN_RUNNERS, MAX_RUNNERS),
    unique("card_races", "race_id"),
    *batch_rules("card_races"),
))

CARD_RUNNERS_SUITE = SuiteSpec("card_runners", (
    not_null("card_runners", "race_id"),
    not_null("card_runners", "race_date"),
    not_null("card_runners", "horse_id"),
    not_null("card_runners", "horse_name"),
    not_null("card_runners", "horse_number"),
    # cards print "TBA" riders and late trainer transfers; a missing connection is worth seeing, not rejecting
    not_null("card_runners", "jockey_name", WARNING),
    not_null("card_runners", "trainer_name", WARNING),
    between("card_runners", "horse_number", 1, 40),
    between("card_runners", "post_position", 1, MAX_STALLS),
    unique("card_runners", "race_id", "horse_number"),
    unique("card_runners", "race_id", "post_position"),
    *batch_rules("card_runners"),
))

CARD_SUITES: dict[str, SuiteSpec] = {s.name: s for s in (CARD_RACES_SUITE, CARD_RUNNERS_SUITE)}


def gate_card(frames: Mapping[str, pd.DataFrame], *, quarantine_warnings: bool = False) -> dict[str, GateResult]:
    """Gate a card's races, then its runners; runners of a quarantined race are quarantined with it."""
    races = gate_suite(frames["card_races"], CARD_RACES_SUITE, quarantine_warnings=quarantine_warnings)
    runners = gate_suite(frames["card_runners"], CARD_RUNNERS_SUITE, quarantine_warnings=quarantine_warnings,
                    published_race_ids=set(races.published["race_id"]))
    return {"card_races": races, "card_runners": runners}
