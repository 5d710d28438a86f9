"""Parquet storage for every asset, written and read with Polars.

Layout under ``base_path`` (a local directory or an ``s3://``, ``gs://``, ``az://`` or
``abfss://`` URL):

    bronze/<name>/<UTC timestamp>_<run id>.parquet   one new snapshot per materialization
    silver/<name>.parquet, gold/<name>.parquet       replaced whole on every materialization
    <layer>/<name>/<partition key>.parquet           partitioned assets, one file per partition
    <asset key path>.parquet                         assets outside the medallion naming

Unpartitioned bronze is append-only: a run never overwrites raw data, and downstream assets
read the snapshot that Dagster recorded for the upstream materialization, not the newest file
name. Other files are replaced atomically, so readers never see a half-written file.
"""

import contextlib
import functools
import os
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, get_args
from urllib.parse import urlsplit

import dagster as dg
import polars as pl
from pydantic import Field
from upath import UPath

LAYERS = ("bronze", "silver", "gold")
OBJECT_STORE_SCHEMES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"})
AZURE_SCHEMES = frozenset({"az", "abfs", "abfss"})
SNAPSHOT_NAME = re.compile(r"^\d{8}T\d{12}Z_[^/\\]+\.parquet$")
PREVIEW_ROWS = 5
PREVIEW_CELL_CHARS = 60


def is_object_store(path: str) -> bool:
    """True for URLs that Polars' own cloud IO handles (S3, GCS, Azure)."""
    return urlsplit(path).scheme.lower() in OBJECT_STORE_SCHEMES


def base_upath(base_path: str) -> UPath:
    """The storage root: an object-store URL, or a local directory made absolute."""
    scheme = urlsplit(base_path).scheme.lower()
    if scheme in OBJECT_STORE_SCHEMES:
        return UPath(base_path.rstrip("/") or base_path)
    if scheme == "file":
        base_path = urlsplit(base_path).path
    elif len(scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise ValueError(
            f"Unsupported base_path {base_path!r}: use a local directory or an "
            "s3://, gs://, az:// or abfss:// URL."
        )
    # Absolute, so the recorded `path` metadata still points at the same file from any cwd.
    return UPath(os.path.abspath(os.path.expanduser(base_path)))


def polars_storage_options(
    base_path: str, storage_options: Mapping[str, str] | None
) -> dict[str, str] | None:
    """Options for Polars' object-store IO, or None to let Polars read the environment.

    Polars (object_store) reads AWS_*, GOOGLE_* and AZURE_* variables itself, and still does
    when explicit options are given, so nothing from the environment is copied here.
    """
    if not is_object_store(base_path):
        return None
    options: dict[str, str] = {}
    parts = urlsplit(base_path)
    if parts.scheme.lower() in AZURE_SCHEMES and "@" in parts.netloc:
        # UPath turns `container@account.dfs.core.windows.net` into `container`, so the
        # paths it builds need the account passed back to Polars explicitly.
        options["account_name"] = parts.netloc.split("@", 1)[1].split(".", 1)[0]
    options.update(storage_options or {})
    return options or None


def medallion_location(asset_key: dg.AssetKey, group_name: str | None) -> tuple[str, str] | None:
    """(layer, name) for a medallion asset such as `silver_orders`, else None."""
    if len(asset_key.path) != 1:
        return None
    key = asset_key.path[0]
    prefix, _, rest = key.partition("_")
    if group_name in LAYERS:
        return group_name, rest if prefix == group_name and rest else key
    if prefix in LAYERS and rest:
        return prefix, rest
    return None


def snapshot_file_name(run_id: str, now: datetime | None = None) -> str:
    """`YYYYmmddTHHMMSSffffffZ_<run id prefix>.parquet`: sorts by time, names its run."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}_{run_id[:8]}.parquet"


def markdown_preview(frame: pl.DataFrame) -> str:
    """A small Markdown table of `frame` for the Dagster UI."""
    if not frame.columns:
        return "(no columns)"

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        text = text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")
        return text if len(text) <= PREVIEW_CELL_CHARS else text[: PREVIEW_CELL_CHARS - 1] + "…"

    lines = [
        "| " + " | ".join(cell(name) for name in frame.columns) + " |",
        "|" + "|".join(" --- " for _ in frame.columns) + "|",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join(lines)


def frame_metadata(head: pl.DataFrame, schema: Mapping[str, Any], row_count: int) -> dict:
    """Metadata that costs nothing extra: row count, column types and the first rows."""
    columns = [dg.TableColumn(name, str(dtype)) for name, dtype in schema.items()]
    return {
        "dagster/row_count": dg.MetadataValue.int(row_count),
        "dagster/column_schema": dg.MetadataValue.table_schema(dg.TableSchema(columns=columns)),
        "preview": dg.MetadataValue.md(markdown_preview(head)),
    }


def replace_atomically(final_path: str, write: Callable[[str], object]) -> None:
    """Write to a temporary file beside `final_path`, then rename it over the final path.

    Readers see the old file or the new one, never a partial write; a failed write leaves
    the old file untouched and removes its temporary file.
    """
    directory, name = os.path.split(final_path)
    temporary = os.path.join(directory, f".{name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        write(temporary)
        os.replace(temporary, final_path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _asset_name(context: dg.InputContext | dg.OutputContext) -> str:
    return context.asset_key.to_user_string() if context.has_asset_key else context.name


def _wants_lazy(context: dg.InputContext) -> bool:
    typing_type = context.dagster_type.typing_type
    return typing_type is pl.LazyFrame or pl.LazyFrame in get_args(typing_type)


def _group_name(context: dg.InputContext | dg.OutputContext) -> str | None:
    output = context if isinstance(context, dg.OutputContext) else context.upstream_output
    if output is None:
        return None
    try:
        return output.asset_spec.group_name
    except dg.DagsterInvariantViolationError:
        return None


def _check_frame(context: dg.OutputContext, obj: object) -> None:
    if not isinstance(obj, pl.DataFrame | pl.LazyFrame):
        raise TypeError(
            f"{_asset_name(context)} returned {type(obj).__name__}, but ParquetIOManager "
            "stores only pl.DataFrame or pl.LazyFrame: return one of those."
        )


class ParquetUPathIOManager(dg.UPathIOManager):
    """Dagster's UPathIOManager with Polars Parquet IO and the medallion layout."""

    extension = ".parquet"

    def __init__(
        self,
        base_path: str = "data",
        bronze_retention: int = 30,
        storage_options: Mapping[str, str] | None = None,
    ) -> None:
        if bronze_retention < 0:
            raise ValueError("bronze_retention must be 0 (keep all) or a positive number.")
        super().__init__(base_path=base_upath(base_path))
        self.bronze_retention = bronze_retention
        self.on_object_store = is_object_store(base_path)
        self.polars_options = polars_storage_options(base_path, storage_options)

    # ---------------------------------------------------------------- paths

    def _location(self, context: dg.InputContext | dg.OutputContext) -> tuple[str, str] | None:
        if not context.has_asset_key:
            return None
        return medallion_location(context.asset_key, _group_name(context))

    def _is_bronze_snapshot(self, context: dg.InputContext | dg.OutputContext) -> bool:
        location = self._location(context)
        return location is not None and location[0] == "bronze" and not context.has_asset_partitions

    def get_asset_relative_path(self, context: dg.InputContext | dg.OutputContext) -> UPath:
        location = self._location(context)
        return UPath(*location) if location else super().get_asset_relative_path(context)

    def _get_path(self, context: dg.InputContext | dg.OutputContext) -> UPath:
        if not self._is_bronze_snapshot(context):
            return super()._get_path(context)
        if isinstance(context, dg.OutputContext):
            snapshot = snapshot_file_name(context.run_id)
            return self._get_path_without_extension(context) / snapshot
        return UPath(self._recorded_snapshot(context))

    def _recorded_snapshot(self, context: dg.InputContext) -> str:
        name = _asset_name(context)
        materialization = _recorded_materialization(context)
        if materialization is None:
            raise FileNotFoundError(f"{name} has not been materialized yet; materialize it first.")
        recorded = materialization.metadata.get("path")
        if recorded is None:
            raise FileNotFoundError(
                f"The latest materialization of {name} recorded no 'path'; materialize it "
                "again with ParquetIOManager."
            )
        context.log.debug(f"Reading {name} from its recorded snapshot {recorded.value}")
        return str(recorded.value)

    # ---------------------------------------------------------------- filesystem hooks

    def make_directory(self, path: UPath) -> None:
        if not is_object_store(str(path)):  # object stores have no directories
            os.makedirs(path, exist_ok=True)

    def path_exists(self, path: UPath) -> bool:
        url = str(path)
        if not is_object_store(url):
            return os.path.exists(url)
        try:
            pl.scan_parquet(url, storage_options=self.polars_options).collect_schema()
        except FileNotFoundError:
            return False
        return True

    def _handle_transition_to_partitioned_asset(
        self, context: dg.OutputContext, path: UPath
    ) -> None:
        # `<name>.parquet` and the partition folder `<name>/` never share a name, and the
        # base implementation would need an fsspec backend for object stores.
        if not self.on_object_store:
            super()._handle_transition_to_partitioned_asset(context, path)

    # ---------------------------------------------------------------- writing

    def handle_output(self, context: dg.OutputContext, obj: object) -> None:
        _check_frame(context, obj)  # before any directory or file is created
        super().handle_output(context, obj)

    def dump_to_path(
        self, context: dg.OutputContext, obj: pl.DataFrame | pl.LazyFrame, path: UPath
    ) -> None:
        url = str(path)
        # sink_parquet streams a LazyFrame to the file without collecting it in memory.
        writer = obj.sink_parquet if isinstance(obj, pl.LazyFrame) else obj.write_parquet
        if is_object_store(url):
            writer(url, storage_options=self.polars_options)  # an object PUT is all-or-nothing
        else:
            replace_atomically(url, functools.partial(writer, storage_options=None))
        context.add_output_metadata(self._output_metadata(obj, url))
        if self._is_bronze_snapshot(context):
            self._prune_snapshots(context, path)

    def _output_metadata(self, obj: pl.DataFrame | pl.LazyFrame, url: str) -> dict:
        if isinstance(obj, pl.DataFrame):
            return frame_metadata(obj.head(PREVIEW_ROWS), obj.schema, obj.height)
        written = pl.scan_parquet(url, storage_options=self.polars_options)
        # Both read only the Parquet footer and the first rows, not the table.
        row_count = written.select(pl.len()).collect().item()
        head = written.head(PREVIEW_ROWS).collect()
        return frame_metadata(head, head.schema, row_count)

    def _prune_snapshots(self, context: dg.OutputContext, written: UPath) -> None:
        if self.bronze_retention == 0:
            return
        folder = str(written.parent)
        if self.on_object_store:
            context.log.warning(
                f"bronze_retention={self.bronze_retention} is not applied on object stores yet: "
                f"every snapshot under {folder} is kept. Expire old ones with a bucket "
                "lifecycle rule, or set bronze_retention to 0 to silence this warning."
            )
            return
        older = sorted(
            (n for n in os.listdir(folder) if SNAPSHOT_NAME.match(n) and n != written.name),
            reverse=True,
        )
        stale = older[self.bronze_retention - 1 :]
        for name in stale:
            with contextlib.suppress(FileNotFoundError):  # a concurrent run pruned it first
                os.unlink(os.path.join(folder, name))
        if stale:
            context.log.debug(f"Pruned {len(stale)} old snapshot(s) from {folder}")

    # ---------------------------------------------------------------- reading

    def load_from_path(self, context: dg.InputContext, path: UPath) -> pl.DataFrame | pl.LazyFrame:
        url = str(path)
        on_object_store = is_object_store(url)
        options = self.polars_options if on_object_store else None
        try:
            if not on_object_store and not os.path.exists(url):
                raise FileNotFoundError(url)
            if not _wants_lazy(context):
                return pl.read_parquet(url, storage_options=options)
            frame = pl.scan_parquet(url, storage_options=options)
            if on_object_store:
                frame.collect_schema()  # a missing object fails here, not inside the consumer
            return frame
        except FileNotFoundError as error:
            raise FileNotFoundError(self._missing_message(context, url)) from error

    def _missing_message(self, context: dg.InputContext, url: str) -> str:
        name = _asset_name(context)
        if self._is_bronze_snapshot(context):
            return (
                f"The snapshot recorded for {name} no longer exists: {url} (pruned or deleted). "
                f"Materialize {name} again."
            )
        return f"{name} has not been materialized yet (no file at {url}); materialize it first."


def _recorded_materialization(context: dg.InputContext) -> dg.AssetMaterialization | None:
    """This run's materialization of the asset if it made one, else the latest recorded."""
    instance = context.instance
    try:
        run_id = context.step_context.run_id
    except dg.DagsterInvariantViolationError:
        run_id = None
    if run_id is not None:
        # Prefer this run's own snapshot over one a concurrent run recorded meanwhile.
        records = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records
        for record in reversed(records):
            materialization = record.event_log_entry.asset_materialization
            if materialization is not None and materialization.asset_key == context.asset_key:
                return materialization
    entry = instance.get_latest_materialization_event(context.asset_key)
    return entry.asset_materialization if entry is not None else None


class ParquetIOManager(dg.ConfigurableIOManagerFactory):
    """Stores assets as Parquet files with Polars; bronze keeps a history of snapshots."""

    base_path: str = Field(
        default="data",
        description="Local folder (relative to the working directory) or s3://, gs://, "
        "az:// or abfss:// URL under which the bronze/silver/gold folders live.",
    )
    bronze_retention: int = Field(
        default=30,
        description="Snapshots kept per bronze asset; older ones are deleted. 0 keeps all.",
    )
    storage_options: dict[str, str] | None = Field(
        default=None,
        description="Polars object-store options (e.g. aws_region). Unset: Polars reads "
        "AWS_*, GOOGLE_* and AZURE_* environment variables.",
    )

    def create_io_manager(self, context: dg.InitResourceContext) -> ParquetUPathIOManager:
        return ParquetUPathIOManager(self.base_path, self.bronze_retention, self.storage_options)


def io_manager_from_env() -> ParquetIOManager:
    """The IO manager configured by POLSTER_DATA_PATH and POLSTER_BRONZE_RETENTION."""
    raw_retention = os.environ.get("POLSTER_BRONZE_RETENTION", "").strip() or "30"
    try:
        retention = int(raw_retention)
    except ValueError:
        retention = -1
    if retention < 0:
        raise ValueError(
            "POLSTER_BRONZE_RETENTION must be a whole number of bronze snapshots to keep "
            f"(0 keeps all), not {raw_retention!r}."
        )
    base_path = os.environ.get("POLSTER_DATA_PATH", "").strip() or "data"
    return ParquetIOManager(base_path=base_path, bronze_retention=retention)
