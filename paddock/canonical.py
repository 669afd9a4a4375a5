"""The canonical values of the raw racing tables that more than one package checks: surfaces and runner statuses.

Every source maps its own words onto these (``ingestion.sources``), the quality suites reject anything else
(``quality.suites``, ``quality.suites_racecards``) and the tests generate from them. They sit on the ground floor
(no imports, like ``paddock.db`` and ``paddock.pgcopy``) so that ``quality`` can read them without importing
``ingestion``, which imports ``quality`` for its gate. The pool names live beside their settlement rules in
``backtests.betting.pools`` (also import-free); ``ingestion.schema`` documents the columns these values fill.
"""
from __future__ import annotations

SURFACES = ("dirt", "turf", "synthetic")  # raw.races.surface, raw.card_races.surface
STATUSES = ("finished", "dnf", "scratched", "disqualified")  # raw.runners.status
