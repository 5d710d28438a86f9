"""The mysql connector against the real MariaDB on 127.0.0.1:3306 (root, no password, `test`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest
from connector_support import materialize, recorded

ROWS = 100_000
SERVER = {"MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": "3306", "MYSQL_USER": "root"}
EXPECTED_TYPES = {
    "id": pl.Int64,
    "code": pl.UInt16,
    "flag": pl.Int8,
    "quantity": pl.Int32,
    "big": pl.UInt64,
    "amount": pl.Decimal(12, 2),
    "ratio": pl.Float32,
    "score": pl.Float64,
    "born": pl.Date,
    "updated_at": pl.Datetime("us"),
    "seen_at": pl.Datetime("us", "UTC"),
    "duration": pl.Duration("us"),
    "name": pl.String,
    "note": pl.String,
    "payload": pl.Binary,
    "attributes": pl.String,
    "status": pl.String,
    "year": pl.Int16,
}
COLUMNS = """
    id BIGINT PRIMARY KEY,
    code SMALLINT UNSIGNED,
    flag TINYINT(1) NOT NULL,
    quantity INT,
    big BIGINT UNSIGNED,
    amount DECIMAL(12,2),
    ratio FLOAT,
    score DOUBLE,
    born DATE,
    updated_at DATETIME(6) NOT NULL,
    seen_at TIMESTAMP(6) NULL,
    duration TIME(6),
    name VARCHAR(64) NOT NULL,
    note TEXT NULL,
    payload VARBINARY(16),
    attributes JSON,
    status ENUM('new', 'paid', 'sent'),
    year YEAR
"""
# Row n of the table, computed by the mariadb from the sequence number `seq`.
VALUES = """
    seq, seq % 65536, seq % 2, CAST(seq AS SIGNED) - 50000, 18446744073709551615 - seq, seq / 100,
    seq / 8, seq * 0.5, DATE_ADD('1970-01-01', INTERVAL seq % 20000 DAY),
    TIMESTAMPADD(MICROSECOND, seq * 1000, '2024-01-01 00:00:00'),
    IF(seq % 7 = 0, NULL, FROM_UNIXTIME(1700000000 + seq)),
    SEC_TO_TIME(CAST(seq AS SIGNED) - 1000000), CONCAT('name-', seq),
    IF(seq % 10 = 0, NULL, REPEAT('é', seq % 40)), UNHEX(LPAD(HEX(seq), 8, '0')),
    JSON_OBJECT('n', seq), ELT(1 + seq % 3, 'new', 'paid', 'sent'), 1901 + seq % 255
"""


@pytest.fixture(scope="module")
def table(mariadb) -> Iterator[str]:
    """A fresh table of ROWS rows of mixed types, dropped afterwards."""
    name = f"polster_customers_{uuid.uuid4().hex[:8]}"
    with mariadb.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {name} ({COLUMNS})")
        cursor.execute(f"INSERT INTO {name} SELECT {VALUES} FROM seq_1_to_{ROWS}")
    yield name
    with mariadb.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def add_rows(mariadb, table: str, first: int, count: int) -> None:
    with mariadb.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} SELECT {VALUES} FROM seq_{first}_to_{first + count - 1}"
        )


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**SERVER, "MYSQL_DATABASE": "test", "MYSQL_PASSWORD": ""}.items():
        monkeypatch.setenv(name, value)
    for name in ("MYSQL_SSL_MODE", "MYSQL_SSL_CA", "MYSQL_CONNECT_TIMEOUT", "MYSQL_READ_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def mysql(project_module, env):
    return project_module("connectors.mysql")


@pytest.fixture
def asset_module(project_module, table: str, env, monkeypatch: pytest.MonkeyPatch):
    module = project_module("defs.bronze.customers")
    monkeypatch.setattr(module, "QUERY", f"SELECT * FROM {table}")
    monkeypatch.setattr(module, "WATERMARK_COLUMN", "id")
    monkeypatch.setattr(module, "BATCH_SIZE", 7_000)
    return module


def snapshot(result) -> pl.DataFrame:
    return pl.read_parquet(recorded(result, "bronze_customers")["path"])


# ---------------------------------------------------------------- the asset, end to end


def test_a_large_table_lands_in_bronze_typed_then_only_new_rows(
    asset_module, mariadb, table, instance, tmp_path
):
    first = materialize(asset_module.bronze_customers, instance, tmp_path)
    assert first.success
    frame = snapshot(first)
    assert frame.height == ROWS
    assert dict(frame.schema) == EXPECTED_TYPES
    row = frame.filter(pl.col("id") == 14).row(0, named=True)
    assert row["amount"] == Decimal("0.14")
    assert row["big"] == 18446744073709551615 - 14
    assert row["seen_at"] is None  # 14 % 7 == 0
    assert row["payload"] == bytes.fromhex("0000000e")
    assert row["note"] == "é" * 14
    assert row["duration"] == timedelta(seconds=14 - 1_000_000)
    later = frame.filter(pl.col("id") == 15).row(0, named=True)
    assert later["seen_at"] == datetime.fromtimestamp(1_700_000_015, UTC)
    metadata = recorded(first, "bronze_customers")
    assert (metadata["watermark"], metadata["load"]) == (f"int:{ROWS}", "full")

    add_rows(mariadb, table, ROWS + 1, 250)
    second = materialize(asset_module.bronze_customers, instance, tmp_path)
    new = snapshot(second)
    assert new["id"].to_list() == list(range(ROWS + 1, ROWS + 251))
    assert dict(new.schema) == EXPECTED_TYPES
    assert recorded(second, "bronze_customers")["watermark"] == f"int:{ROWS + 250}"

    third = materialize(asset_module.bronze_customers, instance, tmp_path)
    assert snapshot(third).height == 0  # nothing new: an empty, typed snapshot
    assert dict(snapshot(third).schema) == EXPECTED_TYPES

    full = materialize(asset_module.bronze_customers, instance, tmp_path, full_refresh=True)
    assert snapshot(full).height == ROWS + 250
    assert recorded(full, "bronze_customers")["load"] == "full"


def test_nothing_secret_is_recorded(asset_module, instance, tmp_path, monkeypatch):
    monkeypatch.setattr(asset_module, "WATERMARK_COLUMN", None)
    result = materialize(asset_module.bronze_customers, instance, tmp_path)
    metadata = recorded(result, "bronze_customers")
    assert metadata["source"] == "mysql://127.0.0.1:3306/test"
    assert "watermark" not in metadata
    assert snapshot(result).height >= ROWS


def test_a_bad_password_is_one_clear_sentence(mysql, monkeypatch):
    monkeypatch.setenv("MYSQL_PASSWORD", "wrong-secret")
    settings = mysql.Settings.from_env()
    with pytest.raises(mysql.MySQLError) as caught:
        mysql.read_query(settings, "SELECT 1")
    message = str(caught.value)
    assert message == (
        "The MySQL server at 127.0.0.1:3306 refused user 'root' (access denied): check "
        "MYSQL_USER and MYSQL_PASSWORD."
    )
    assert "wrong-secret" not in message and "wrong-secret" not in repr(settings)


def test_a_missing_setting_names_the_variable(mysql, monkeypatch):
    monkeypatch.delenv("MYSQL_HOST")
    with pytest.raises(RuntimeError, match=r"^The environment variable MYSQL_HOST is not set"):
        mysql.Settings.from_env()


def test_required_tls_on_a_server_without_it_is_refused(mysql, monkeypatch):
    monkeypatch.setenv("MYSQL_SSL_MODE", "required")
    with pytest.raises(mysql.MySQLError, match=r"MYSQL_SSL_MODE=required but .* does not offer"):
        mysql.read_query(mysql.Settings.from_env(), "SELECT 1")


def test_an_unknown_tls_mode_is_refused(mysql, monkeypatch):
    monkeypatch.setenv("MYSQL_SSL_MODE", "sometimes")
    with pytest.raises(RuntimeError, match="MYSQL_SSL_MODE='sometimes' is not a TLS mode"):
        mysql.Settings.from_env()


def test_values_are_bound_never_spliced_into_the_sql(mysql, table):
    settings = mysql.Settings.from_env()
    hostile = "name-1' OR '1'='1"
    query = f"SELECT id FROM {table} WHERE name = %(name)s"
    assert mysql.read_query(settings, query, {"name": hostile}).collect().height == 0
    assert mysql.read_query(settings, query, {"name": "name-1"}).collect()["id"].to_list() == [1]


def test_a_watermark_column_must_be_a_plain_name(mysql, table):
    with pytest.raises(ValueError, match="not a plain column name"):
        mysql.read_increment(mysql.Settings.from_env(), f"SELECT * FROM {table}", "id`; DROP")


def test_watermarks_of_every_kind_survive_the_metadata(mysql):
    for value in (12, Decimal("1.50"), date(2024, 1, 2), datetime(2024, 1, 2, 3, 4, 5, 6), "b"):
        assert mysql.watermark_from_text(mysql.watermark_to_text(value)) == value


def test_a_streamed_result_is_read_once_and_can_stop_early(mysql, table):
    settings = mysql.Settings.from_env()
    frame = mysql.read_query(settings, f"SELECT * FROM {table}", batch_size=1_000)
    assert frame.head(5).collect().height == 5  # closes the connection without draining
    with pytest.raises(Exception, match="already read"):
        frame.collect()


def test_a_failing_query_fails_when_called(mysql):
    with pytest.raises(mysql.MySQLError, match=r"The query failed on 127\.0\.0\.1:3306/test"):
        mysql.read_query(mysql.Settings.from_env(), "SELECT * FROM no_such_table_here")
