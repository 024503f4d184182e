"""The documentation stays true and self-contained: every page is in the site's navigation, the
README and the guide point nowhere outside the repository, name only API functions that exist, and
the license matches pyproject.toml. The site itself is built with warnings as errors by CI's
`mkdocs build --strict` step (.ci/run), and `mypy` type-checks tensorproof.api there."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import tensorproof.api as tp

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
USER_FACING = [ROOT / "README.md", *sorted((DOCS / "guide").glob("*.md")), DOCS / "index.md"]


def test_every_page_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text()
    missing = [p for p in PAGES if f": {p}" not in nav]
    assert not missing, f"pages missing from mkdocs.yml's nav: {missing}"


def test_guide_has_the_promised_pages():
    guide = {p.stem for p in (DOCS / "guide").glob("*.md")}
    assert {"quickstart", "pytorch", "cli", "file-formats", "guarantees", "limits",
            "troubleshooting"} <= guide


def test_readme_points_nowhere_outside_the_repository():
    text = (ROOT / "README.md").read_text()
    assert "../" not in text, "README links outside the repository"
    assert not re.search(r"https?://", text), "README links to the web"
    for target in re.findall(r"\]\(([^)#]+)", text):
        assert (ROOT / target).exists(), f"README links to a missing file {target}"


@pytest.mark.parametrize("path", USER_FACING, ids=lambda p: p.name)
def test_api_names_in_docs_exist(path):
    names = set(re.findall(r"\bapi\.([a-z_]+)\(", path.read_text()))
    missing = sorted(n for n in names if not hasattr(tp, n))
    assert not missing, f"{path.name} names api functions that do not exist: {missing}"


@pytest.mark.parametrize("path", USER_FACING, ids=lambda p: p.name)
def test_no_claims_of_what_does_not_exist(path):
    text = path.read_text().lower()
    assert "softmax compiles but is not provable" not in text
    for phrase in ("verify on-chain", "verified on-chain", "solidity verifier is"):
        assert phrase not in text, (path.name, phrase)
    # zero knowledge is an option with limits: a page that claims it names the option
    if re.search(r"(is|are) zero-knowledge", text.replace("not zero-knowledge", "")):
        assert "--zero-knowledge" in text or "zero_knowledge=true" in text, path.name


def test_license_matches_pyproject():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License")
    assert "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text


def test_cli_exit_codes_in_the_guide_match_the_cli():
    from tensorproof.cli import EXIT_CODES

    guide = (DOCS / "guide" / "cli.md").read_text()
    for code in EXIT_CODES:
        assert re.search(rf"^\| {code} \|", guide, re.M), f"exit status {code} undocumented"
