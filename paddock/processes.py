"""Child processes for the pieces a deployment runs (webserver, daemon, code server): a free loopback port, and
stopping a child's whole process group — a webserver's code server and a daemon's run workers die with it."""
from __future__ import annotations

import os
import signal
import socket
import subprocess


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(process: subprocess.Popen, term_wait: float = 15) -> None:
    """SIGTERM the group, SIGKILL it if it has not exited after ``term_wait`` seconds."""
    for sig, wait in ((signal.SIGTERM, term_wait), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue
