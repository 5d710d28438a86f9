"""dagster_floor.py with the garbage collector off for the whole run (run_polster.py turns it
off while Dagster loads), so that this floor is the lower bound for any runner that records
Dagster runs."""

import atexit
import gc
import os
import runpy

gc.disable()
atexit.register(gc.freeze)  # runs before the interpreter's last collection
runpy.run_path(os.path.join(os.path.dirname(__file__), "dagster_floor.py"), run_name="__main__")
