"""How every Dagster peer runs its `peer_job`, as run_polster.py runs its own: one in-process
`execute_job` against the persistent instance in DAGSTER_HOME, logging only critical events."""

import os
import sys
from collections.abc import Sequence
from typing import NoReturn

import dagster as dg

RUN_CONFIG = {
    "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
    "execution": {"config": {"in_process": {}}},
}


def run(script: str, selection: Sequence[dg.AssetKey] | None = None) -> NoReturn:
    """Run `peer_job` of the peer module at path `script`, imported by its file name."""
    folder, file = os.path.split(os.path.abspath(script))
    module = os.path.splitext(file)[0]
    job = dg.build_reconstructable_job(module, "peer_job", reconstructor_working_directory=folder)
    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(job, instance, run_config=RUN_CONFIG, asset_selection=selection)
    sys.exit(0 if result.success else 1)
