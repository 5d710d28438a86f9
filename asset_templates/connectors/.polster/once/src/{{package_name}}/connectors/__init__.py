"""Connectors to the systems bronze assets load from: MySQL, REST APIs, SFTP servers.

`polster add-asset --template mysql|rest-api|sftp` adds the module of a connector the first
time an asset uses it (docs/connectors/ has a guide for each). Connectors read their settings
from environment variables when an asset runs, not when the definitions load, so the project
loads without them. What an incremental asset remembers between runs (a watermark, the files
already fetched) is kept by Dagster in the metadata of the asset's latest materialization.
"""

import os
from typing import Any

import dagster as dg


class MissingSettingError(RuntimeError):
    """An environment variable a connector needs is not set."""


def required_setting(name: str) -> str:
    """The value of the environment variable `name`; one sentence naming it when unset."""
    value = os.environ.get(name, "")
    if not value:
        raise MissingSettingError(
            f"The environment variable {name} is not set: add it to .env (see .env.example) "
            "or to the environment the pipeline runs in."
        )
    return value


def optional_setting(name: str, default: str = "") -> str:
    return os.environ.get(name) or default


def number_setting(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise MissingSettingError(
            f"{name}={raw!r} is not a number: set it to e.g. {default:g}."
        ) from None


class IncrementalLoadConfig(dg.Config):
    """Run config of an incremental bronze asset."""

    full_refresh: bool = False
    """Ignore what earlier runs recorded and load everything again."""


def latest_metadata(context: dg.AssetExecutionContext) -> dict[str, Any]:
    """The metadata values of this asset's latest materialization ({} before the first)."""
    event = context.instance.get_latest_materialization_event(context.asset_key)
    materialization = event.asset_materialization if event else None
    if materialization is None:
        return {}
    return {key: value.value for key, value in materialization.metadata.items()}
