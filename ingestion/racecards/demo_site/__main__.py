"""``python -m ingestion.racecards.demo_site --port 8765 [--seed 7] [--at 2026-06-06T16:00:00+00:00]``."""
from __future__ import annotations

import argparse
import signal
import time
from datetime import datetime

from ingestion.racecards.demo_site.server import DemoSite, utc_now


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the demo race-card site on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--at", help="freeze the site's clock at this ISO time with offset (default: real time)")
    args = parser.parse_args(argv)
    frozen = datetime.fromisoformat(args.at) if args.at else None
    site = DemoSite(seed=args.seed, clock=(lambda: frozen) if frozen else utc_now, port=args.port)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # as the Odds API simulator: SIGTERM is a Ctrl-C
    try:  # the banner inside: a stop that arrives as soon as it is read is still a clean stop
        print(f"demo site at {site.start()} (e.g. /cards/BEL/2026-06-06); Ctrl-C to stop", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        site.stop()


if __name__ == "__main__":
    main()
