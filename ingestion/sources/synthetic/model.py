"""The generative model's constants and the edges planted in it, with their known answers.

How a race is decided (all in "strength" units; a horse's base ability is N(0, 1)):

    known  = ability + age curve + jockey + trainer + surface affinity + distance fit + generic wet affinity + draw
    hidden = WET_BONUS if wet specialist on wet dirt + DEBUT_BONUS if planted trainer's first-time starter
    true   = known + hidden + FORM_SD * N(0, 1)                    (the horse on the day)
    public = known + PUBLIC_SD * N(0, 1)                            (what bettors believe; never sees ``hidden``)

Finishing order is Plackett-Luce on ``BETA * true`` (argsort of ``BETA * true + Gumbel``). Bettors' win
probabilities are softmax(``PUBLIC_BETA * public``), flatter than ``BETA`` because form and their own error blur
outcomes (this keeps them calibrated: with shares = probabilities every odds band loses about the takeout). Their
pool shares are those probabilities to the power ``FLB_ALPHA`` < 1, which over-bets longshots - the
favourite-longshot bias: seed 7 loses ~14 % at odds <= 2, ~28 % at 10-20 and ~50 % above 50. The tote pays
``1 - WPS_TAKEOUT`` of the pool with US breakage (odds floored to 0.05, minimum 1.05 decimal, i.e. $2.10 per $2),
so the sum of 1/final_odds in a race is about 1/(1 - 0.17) = 1.205 (slightly above, from breakage).

Planted edges (``PLANTED_EDGES``) are exactly the ``hidden`` terms: true strength the public does not price.
"""
from __future__ import annotations

from types import MappingProxyType

# ---------- strength model
BETA = 1.6  # Plackett-Luce / softmax scale on strength
FORM_SD = 0.55  # day-to-day luck the public cannot see
PUBLIC_SD = 0.35  # public's estimation error
PUBLIC_BETA = 1.15  # the public's softmax scale (see above)
CLASS_SORT_SD = 0.8  # noise when the racing office sorts horses into races (sets within-race spread)
AGE_CURVE = {2: -0.35, 3: -0.1, 4: 0.05, 5: 0.05, 6: -0.1, 7: -0.25}  # 8+ -> AGE_OLD
AGE_OLD = -0.4
TURF_SD, SYNTH_SD, WET_SD = 0.35, 0.25, 0.15
DIST_PENALTY, DIST_PENALTY_CAP = 0.02, 0.6  # per furlong^2 away from best distance
DRAW_SPRINT_DIRT = 0.03  # per stall outward, dirt sprints (<= 7 f)
DRAW_ROUTE_TURF = 0.035  # per stall beyond 7, turf routes (>= 8 f)

# ---------- planted edges (hidden strength)
WET_SPECIALIST_SHARE = 0.05
WET_BONUS = 0.8
WET_GOINGS = ("muddy", "sloppy")
DEBUT_TRAINER_ID = "SYN-T007"  # a Belmont (BEL) barn; carries DEBUT_TRAINER_WEIGHT x a normal share of horses
DEBUT_TRAINER_TRACK, DEBUT_TRAINER_SLOT, DEBUT_TRAINER_WEIGHT = "BEL", 6, 4.0
DEBUT_BONUS = 1.0

# ---------- field, incidents, market
RACES_PER_DAY = (8, 12)
FIELD_MIN, FIELD_MAX, FIELD_P = 5, 14, 0.42  # entries = 5 + Binomial(9, 0.42)
SCRATCH_RATE = 0.03  # late scratches; never below 5 starters
DNF_RATE = 0.006  # pulled up / lost rider
DEAD_HEAT_RATE = 0.004  # dead heat for win (only for win)
WPS_TAKEOUT = 0.17
EXOTIC_TAKEOUT = 0.22
FLB_ALPHA = 0.85
PLACE_ALPHA, SHOW_ALPHA = 0.8, 0.7
BET_NOISE_SD, EXOTIC_NOISE_SD = 0.08, 0.15
MORNING_LINE_SD = 0.45  # the track handicapper's line is a noisier view than the public's
MORNING_LINE_BETA = 0.8  # and a compressed one: lines rarely go past 30-1
MORNING_LINE_OVERROUND = 1.2
UNPARSEABLE_ML_RATE = 0.002  # "N/A" printed instead of a line: something for the data-quality report to count
UNPARSEABLE_ML_TEXT = "N/A"
SECONDS_PER_LENGTH = 0.2  # US chart convention

MORNING_LINES = (
    ("1-5", 0.2), ("2-5", 0.4), ("1-2", 0.5), ("3-5", 0.6), ("4-5", 0.8), ("EVEN", 1.0), ("6-5", 1.2),
    ("7-5", 1.4), ("3-2", 1.5), ("8-5", 1.6), ("9-5", 1.8), ("2-1", 2.0), ("5-2", 2.5), ("3-1", 3.0),
    ("7-2", 3.5), ("4-1", 4.0), ("9-2", 4.5), ("5-1", 5.0), ("6-1", 6.0), ("8-1", 8.0), ("10-1", 10.0),
    ("12-1", 12.0), ("15-1", 15.0), ("20-1", 20.0), ("30-1", 30.0), ("50-1", 50.0),
)

PLANTED_EDGES = MappingProxyType({
    "wet_specialists": MappingProxyType({
        "who": f"horses with wet_specialist=True in SyntheticSource.population() (~{WET_SPECIALIST_SHARE:.0%})",
        "when": "surface == 'dirt' and going in ('muddy', 'sloppy')",
        "effect": f"+{WET_BONUS} true strength (about one standard deviation of ability), not in public odds",
        "expect": "their wet-dirt win rate clearly beats their dry win rate and their wet-dirt ROI is positive",
    }),
    "first_time_starters": MappingProxyType({
        "who": f"horses trained by {DEBUT_TRAINER_ID} ({DEBUT_TRAINER_TRACK})",
        "when": "the horse's first career start (race_date == debut_date in population())",
        "effect": f"+{DEBUT_BONUS} true strength on debut only, not in public odds",
        "expect": "debut win rate well above the mean implied probability 1/final_odds; positive flat-stake ROI",
    }),
})
