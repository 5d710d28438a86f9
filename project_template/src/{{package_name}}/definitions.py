"""The project's Dagster definitions: every asset under defs/, storage and automation.

`dagster dev`, `dg` and run_polster.py all load `defs` from this module.
"""

from pathlib import Path

import dagster as dg

from .storage import io_manager_from_env

# Bronze fetches new raw data once a day; silver and gold follow on their own through their
# eager automation conditions. Both run only while the Dagster daemon does (`dagster dev`
# starts one) and are on by default; switch them off under Automation in the UI.
daily_bronze_schedule = dg.ScheduleDefinition(
    name="daily_bronze",
    cron_schedule="0 0 * * *",
    execution_timezone="UTC",
    target=dg.AssetSelection.groups("bronze"),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Materializes every bronze asset at 00:00 UTC.",
)

medallion_automation = dg.AutomationConditionSensorDefinition(
    name="medallion_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Materializes silver and gold assets when their automation condition says so.",
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(
            resources={"io_manager": io_manager_from_env()},
            schedules=[daily_bronze_schedule],
            sensors=[medallion_automation],
        ),
    )
