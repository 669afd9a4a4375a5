"""The betting core: odds, vig removal, value and Kelly staking, arbitrage, exotics, tickets, Harville, pari-mutuel,
exchange settlement, the exchange order book and price ladder.

Pure Python over numbers and frames: no SQL, no I/O, and nothing imported from ``ingestion``, ``orchestration`` or
SQLAlchemy (``tests/unit/test_import_graph.py`` holds it to that). That is what lets every other package use it — the
normalizers and sources in ``ingestion`` parse odds and price pools with it, the backtests and the live signals bet
with it — without an import cycle, and what keeps it usable from a notebook.
"""
