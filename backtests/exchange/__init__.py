"""Exchange backtests: recorded Betfair markets replayed update by update against strategies that back, lay and
take the BSP (``replay``, ``orders``, ``views``), settled by the exchange's rules (``settling`` over the betting
core's ``exchange_settlement``). Plain Python: the caller hands in the stream messages (``ingestion.exchange``
reads the files) and gets orders, per-market settlements and the equity curve back.
"""
