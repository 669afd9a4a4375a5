"""Local stand-ins for the outside world, started by ``paddock serve`` / ``make up`` so the demo is alive offline.

- The demo race-card site (``ingestion.racecards.demo_site``) — always: it is what the demo scrapes.
- The Odds API simulator (``ingestion.odds_api.simulator``) — only when no ``ODDS_API_KEY`` is configured; with a real
  key (and optionally ``ODDS_API_BASE_URL``) the platform talks to the real API instead.

They run as child processes bound to 127.0.0.1 and are published to Dagster through environment variables.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

from paddock import settings

DEMO_SITE_PORT = int(os.environ.get("PADDOCK_DEMO_SITE_PORT", "8701"))
ODDS_SIM_PORT = int(os.environ.get("PADDOCK_ODDS_SIM_PORT", "8702"))
SIMULATOR_API_KEY = "sim-key"  # the simulator's own key; not a secret


@dataclass
class LocalSources:
    processes: list[subprocess.Popen] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)

    def terminate(self) -> None:
        """Ask every simulator to exit (no wait): ``paddock serve`` does this first so they stop in parallel with
        Dagster."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()

    def stop(self, wait: float = 3.0) -> None:
        """SIGTERM them all, SIGKILL whatever is still running ``wait`` seconds later (shared, not per process)."""
        self.terminate()
        deadline = time.monotonic() + wait
        for process in self.processes:
            try:
                process.wait(max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(2)


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"local simulator exited early ({process.args}) with code {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"local simulator did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


def _spawn(module: str, port: int, *args: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", module, "--port", str(port), *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_port(port, process)
    return process


def start_local_sources() -> LocalSources:
    """Start what is needed and export its URLs into this process's environment (inherited by Dagster)."""
    started = LocalSources()
    # The site's seed is the synthetic history's, so its cards show the horses and people the history has form for.
    started.processes.append(_spawn("ingestion.racecards.demo_site", DEMO_SITE_PORT,
                                    "--seed", str(settings.synthetic_seed())))
    started.urls["Demo race-card site"] = f"http://127.0.0.1:{DEMO_SITE_PORT}"
    started.env["PADDOCK_DEMO_SITE_URL"] = started.urls["Demo race-card site"]
    if os.environ.get("ODDS_API_KEY", SIMULATOR_API_KEY) in ("", SIMULATOR_API_KEY):  # no real key configured
        started.processes.append(_spawn("ingestion.odds_api.simulator", ODDS_SIM_PORT, "--api-key", SIMULATOR_API_KEY))
        started.urls["Odds API simulator"] = f"http://127.0.0.1:{ODDS_SIM_PORT}"
        started.env["ODDS_API_KEY"] = SIMULATOR_API_KEY
        started.env["ODDS_API_BASE_URL"] = started.urls["Odds API simulator"]
    os.environ.update(started.env)
    return started
