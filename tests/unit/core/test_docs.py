"""The project's documentation in docs/: the API reference is what its script generates, every
citation of a docs page and heading in the code resolves, and nothing cites a file outside the
repository."""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from pathlib import Path

from scripts import api_reference

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs"
SKIP_DIRS = {".venv", ".git", "mutants", "node_modules", ".data", "staticfiles", "bench", "htmlcov"}
CITATION = re.compile(r"docs/([\w-]+\.md)(?:#([\w-]+))?")
DOC_LINK = re.compile(r"\]\(([\w-]+\.md)(?:#([\w-]+))?\)")
OUTSIDE = re.compile(r"\b(?:API|DESIGN)\.md\b|\.\./shared/")


@functools.cache
def _sources() -> list[Path]:
    """The project's text files, walked with the skipped folders pruned (never entered: .venv alone
    holds tens of thousands of files)."""
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [name for name in dirs if name not in SKIP_DIRS]
        for name in files:
            path = Path(folder) / name
            if path.suffix in (".py", ".md", ".toml", ".html", ".txt") or name == "Makefile":
                found.append(path)
    return found


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFKC", heading).strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(line.lstrip("#")) for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("#")}


def test_api_reference_is_what_the_script_generates() -> None:
    expected = api_reference.render(api_reference.schema())
    committed = (DOCS / "api-reference.md").read_text(encoding="utf-8")
    assert committed == expected, "docs/api-reference.md is out of date: run `make docs`"


def test_every_docs_citation_names_an_existing_page_and_heading() -> None:
    anchors = {page.name: _anchors(page) for page in DOCS.glob("*.md")}
    broken = []
    for path in _sources():
        text = path.read_text(encoding="utf-8", errors="replace")
        pattern = DOC_LINK if path.parent == DOCS else CITATION
        for match in pattern.finditer(text):
            page, anchor = match.group(1), match.group(2)
            if page not in anchors or (anchor and anchor not in anchors[page]):
                broken.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not broken, "citations of docs/ that do not resolve:\n" + "\n".join(broken)


def test_nothing_cites_a_file_outside_the_repository() -> None:
    this = Path(__file__).resolve()
    offenders = [
        str(path.relative_to(ROOT))
        for path in _sources()
        if path.resolve() != this and OUTSIDE.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not offenders, f"cite docs/ instead: {offenders}"


def test_the_readme_links_the_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in ("architecture.md", "api-guide.md", "api-reference.md", "operations.md"):
        assert f"docs/{page}" in readme
