"""The bet ledger in the warehouse: ``raw.ledger_bets`` (the parsed rows of the configured ledger file) and
``quarantine.ledger_bets`` (its malformed rows with reasons), replaced together in one transaction."""
from __future__ import annotations

from datetime import datetime, timezone

from ingestion.ledger import LedgerLoad

SOURCE = "ledger"
RAW_COLUMNS = {
    "bet_id": "text", "row": "integer", "placed_at": "timestamptz", "race_id": "text", "bet_type": "text",
    "form": "text", "selections": "text", "combinations": "integer", "stake": "numeric(16,2)",
    "odds_taken": "numeric", "odds_text": "text", "bookmaker": "text",
}


def ensure_ledger_tables(engine) -> None:
    from ingestion.schema import META_COLUMNS
    from ingestion.table_ddl import quarantine_table_ddl

    body = ",\n    ".join(f'"{name}" {pg_type}' for name, pg_type in {**RAW_COLUMNS, **META_COLUMNS}.items())
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('paddock.ledger_tables'))")
        conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS raw.ledger_bets (\n    {body}\n)")
        conn.exec_driver_sql(quarantine_table_ddl("ledger_bets"))


def store_ledger(engine, load: LedgerLoad, scope: str, run_id: str) -> dict[str, int]:
    """Make ledger file ``scope`` (its name) the ledger: every earlier ledger's rows in raw and quarantine are
    replaced in one transaction, so the portfolio always settles exactly the configured file (pointing
    PADDOCK_LEDGER_FILE at another file must not add its bets to the old ones)."""
    import pandas as pd

    from ingestion.loader import quarantine_records
    from paddock.pgcopy import copy_rows

    ensure_ledger_tables(engine)
    loaded_at = datetime.now(timezone.utc)
    bets = pd.DataFrame([{name: getattr(bet, name) for name in RAW_COLUMNS} for bet in load.bets],
                        columns=list(RAW_COLUMNS))
    for name, value in (("_source", SOURCE), ("_partition", None), ("_scope", scope), ("_loaded_at", loaded_at),
                        ("_run_id", run_id)):
        bets[name] = value
    rejects = quarantine_records(pd.DataFrame(
        [{"_original": {**r.record, "_row": r.row}, "reasons": r.reasons} for r in load.rejects],
        columns=["_original", "reasons"]))
    rejects.insert(0, "_run_id", run_id)
    rejects.insert(0, "_scope", scope)
    rejects.insert(0, "_source", SOURCE)
    with engine.begin() as conn:
        cursor = conn.connection.cursor()
        key = {"s": SOURCE}
        cursor.execute("DELETE FROM raw.ledger_bets WHERE _source = %(s)s", key)
        cursor.execute("DELETE FROM quarantine.ledger_bets WHERE _source = %(s)s", key)
        types = {f'"{name}"': pg_type.split("(")[0] for name, pg_type in RAW_COLUMNS.items()}
        written = {
            "bets": copy_rows(cursor, "raw.ledger_bets", {**types, "_source": "text", "_partition": "date",
                                                          "_scope": "text", "_loaded_at": "timestamptz",
                                                          "_run_id": "text"}, bets),
            "quarantined": copy_rows(cursor, "quarantine.ledger_bets", {
                "_source": "text", "_scope": "text", "_run_id": "text", "record": "jsonb", "reasons": "text[]"},
                rejects),
        }
        cursor.close()
    return written
