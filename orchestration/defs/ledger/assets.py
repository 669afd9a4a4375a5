"""The user's own bets as a data source: ``raw/ledger_bets`` from a CSV file and ``marts/portfolio`` settled from it.

Parsing and settlement live in ``ingestion.ledger`` and ``backtests.live.portfolio`` (no Dagster); these assets only pick
the file, store what it held and show the result. The file is ``PADDOCK_LEDGER_FILE``, or the example ledger so that
the demo has a portfolio to look at. Malformed rows never fail the run: they go to quarantine.ledger_bets with their
reasons, and the ``ledger_rows_parse`` check turns yellow so the user sees them.
"""
import os
from pathlib import Path

import dagster as dg

from backtests.live.portfolio import publish_portfolio
from backtests.report import markdown_table
from ingestion.ledger import read_ledger
from ingestion.ledger_store import store_ledger
from orchestration.defs.warehouse.resources import WarehouseResource
from paddock.db import PROJECT_ROOT

DEFAULT_LEDGER = PROJECT_ROOT / "examples" / "ledger.csv"
PARSE_CHECK = "ledger_rows_parse"
LEDGER_KEY = dg.AssetKey(["raw", "ledger_bets"])
RESULTS = [dg.AssetKey(["marts", "fct_runners"]), dg.AssetKey(["marts", "fct_dividends"])]


def ledger_file() -> Path:
    return Path(os.environ.get("PADDOCK_LEDGER_FILE") or DEFAULT_LEDGER)


@dg.asset(
    key=LEDGER_KEY, group_name="ledger", kinds={"python", "postgres"},
    check_specs=[dg.AssetCheckSpec(PARSE_CHECK, asset=LEDGER_KEY,
                                   description="Every ledger row parsed (malformed ones: quarantine.ledger_bets)")],
    description="The user's bets from the ledger CSV (PADDOCK_LEDGER_FILE), parsed; the file's rows in "
                "raw.ledger_bets are replaced as a whole, malformed rows go to quarantine.ledger_bets with reasons.",
)
def ledger_bets(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    path = ledger_file()
    load = read_ledger(path)
    written = store_ledger(warehouse.ready_engine(), load, path.name, context.run_id)
    context.log.info(f"{path}: {len(load.bets)} bets, {len(load.rejects)} quarantined")
    rejects = [{"row": r.row, "bet_id": r.record.get("bet_id"), "reasons": "; ".join(r.reasons)}
               for r in load.rejects[:20]]
    return dg.MaterializeResult(
        metadata={"file": str(path), "bets": dg.MetadataValue.int(written["bets"]),
                  "quarantined": dg.MetadataValue.int(written["quarantined"])},
        check_results=[dg.AssetCheckResult(
            check_name=PARSE_CHECK, passed=not load.rejects, severity=dg.AssetCheckSeverity.WARN,
            metadata={"quarantined": dg.MetadataValue.int(len(load.rejects)),
                      "rejects": dg.MetadataValue.md(markdown_table(rejects, ["row", "bet_id", "reasons"]))})],
    )


@dg.asset(
    key=["marts", "portfolio"], deps=[ledger_bets, *RESULTS], group_name="ledger", kinds={"python", "postgres"},
    description="The ledger's bets settled against official results and dividends: marts.portfolio_bets (one row per "
                "bet: won / lost / refunded / pending / unmatched, returned, profit) and marts.portfolio_summary "
                "(per bet type and 'all': counts, staked, returned, profit, ROI).",
)
def portfolio(warehouse: WarehouseResource) -> dg.MaterializeResult:
    published = publish_portfolio(warehouse.ready_engine())
    columns = ["bet_type", "bets", "won", "lost", "refunded", "pending", "unmatched", "staked", "returned", "profit",
               "roi"]
    overall = published["overall"] or {}
    return dg.MaterializeResult(metadata={
        "bets": dg.MetadataValue.int(published["bets"]),
        "profit": dg.MetadataValue.float(float(overall.get("profit", 0))),
        "roi": dg.MetadataValue.float(float(overall["roi"]) if overall.get("roi") is not None else 0.0),
        "summary": dg.MetadataValue.md(markdown_table(published["summary"], columns)),
    })
