"""Hypothesis throws names and dependency lists at `add-asset`: each is either added exactly
as the rules say, or refused in one line with the project unchanged."""

from __future__ import annotations

import json
import keyword
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import tree

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
VALID_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
BRONZE = {"raw_orders": "bronze_raw_orders", "raw_customers": "bronze_raw_customers"}
BRONZE_TOKENS = [*BRONZE, *BRONZE.values()]
OTHER_TOKENS = ["validated_orders", "silver_validated_orders", "order_metrics", "nope", "raw"]


@pytest.fixture(scope="module")
def project_copy(rendered_shop: Path) -> Iterator:
    """A context manager: a fresh copy of the project, as the working directory."""
    original = Path.cwd()

    @contextmanager
    def fresh() -> Iterator[Path]:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch) / "shop"
            shutil.copytree(rendered_shop, root)
            os.chdir(root)
            try:
                yield root
            finally:
                os.chdir(original)

    return fresh


def assert_refused(result, root: Path, before: dict[str, bytes]) -> None:
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert tree(root) == before


names = st.one_of(
    st.text(alphabet="abcxyz_019-. AZ", max_size=70),
    st.from_regex(VALID_NAME, fullmatch=True),
    st.sampled_from([*keyword.kwlist, "raw_orders", "bronze_x"]),
)


@FUZZ
@given(name=names)
def test_a_name_is_added_or_refused(polster, project_copy, name):
    with project_copy() as root:
        before = tree(root)
        result = polster("add-asset", "--layer", "bronze", "--name", name)
        accepted = (
            VALID_NAME.fullmatch(name) is not None
            and not keyword.iskeyword(name)
            and not name.startswith("bronze_")
            and name != "raw_orders"
        )
        if not accepted:
            assert_refused(result, root, before)
            return
        assert result.exit_code == 0, result.output
        assert (root / "src" / "shop" / "defs" / "bronze" / f"{name}.py").is_file()
        assert polster("validate").exit_code == 0


dependency_lists = st.lists(
    st.sampled_from([*BRONZE_TOKENS, *OTHER_TOKENS, "", " "]).map(lambda t: f" {t} "),
    max_size=5,
)


@FUZZ
@given(tokens=dependency_lists)
def test_a_dependency_list_is_resolved_or_refused(polster, project_copy, tokens):
    with project_copy() as root:
        assert polster("add-asset", "--layer", "bronze", "--name", "raw_customers").exit_code == 0
        before = tree(root)
        args = ["--layer", "silver", "--name", "x", "--dependencies", ",".join(tokens)]
        result = polster("add-asset", *args)
        named = [token.strip() for token in tokens if token.strip()]
        if not named or any(token not in BRONZE_TOKENS for token in named):
            assert_refused(result, root, before)
            return
        assert result.exit_code == 0, result.output
        expected = list(dict.fromkeys(BRONZE.get(token, token) for token in named))
        listing = json.loads(polster("list-assets", "--format", "json").output)
        (asset,) = [a for a in listing if a["key"] == "silver_x"]
        assert asset["dependencies"] == expected
