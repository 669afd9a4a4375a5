"""The ledger job: load the ledger file and settle the portfolio, in one run (what the sensor and the UI launch)."""
import dagster as dg

from orchestration.defs.ledger.assets import ledger_bets, portfolio

ledger_job = dg.define_asset_job(
    name="ledger_job", selection=[ledger_bets, portfolio],
    description="Read the ledger file (PADDOCK_LEDGER_FILE) and settle every bet against the marts.",
)
