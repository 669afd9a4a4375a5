"""`make run` as a user runs it: the whole graph once, history range plus today's cards, an odds poll and the signals.

Runs the real CLI in a subprocess against the session's embedded server, with the local simulators it starts itself.
"""
import os
import subprocess
import sys

from datetime import datetime, timezone

import sqlalchemy as sa


def test_paddock_run_materializes_every_layer(runtime_env, engine):
    started = datetime.now(timezone.utc)
    done = subprocess.run([sys.executable, "-m", "paddock.cli", "run", "--start", "2024-02-05", "--end", "2024-02-11"],
                          env=os.environ.copy(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "run succeeded" in done.stdout
    with engine.connect() as conn:
        count = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in (
            "raw.card_races", "marts.race_cards", "raw.odds", "marts.fct_odds", "marts.best_odds",
            "marts.consensus_prices", "marts.arbitrage_opportunities", "marts.fetch_health", "marts.exotic_value")}
        exotic_dividends = conn.execute(sa.text(
            "SELECT count(*) FROM marts.fct_dividends WHERE pool IN ('exacta', 'trifecta', 'superfecta')")).scalar_one()
        # other modules of the session load odds snapshots of their own (older, fixed times): compare this run's
        fresh = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM raw.odds WHERE snapshot_time >= :t), "
            "(SELECT count(*) FROM marts.fct_odds WHERE snapshot_time >= :t)"), {"t": started}).one()
        synthetic = conn.execute(sa.text(
            "SELECT count(*) FROM marts.fct_races "
            "WHERE source = 'synthetic' AND race_date BETWEEN '2024-02-05' AND '2024-02-11'")).scalar_one()
    assert all(n > 0 for n in count.values()), count
    assert fresh[0] == fresh[1] > 0  # every price this run polled passed the gate and is modelled
    assert synthetic > 0
    # every synthetic exotic dividend is priced (all its horses had tote odds), so each gets a fair-odds comparison
    assert count["marts.exotic_value"] == exotic_dividends
