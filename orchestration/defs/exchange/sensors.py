"""Load Betfair stream files as they land: one run per (file content, market date) the file covers.

The run key is the file's content hash and the date, so the same file landed twice (or under a new name) loads once,
and a file replaced by a different one reloads the dates it covers. Each run loads the *whole* market date from the
landing folder (``ingestion.exchange.landing``), so files arriving in any order leave the same rows. Hashing a file
costs a full read: the cursor remembers each file's size, mtime and hash, and a tick re-hashes only what changed.
"""
import json

import dagster as dg

from ingestion.clock import interval  # sensor intervals shrink with a simulated clock's speed
from ingestion.exchange.landing import content_digest, landed_files, market_dates
from orchestration.defs.exchange.schedules import exchange_job
from paddock.settings import exchange_dir


def _read_cursor(raw: str | None) -> dict:
    try:
        cursor = json.loads(raw or "{}")
        return cursor if isinstance(cursor, dict) else {}
    except ValueError:
        return {}  # an unreadable cursor costs one re-hash of the folder; run keys still deduplicate


@dg.sensor(job=exchange_job, minimum_interval_seconds=interval(60), default_status=dg.DefaultSensorStatus.RUNNING,
           description="Launch exchange_job for each market date of a new or changed file in PADDOCK_EXCHANGE_DIR.")
def exchange_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    folder = exchange_dir()
    if not folder.is_dir():
        return dg.SensorResult(skip_reason=f"no exchange landing folder at {folder} (PADDOCK_EXCHANGE_DIR)")
    known = _read_cursor(context.cursor).get("files", {})
    files, runs = {}, []
    for path in landed_files(folder):
        name = str(path.relative_to(folder))
        stat = path.stat()
        seen = known.get(name)
        if seen and seen[:2] == [stat.st_mtime_ns, stat.st_size]:
            files[name] = seen
            continue
        digest = content_digest(path)
        dates = sorted(d.isoformat() for d in market_dates(path))
        if not dates:
            context.log.warning(f"{path}: no market definition could be read; nothing to load from it")
        files[name] = [stat.st_mtime_ns, stat.st_size, digest, dates]
        runs += [dg.RunRequest(run_key=f"{digest}:{day}", partition_key=day, tags={"exchange_file": name})
                 for day in dates]
    cursor = json.dumps({"files": files})
    if runs:
        return dg.SensorResult(run_requests=runs, cursor=cursor)
    return dg.SensorResult(skip_reason=f"{len(files)} file(s) in {folder}, none new or changed", cursor=cursor)
