"""Betting on today's races and prices rather than on history: live signals, strategy monitoring, the portfolio.

These modules read the marts and write their own tables (arbitrage and value signals, exotic value, strategy
triggers, the settled ledger), so they run SQL; the betting math they apply comes from ``backtests.betting`` and the
strategies from ``backtests.strategies`` — the same code the backtests run, so a live pick is the pick a backtest
would have made.
"""
