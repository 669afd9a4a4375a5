"""Re-load the ledger when its file changes: the run key is the file's content hash, so an unchanged file never
launches a second run and editing it back and forth launches one run per distinct content.

Stopped by default: a demo or test instance should not start runs on its own; turn it on in the UI when the ledger is a
file you edit. New results reach the portfolio anyway, because ``marts/portfolio`` is downstream of the racing marts.
"""
import hashlib

import dagster as dg

from ingestion.clock import interval  # sensor intervals shrink with a simulated clock's speed
from orchestration.defs.ledger.assets import ledger_file
from orchestration.defs.ledger.schedules import ledger_job


@dg.sensor(job=ledger_job, minimum_interval_seconds=interval(60), default_status=dg.DefaultSensorStatus.STOPPED,
           description="Launch ledger_job when the ledger file's content changes.")
def ledger_file_sensor(context: dg.SensorEvaluationContext):
    path = ledger_file()
    if not path.is_file():
        return dg.SkipReason(f"no ledger file at {path}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return dg.RunRequest(run_key=f"{path.name}:{digest}", tags={"ledger_file": str(path)})
