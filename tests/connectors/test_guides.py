"""The connector guides rendered into a project (docs/connectors/*.md) say what the code does:
every ```python example in them runs, in order, against the local test servers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

EXAMPLE = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
GUIDE_DATABASE = "polster_guides"


def run_examples(guide: Path, replacements: dict[str, str] | None = None) -> str:
    """Run the guide's Python examples in one namespace; return what they printed."""
    text = guide.read_text()
    for old, new in (replacements or {}).items():
        text = text.replace(old, new)
    examples = EXAMPLE.findall(text)
    assert examples, f"{guide.name} has no Python example"
    printed: list[str] = []
    namespace = {"print": lambda *args: printed.append(" ".join(map(str, args)))}
    for number, example in enumerate(examples, 1):
        try:
            exec(compile(example, f"{guide.name} example {number}", "exec"), namespace)
        except Exception as error:
            raise AssertionError(f"{guide.name} example {number} failed:\n{example}") from error
    return "\n".join(printed)


def test_every_connector_has_a_guide(connector_project: Path):
    guides = sorted(path.name for path in (connector_project / "docs" / "connectors").iterdir())
    assert guides == ["mysql.md", "rest-api.md", "sftp.md"]
    readme = (connector_project / "README.md").read_text()
    for guide in guides:
        assert f"(docs/connectors/{guide})" in readme


def test_the_mysql_guide(connector_project, project_module, mariadb, monkeypatch):
    with mariadb.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {GUIDE_DATABASE}")
        cursor.execute(f"CREATE DATABASE {GUIDE_DATABASE}")
        cursor.execute(
            f"CREATE TABLE {GUIDE_DATABASE}.customers "
            "(id INT PRIMARY KEY, email VARCHAR(80), signed_up DATE)"
        )
        cursor.execute(
            f"INSERT INTO {GUIDE_DATABASE}.customers VALUES "
            "(1, 'a@example.com', '2023-12-31'), (2, 'b@example.com', '2024-02-01'), "
            "(3, 'c@example.com', '2024-03-01')"
        )
    for name, value in {
        "MYSQL_HOST": "127.0.0.1",
        "MYSQL_USER": "root",
        "MYSQL_PASSWORD": "",
        "MYSQL_DATABASE": GUIDE_DATABASE,
    }.items():
        monkeypatch.setenv(name, value)
    try:
        printed = run_examples(connector_project / "docs" / "connectors" / "mysql.md")
    finally:
        with mariadb.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {GUIDE_DATABASE}")
    assert "b@example.com" in printed and "a@example.com" not in printed
    assert "refused user 'root' (access denied)" in printed
    assert "not-the-password" not in printed
    assert printed.splitlines()[-3:-1] == ["3 3", "0"]  # the watermark, then nothing newer


def test_the_rest_api_guide(connector_project, project_module, httpserver, monkeypatch):
    monkeypatch.setenv("SHOP_API_BASE_URL", httpserver.url_for("/v1"))
    monkeypatch.setenv("SHOP_API_KEY", "key-1")
    pages = [(None, [{"id": 1}, {"id": 2}], "c2"), ("c2", [{"id": 3}], None)]
    for cursor, rows, following in pages:
        query = {"status": "paid", "api_key": "key-1", **({"cursor": cursor} if cursor else {})}
        httpserver.expect_ordered_request("/v1/orders", query_string=query).respond_with_json(
            {"data": rows, "meta": {"next_cursor": following}}
        )
    printed = run_examples(connector_project / "docs" / "connectors" / "rest-api.md")
    assert "shape: (3, 1)" in printed
    httpserver.check_assertions()


def test_the_sftp_guide(connector_project, project_module, sftp_env, outgoing, monkeypatch):
    (outgoing / "orders_1.csv").write_text("id\n1\n")
    (outgoing / "other.csv").write_text("id\n2\n")
    monkeypatch.setenv("SFTP_KEY_FILE", str(sftp_env.keys["rsa"]))
    guide = connector_project / "docs" / "connectors" / "sftp.md"
    # The only change: the guide's remote folder is this test's folder.
    printed = run_examples(guide, {'"/outgoing"': repr(str(outgoing))})
    assert printed.splitlines()[0].startswith(f"{outgoing / 'orders_1.csv'} 5 ")
    assert "/outgoing/day1.csv lacks note" in printed
    assert "shape: (2, 4)" in printed


@pytest.mark.parametrize("guide", ["mysql.md", "rest-api.md", "sftp.md"])
def test_the_guides_name_only_settings_the_code_reads(connector_project, guide):
    text = (connector_project / "docs" / "connectors" / guide).read_text()
    kind = guide.removesuffix(".md").replace("-", "_")
    source = (connector_project / "src" / "connshop" / "connectors" / f"{kind}.py").read_text()
    prefix = {"mysql": "MYSQL", "sftp": "SFTP"}.get(kind)
    if prefix is None:
        return  # the REST guide's variables are the example's own
    for suffix in set(re.findall(rf"`{prefix}_([A-Z_]+)`", text)) - {"SSL_*"}:
        assert f'_{suffix}"' in source, f"{guide} names {prefix}_{suffix}, which the code ignores"
