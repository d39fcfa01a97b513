"""Process hygiene for the report batch: no worker or kernel outlives the batch.

* :func:`kill_tree` kills a worker, its process group and every descendant (the kernel runs
  in a session of its own, so a process-group kill alone would miss it);
* :func:`exit_with_parent` makes a worker end when the process that started it ends, however
  that ended (``SIGKILL`` included): ``prctl(PR_SET_PDEATHSIG)`` on Linux and, everywhere, a
  watchdog thread that polls :func:`os.getppid`. Before it exits the worker kills its own
  children (the kernel) and removes the batch's private temporary folder, which holds
  feedback texts.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["descendants", "exit_with_parent", "kill_tree"]


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, grandchildren, ...), from ``/proc``; empty
    where there is no ``/proc``."""
    children: dict[int, list[int]] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and brackets
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.append(child)
                todo.append(child)
    return out


def kill_tree(pid: int, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to ``pid``'s descendants, its process group (when it leads one) and
    ``pid`` itself; processes already gone are ignored."""
    below = descendants(pid)
    for target in below:
        try:
            os.kill(target, sig)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _set_pdeathsig(sig: int) -> None:
    """``prctl(PR_SET_PDEATHSIG, sig)`` on Linux (nothing elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):  # pragma: no cover - no libc/prctl
        pass


def _gone(parent: int, wait: float = 2.0) -> bool:
    """Whether the parent is gone, waiting up to ``wait`` seconds: the death signal comes
    when the *thread* that started us ends, a moment before the whole parent process has
    (``getppid`` still names it then)."""
    deadline = time.monotonic() + wait
    while os.getppid() == parent:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def exit_with_parent(
    cleanup: Callable[[], None] | None = None, poll: float = 0.5
) -> Callable[[], None]:
    """End this process (after ``cleanup`` and killing its own children) once its parent is
    gone, and on ``SIGTERM``.

    Parameters
    ----------
    cleanup : callable, optional
        Run before exiting when the parent is gone (remove the batch's temporary files);
        not on a ``SIGTERM`` while the parent lives (it cleans up itself).
    poll : float
        Seconds between two checks of the parent (the watchdog thread).

    Returns
    -------
    callable
        ``check()``: leaves at once when the parent is gone, and puts the ``SIGTERM``
        handler back. Call it (in the main thread) where the process would otherwise end
        normally or starts new work: nbclient replaces the handler while a notebook runs
        and asyncio resets it to the default when its loop closes.
    """
    parent = os.getppid()
    done = threading.Lock()

    def leave(code: int = 1) -> None:
        if not done.acquire(blocking=False):
            return
        for child in descendants(os.getpid()):
            try:
                os.kill(child, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if cleanup is not None and _gone(parent):  # only when the parent is gone
            try:
                cleanup()
            except Exception:
                pass
        os._exit(code)

    def on_term(signum: int, frame: object) -> None:
        leave(128 + signum)

    main = threading.current_thread() is threading.main_thread()
    if main:
        signal.signal(signal.SIGTERM, on_term)
        _set_pdeathsig(signal.SIGTERM)

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                leave(1)
            time.sleep(poll)

    def check() -> None:
        if os.getppid() != parent:
            leave(1)
        # asyncio (nbclient) sets SIGTERM back to the default when its loop closes
        if main and signal.getsignal(signal.SIGTERM) is not on_term:
            signal.signal(signal.SIGTERM, on_term)

    check()  # the parent died before the death signal was set
    threading.Thread(target=watch, name="cjwork-parent-watchdog", daemon=True).start()
    return check
