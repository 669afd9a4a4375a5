"""Child processes for the pieces a deployment runs (webserver, daemon, code server): a free loopback port, and
stopping a child's whole process group — a webserver's code server and a daemon's run workers die with it.

Stopping is bounded: SIGTERM to the group, then SIGKILL to whatever is left after a grace period, so a daemon that
ignores SIGTERM (or waits on a run worker) cannot keep an operator waiting for minutes.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import psutil

#: SIGTERM grace before SIGKILL when stopping ``paddock serve``: its whole stop stays within 15 s.
SERVE_GRACE = 8.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    """Whether any live (non-zombie) process is still in group ``pgid``; zombies have exited, whoever reaps them."""
    for candidate in psutil.process_iter(["status"]):
        try:
            if os.getpgid(candidate.pid) == pgid and candidate.info["status"] != psutil.STATUS_ZOMBIE:
                return True
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return False


def _alive(members: list[psutil.Process]) -> list[psutil.Process]:
    left = []
    for member in members:
        try:
            if member.is_running() and member.status() != psutil.STATUS_ZOMBIE:
                left.append(member)
        except psutil.NoSuchProcess:
            continue
    return left


def _signal(pgid: int, members: list[psutil.Process], sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass
    for member in _alive(members):  # descendants that left the group (setsid) are not reached by killpg
        try:
            member.send_signal(sig)
        except psutil.NoSuchProcess:
            continue


def stop_group(process: subprocess.Popen, term_wait: float = 15, kill_wait: float = 5) -> None:
    """SIGTERM the group of ``process`` (started with ``start_new_session=True``) and every descendant, SIGKILL
    whatever has not exited after ``term_wait`` seconds, and wait up to ``kill_wait`` more for the kill to land.

    Waits for the whole group, not only the leader: a leader that exits on SIGTERM while its children hang would
    otherwise leave them running (the bug of ``paddock serve``, whose ``dagster dev`` left the daemon behind).
    """
    try:
        members = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        members = []
    pgid = process.pid
    for sig, wait in ((signal.SIGTERM, term_wait), (signal.SIGKILL, kill_wait)):
        _signal(pgid, members, sig)
        deadline = time.monotonic() + wait
        while True:
            process.poll()  # reap the leader so it does not linger as a zombie in its group
            if process.returncode is not None and not _group_alive(pgid) and not _alive(members):
                return
            if time.monotonic() >= deadline:
                break
            time.sleep(0.1)


def _interrupt(signum, frame):  # noqa: ARG001 - signal handler signature
    raise KeyboardInterrupt(f"signal {signum}")


def run_until_stopped(cmd: list[str], *, cwd, env: dict[str, str], grace: float = SERVE_GRACE) -> int:
    """Run ``cmd`` in a session of its own until it exits, or until this process gets SIGTERM, SIGHUP or Ctrl-C;
    either way nothing it started outlives the call (``stop_group``: SIGTERM, SIGKILL after ``grace`` s).

    The child gets its own session so a terminal's Ctrl-C reaches only us, and the stop is ours to bound: ``dagster
    dev`` handed SIGINT itself waits on its webserver, daemon and code servers for minutes.
    Returns the child's exit code, or 0 when stopped by a signal (an operator's stop is not a failure).
    """
    process = subprocess.Popen(cmd, cwd=cwd, env=env, start_new_session=True)
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:  # a second Ctrl-C or SIGTERM must not abort the stop half-way and orphan what is left
        stopping = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
        during = {sig: signal.signal(sig, signal.SIG_IGN) for sig in stopping}
        try:
            stop_group(process, term_wait=grace, kill_wait=3)
        finally:
            for sig in stopping:
                signal.signal(sig, previous.get(sig, during[sig]))
