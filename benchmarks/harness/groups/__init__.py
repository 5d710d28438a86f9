"""The measure groups `--only` picks from, in the order a full run measures them."""

from harness.groups import cli, data, mysql, pipeline, upgrade
from harness.measuring import Group

GROUPS: dict[str, Group] = {
    "help": cli.help_measures,
    "init": cli.init_measures,
    "add-asset": cli.add_asset_measures,
    "list-validate": cli.large_project_measures,
    "pipeline": pipeline.sample_pipeline_measures,
    "mysql": mysql.mysql_measures,
    "data": data.data_measures,
    "floor": data.floor_measures,
    "dagster-polars": data.dagster_polars_measures,
    "upgrade": upgrade.upgrade_measures,
}
