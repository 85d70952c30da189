"""``python -m storage.nx_27017_child PARENT_PID NX-ARGS...``: NX-27017 as a child that
stops when the process that started it dies, however it dies (SIGKILL included).

On Linux the child asks the kernel for SIGTERM when its parent goes
(``PR_SET_PDEATHSIG``), here after exec rather than in a ``preexec_fn``, which is not
safe in a process with threads. The kernel means the parent *thread*: start the
server from a thread that lives as long as the server (the event loop's thread).
Elsewhere a server left by a killed parent is found and stopped at the next start."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main() -> None:
    parent = int(sys.argv[1])
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request was made
        raise SystemExit(1)
    from nx_27017.nx_27017 import main as serve

    sys.argv = ["nx_27017", *sys.argv[2:]]
    serve()


if __name__ == "__main__":
    main()
