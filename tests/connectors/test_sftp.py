"""The sftp connector against a real OpenSSH sshd_server started on 127.0.0.1 for these tests."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
import sshd
from connector_support import materialize, recorded, unavailable


@pytest.fixture
def sftp(project_module, sftp_env: sshd.Server):
    return project_module("connectors.sftp")


def listing(sftp, folder: Path) -> list[str]:
    client = sftp.connect(sftp.Settings.from_env())
    try:
        return [Path(f.path).name for f in sftp.list_files(client.open_sftp(), str(folder), "*")]
    finally:
        client.close()


# ---------------------------------------------------------------- the asset, end to end


def test_files_land_in_bronze_then_only_new_or_changed_ones(
    sftp, project_module, outgoing, instance, tmp_path, monkeypatch
):
    asset_module = project_module("defs.bronze.drops")
    monkeypatch.setattr(asset_module, "REMOTE_FOLDER", str(outgoing))
    monkeypatch.setattr(asset_module, "PATTERN", "orders_*.csv")
    (outgoing / "orders_1.csv").write_text("id,amount\n1,19.90\n2,5\n")
    (outgoing / "orders_2.csv").write_text("id,amount\n3,7.5\n")
    (outgoing / "notes.txt").write_text("not matched\n")

    first = materialize(asset_module.bronze_drops, instance, tmp_path)
    frame = pl.read_parquet(recorded(first, "bronze_drops")["path"])
    assert frame["id"].to_list() == ["1", "2", "3"]  # CSV stays text, as received
    assert frame["_source_file"].to_list() == [str(outgoing / "orders_1.csv")] * 2 + [
        str(outgoing / "orders_2.csv")
    ]

    (outgoing / "orders_3.csv").write_text("id,amount,note\n4,1,late\n")
    second = materialize(asset_module.bronze_drops, instance, tmp_path)
    new = pl.read_parquet(recorded(second, "bronze_drops")["path"])
    assert new.to_dicts() == [
        {"id": "4", "amount": "1", "note": "late", "_source_file": str(outgoing / "orders_3.csv")}
    ]
    assert recorded(second, "bronze_drops")["fetched"] == [str(outgoing / "orders_3.csv")]

    (outgoing / "orders_1.csv").write_text("id,amount\n1,19.90\n2,5\n9,9\n")  # changed
    third = materialize(asset_module.bronze_drops, instance, tmp_path)
    assert pl.read_parquet(recorded(third, "bronze_drops")["path"]).height == 3
    assert not [e for e in instance.all_logs(second.run_id) if "differ" in e.user_message]

    everything = materialize(asset_module.bronze_drops, instance, tmp_path, full_refresh=True)
    assert pl.read_parquet(recorded(everything, "bronze_drops")["path"]).height == 5
    warnings = [
        event.user_message
        for event in instance.all_logs(everything.run_id)
        if "differ in columns" in event.user_message
    ]
    assert len(warnings) == 1
    assert "orders_1.csv lacks note" in warnings[0]


def test_parquet_and_ndjson_files_keep_their_types(sftp, outgoing, monkeypatch):
    pl.DataFrame({"id": [1, 2], "at": [0.5, 1.5]}).write_parquet(outgoing / "a.parquet")
    (outgoing / "b.ndjson").write_text('{"id": 3, "tags": ["x"]}\n{"id": 4, "tags": []}\n')
    client = sftp.connect(sftp.Settings.from_env())
    try:
        session = client.open_sftp()
        files = sftp.list_files(session, str(outgoing), "*")
        frames = sftp._download(session, files, None)
    finally:
        client.close()
    warnings: list[str] = []
    combined = sftp.combine(frames, warnings.append)
    assert combined["id"].dtype == pl.Int64
    assert combined["id"].to_list() == [1, 2, 3, 4]
    assert combined["tags"].to_list() == [None, None, ["x"], []]
    assert len(warnings) == 1


# ---------------------------------------------------------------- host keys


def test_an_unknown_host_key_is_refused(sftp, sshd_server, tmp_path, monkeypatch, outgoing):
    other = tmp_path / "other_known_hosts"
    other.write_text(f"[127.0.0.1]:{sshd_server.port + 1} {sshd_server.host_public_key}\n")
    monkeypatch.setenv("SFTP_KNOWN_HOSTS", str(other))
    with pytest.raises(sftp.SftpError, match=r"is not in .*: refusing an unknown host key"):
        listing(sftp, outgoing)


def test_a_changed_host_key_is_refused(sftp, sshd_server, tmp_path, monkeypatch, outgoing):
    impostor = sshd._keygen(tmp_path / "impostor", "ed25519")
    key = " ".join(Path(f"{impostor}.pub").read_text().split()[:2])
    monkeypatch.setenv("SFTP_KNOWN_HOSTS", str(sshd_server.known_hosts(tmp_path / "kh", key)))
    with pytest.raises(sftp.SftpError, match="presented a host key that differs"):
        listing(sftp, outgoing)


def test_a_missing_known_hosts_file_is_named(sftp, tmp_path, monkeypatch, outgoing):
    monkeypatch.setenv("SFTP_KNOWN_HOSTS", str(tmp_path / "nowhere"))
    with pytest.raises(sftp.SftpError, match=r"known_hosts file .*nowhere does not exist"):
        listing(sftp, outgoing)


# ---------------------------------------------------------------- authentication


@pytest.mark.parametrize("kind", ["rsa", "ed25519", "ecdsa"])
def test_key_logins(sftp, sshd_server, kind, monkeypatch, outgoing):
    (outgoing / "x.csv").write_text("a\n1\n")
    monkeypatch.setenv("SFTP_KEY_FILE", str(sshd_server.keys[kind]))
    if kind == "ecdsa":  # this one is protected by a passphrase
        monkeypatch.setenv("SFTP_KEY_PASSPHRASE", sshd_server.passphrase)
    assert listing(sftp, outgoing) == ["x.csv"]


def test_a_key_needing_a_passphrase_says_so(sftp, sshd_server, monkeypatch, outgoing):
    monkeypatch.setenv("SFTP_KEY_FILE", str(sshd_server.keys["ecdsa"]))
    with pytest.raises(sftp.SftpError, match="protected by a passphrase: set SFTP_KEY_PASSPHRASE"):
        listing(sftp, outgoing)
    monkeypatch.setenv("SFTP_KEY_PASSPHRASE", "wrong-passphrase")
    with pytest.raises(sftp.SftpError, match="Cannot load the key in SFTP_KEY_FILE") as caught:
        listing(sftp, outgoing)
    assert "wrong-passphrase" not in str(caught.value)


def test_password_logins_and_a_wrong_password(sftp, monkeypatch, outgoing, tmp_path):
    (outgoing / "x.csv").write_text("a\n1\n")
    with sshd.password_user(tmp_path) as account:
        if account is None:
            unavailable("password logins need root to create a throwaway account")
        user, password = account
        monkeypatch.delenv("SFTP_KEY_FILE")
        monkeypatch.setenv("SFTP_USER", user)
        monkeypatch.setenv("SFTP_PASSWORD", password)
        assert listing(sftp, outgoing) == ["x.csv"]
        monkeypatch.setenv("SFTP_PASSWORD", "not-" + password)
        with pytest.raises(sftp.SftpError) as caught:
            listing(sftp, outgoing)
    assert str(caught.value).endswith(f"refused user '{user}': check SFTP_USER and SFTP_PASSWORD.")
    assert password not in str(caught.value)


def test_neither_password_nor_key_is_named(sftp, monkeypatch):
    monkeypatch.delenv("SFTP_KEY_FILE")
    with pytest.raises(RuntimeError, match="Neither SFTP_PASSWORD nor SFTP_KEY_FILE is set"):
        sftp.Settings.from_env()


def test_a_missing_remote_folder_is_named(sftp, outgoing):
    with pytest.raises(sftp.SftpError, match=r"remote folder .*missing does not exist"):
        listing(sftp, outgoing / "missing")


def test_the_settings_never_show_secrets(sftp, monkeypatch):
    monkeypatch.setenv("SFTP_PASSWORD", "hunter2")
    monkeypatch.setenv("SFTP_KEY_PASSPHRASE", "swordfish")
    shown = repr(sftp.Settings.from_env())
    assert "hunter2" not in shown and "swordfish" not in shown
    assert os.environ["SFTP_HOST"] in shown
