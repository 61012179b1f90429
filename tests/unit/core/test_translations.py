"""The catalog check (scripts/check_translations.py), as `make lint` runs it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polib
import pytest

from scripts import check_translations

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def test_the_committed_spanish_catalog_is_complete_and_compiled() -> None:
    catalog = polib.pofile(str(check_translations.po_path(check_translations.ROOT, "es")))
    assert len(catalog) > 300
    assert check_translations.untranslated(catalog) == []
    mo = check_translations.po_path(check_translations.ROOT, "es").with_suffix(".mo")
    assert mo.read_bytes() == check_translations.compiled(mo.with_suffix(".po"))


def test_an_empty_fuzzy_or_misplaced_translation_is_reported(tmp_path: Path) -> None:
    catalog = polib.POFile()
    catalog.append(polib.POEntry(msgid="Approved", msgstr="Aprobado"))
    catalog.append(polib.POEntry(msgid="Rejected", msgstr=""))
    catalog.append(polib.POEntry(msgid="Archived", msgstr="Archivado", flags=["fuzzy"]))
    catalog.append(polib.POEntry(msgid="%(numero)s moved", msgstr="%(número)s ha pasado"))
    problems = check_translations.untranslated(catalog)
    assert problems == [
        "untranslated: 'Rejected'",
        "untranslated: 'Archived'",
        "placeholders differ: '%(numero)s moved' -> '%(número)s ha pasado'",
    ]


def test_the_check_passes_on_the_project_and_catches_a_new_untranslated_string(tmp_path: Path, monkeypatch) -> None:
    if shutil.which("xgettext") is None:
        if IN_CI:
            pytest.fail("CI must run the catalog check: xgettext (GNU gettext) is missing")
        pytest.skip("xgettext (GNU gettext) is not installed; apt-get install gettext")
    # A copy of the project with one more translatable string: the check names it, and only it (so
    # the project itself passes; one extraction instead of two, each costing seconds).
    check_translations._copy_project(tmp_path)
    view = tmp_path / "core" / "views.py"
    view.write_text(view.read_text() + '\n\nNEW = _("A sentence nobody translated yet")\n')
    monkeypatch.setattr(check_translations, "ROOT", tmp_path)
    problems = check_translations.check()
    assert len(problems) == 1, problems
    assert "A sentence nobody translated yet" in problems[0]
