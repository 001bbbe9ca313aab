"""Send a C library's direct writes to stdout (pyosys, coloquinte) into a log file."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path


@contextlib.contextmanager
def captured_stdout(log: Path | None):
    if log is None:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    with open(log, "ab") as fh:
        os.dup2(fh.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
