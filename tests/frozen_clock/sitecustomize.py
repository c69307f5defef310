"""Freezes the wall clock of every Python process the test suite starts.

``tests/conftest.py`` puts this folder first on ``PYTHONPATH`` and names the instant in
``FAIMETA_TEST_NOW``, so a child interpreter (``python -m refresher.cli``, Gate in its own
virtual environment) reads the same clock as the tests in the suite's own process. A child that
cannot freeze its clock stops at once: a test that silently read the real clock is what this
exists to prevent.
"""

import os
import sys

_now = os.environ.get("FAIMETA_TEST_NOW")
if _now:
    try:
        import time_machine
    except ImportError:
        sys.stderr.write(f"tests/frozen_clock: {sys.executable} has no time-machine, so it would read the "
                         "wall clock; install time-machine in that environment\n")
        sys.stderr.flush()
        os._exit(3)
    from datetime import datetime

    # tick: a child may wait on time.time() (a server, a lock); it starts at the instant and runs on
    time_machine.travel(datetime.fromisoformat(_now.replace("Z", "+00:00")), tick=True).start()
