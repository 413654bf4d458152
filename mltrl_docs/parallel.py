"""Work handed to a second process, where the system allows it, to use a second core.

A large build has two pieces of work that need nothing from each other for a
while: reading the history from git and reading the documents; later,
rendering technology pages and laying them out in the theme. Python runs one
thread at a time, so each is given to a forked copy of the process.

A copy is made only where it is safe and useful: on Linux, with two cores
free, from a process running a single thread (forking a process with other
threads can leave locks held in the copy). ``MLTRL_PARALLEL=0`` in the
environment turns it off. The copy never logs and leaves with ``os._exit``, so
no exit handler or buffered output of the build runs twice.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from .errors import ProcessFailed


def free_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def available() -> bool:
    """Whether a second process can be used here: Linux, two cores, one thread, and not turned off."""
    return (sys.platform == "linux" and hasattr(os, "fork") and os.environ.get("MLTRL_PARALLEL", "1") != "0"
            and free_cores() >= 2 and threading.active_count() == 1)


class Forked:
    """``target()`` running in a forked copy of this process; :meth:`result` returns what it returned.

    The result travels back pickled through a pipe, which a thread of this
    process empties as it fills, so the copy never waits on it.
    """

    def __init__(self, target: Callable[[], Any]) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the copy
            code = 0
            try:
                os.close(read_end)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                try:
                    data = pickle.dumps(("ok", target()), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception as exc:  # noqa: BLE001 - reported; the caller then does the work itself
                    data = pickle.dumps(("failed", f"{type(exc).__name__}: {exc}"))
                view = memoryview(data)
                while view:
                    view = view[os.write(write_end, view):]
            except BaseException:  # noqa: BLE001 - whatever happens, leave without running the build's handlers
                code = 1
            finally:
                os._exit(code)
        os.close(write_end)
        self.pid = pid
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._drain, args=(read_end,), name="mltrl-forked", daemon=True)
        self._reader.start()

    def _drain(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                self._chunks.append(chunk)

    def result(self) -> Any:
        """What ``target()`` returned; :class:`~mltrl_docs.errors.ProcessFailed` when the copy failed or died."""
        self._reader.join()
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            status = 0
        try:
            outcome, value = pickle.loads(b"".join(self._chunks))
        except Exception as exc:  # noqa: BLE001 - a copy killed half-way leaves a truncated pickle
            raise ProcessFailed(f"the second process ended without a result (status {status})") from exc
        finally:
            self._chunks = []
        if outcome != "ok":
            raise ProcessFailed(str(value))
        return value
