"""Surfaces and going across US, UK and Hong Kong vocabularies, onto one documented scale.

Surface is one of the schema's ``dirt | turf | synthetic``. All-weather tracks (AWT, Tapeta, Polytrack, Fibresand)
are ``synthetic``: they ride like neither turf nor traditional dirt, and folding them into dirt would hide exactly the
surface effect a model wants to see.

Going keeps the source's word in canonical English lower case (``going`` in the raw tables, so "muddy" and "soft"
stay distinguishable) and adds ``scale``, one ordinal from firmest to deepest, so US dirt, UK turf and HK turf can be
compared. Dirt words are placed by analogy (how the surface rides), which is a judgement, so it is written down here:

    1 hard | 2 firm, fast | 3 good to firm | 4 good, wet fast, standard | 5 good to soft, good to yielding,
    standard to slow | 6 yielding, muddy, slow | 7 soft, yielding to soft, sloppy | 8 soft to heavy | 9 heavy
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.normalize.errors import UnrecognisedValue

SURFACE_WORDS = {
    "dirt": "dirt", "d": "dirt", "泥地": "dirt",
    "turf": "turf", "t": "turf", "grass": "turf", "草地": "turf",
    "synthetic": "synthetic", "all weather": "synthetic", "all-weather": "synthetic", "aw": "synthetic",
    "awt": "synthetic", "all weather track": "synthetic", "tapeta": "synthetic", "polytrack": "synthetic",
    "fibresand": "synthetic", "全天候跑道": "synthetic", "全天候": "synthetic",
}
GOING_SCALE = {
    "hard": 1, "firm": 2, "fast": 2, "good to firm": 3, "good": 4, "wet fast": 4, "standard": 4,
    "good to soft": 5, "good to yielding": 5, "standard to slow": 5, "yielding": 6, "muddy": 6, "slow": 6,
    "soft": 7, "yielding to soft": 7, "sloppy": 7, "soft to heavy": 8, "heavy": 9,
}
_ALIASES = {  # other spellings -> canonical word
    "gd": "good", "gd/fm": "good to firm", "gd-fm": "good to firm", "gf": "good to firm", "gd/sft": "good to soft",
    "gs": "good to soft", "fm": "firm", "sft": "soft", "hvy": "heavy", "ft": "fast", "my": "muddy", "sy": "sloppy",
    "wf": "wet fast", "yl": "yielding", "gy": "good to yielding", "ys": "yielding to soft",
    "std": "standard", "std/slow": "standard to slow",
    # HKJC Chinese
    "快地": "firm", "好地至快地": "good to firm", "好地": "good", "好地至黏地": "good to yielding", "黏地": "yielding",
    "黏地至軟地": "yielding to soft", "軟地": "soft", "大爛地": "heavy", "爛地": "heavy", "濕快地": "wet fast",
    "濕慢地": "slow",
}


@dataclass(frozen=True)
class Going:
    """``word`` is the canonical English going (lower case); ``scale`` is its place on ``GOING_SCALE``."""

    word: str
    scale: int


def _clean(text: object) -> str:
    raw = str(text if text is not None else "").strip().lower()
    raw = re.sub(r"^going\s*:\s*", "", raw)
    return re.sub(r"\s+", " ", raw.replace("_", " ")).strip(" .")


def parse_surface(text: object, where: str = "") -> str:
    """Surface text ("Turf", "AWT", "All Weather", "草地", "Dirt") -> 'dirt' | 'turf' | 'synthetic'."""
    clean = _clean(text)
    surface = SURFACE_WORDS.get(clean) or SURFACE_WORDS.get(clean.split(",")[0].split(" - ")[0].strip())
    if surface is None:
        raise UnrecognisedValue(text, "surface", sorted(set(SURFACE_WORDS)), where)
    return surface


def parse_going(text: object, where: str = "") -> Going:
    """Going text in US/UK/HK (English or Chinese) vocabulary -> ``Going``; unknown words raise, listing the scale."""
    clean = _clean(text)
    word = _ALIASES.get(clean, clean)
    if word not in GOING_SCALE:
        accepted = [f"{w} ({n})" for w, n in GOING_SCALE.items()] + sorted(_ALIASES)
        raise UnrecognisedValue(text, "going", accepted, where)
    return Going(word, GOING_SCALE[word])
