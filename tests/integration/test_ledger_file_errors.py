"""A ledger file that cannot be read as text fails the ``raw/ledger_bets`` materialization with one line naming the file
and line (what ``paddock run`` prints as the step failure), and nothing stored is replaced."""
import dagster as dg
import pytest
import sqlalchemy as sa

from ingestion.ledger_store import ensure_ledger_tables
from orchestration.defs.ledger.assets import ledger_bets
from orchestration.defs.warehouse.resources import WarehouseResource
from paddock.cli.runner import step_failures

pytestmark = pytest.mark.integration
HEADER = b"bet_id,placed_at,race_id,bet_type,selections,stake\n"
GOOD = b"b1,2024-03-02,BEL-20240302-03,win,4,10\n"


@pytest.mark.parametrize("body, message", [
    (GOOD + b"b2,2024-03-02,BEL-\xff,win,4,10\n", "line 3: byte(s) b'\\xff' are not UTF-8 (save the file as UTF-8)"),
    (GOOD + b"b2,2024-03-02," + b"y" * 10_000_000 + b",win,4,10\n",
     "line 3: not readable as CSV (field larger than field limit (131072))"),
])
def test_an_unreadable_ledger_is_one_line_and_writes_nothing(engine, tmp_path, monkeypatch, body, message):
    ensure_ledger_tables(engine)
    path = tmp_path / "bets.csv"
    path.write_bytes(HEADER + body)
    monkeypatch.setenv("PADDOCK_LEDGER_FILE", str(path))
    count = "SELECT (SELECT count(*) FROM raw.ledger_bets), (SELECT count(*) FROM quarantine.ledger_bets)"
    with engine.connect() as conn:
        before = conn.execute(sa.text(count)).one()
    result = dg.materialize([ledger_bets], raise_on_error=False, instance=dg.DagsterInstance.ephemeral(),
                            resources={"warehouse": WarehouseResource(database_url=dg.EnvVar("DATABASE_URL"))})
    assert not result.success
    # what `paddock run` prints for it: one line with the file and the line
    assert step_failures(result) == [f"step failed: raw__ledger_bets: ingestion.ledger.LedgerFileError: {path}, {message}"]
    with engine.connect() as conn:
        assert conn.execute(sa.text(count)).one() == before
