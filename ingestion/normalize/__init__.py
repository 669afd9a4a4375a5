"""The one normalizer every race-card parser uses: odds, distances, surfaces, going, post times, margins, weights.

Each function takes the text a site printed and returns typed values (``Decimal`` for odds and distances, tz-aware
UTC with the track's zone for times), or raises ``UnrecognisedValue`` listing the forms it accepts - never a guess.
Having one module means "what does 9-2 mean" or "is AWT synthetic" has one answer across sites.
"""
from ingestion.normalize.distance import Distance, from_furlongs, from_metres, parse_distance
from ingestion.normalize.errors import UnrecognisedValue
from ingestion.normalize.going import GOING_SCALE, Going, parse_going, parse_surface
from ingestion.normalize.odds import SCRATCHED, Odds, parse_decimal_odds, parse_odds
from ingestion.normalize.times import (
    PostTime, from_iso, parse_clock, parse_finish_time, parse_margin, parse_weight_lbs, post_time,
)

__all__ = [
    "GOING_SCALE", "SCRATCHED", "Distance", "Going", "Odds", "PostTime", "UnrecognisedValue", "from_furlongs",
    "from_iso", "from_metres", "parse_clock", "parse_decimal_odds", "parse_distance", "parse_finish_time",
    "parse_going", "parse_margin", "parse_odds", "parse_surface", "parse_weight_lbs", "post_time",
]
