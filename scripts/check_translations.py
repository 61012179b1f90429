"""The translation catalogs in ``locale/``: complete in Spanish, compiled, and in step with the code.

    python scripts/check_translations.py            # check (make lint, CI): exit 1 on any problem
    python scripts/check_translations.py --update   # make messages: extract, then compile the .mo files

The check fails when

- a string marked for translation in the code or the templates has no Spanish translation (the
  extraction, Django's ``makemessages``, runs on a copy of the project, so the check changes nothing);
- a Spanish entry is empty or fuzzy, or its placeholders differ from the English text's;
- a committed ``.mo`` file is not the compilation of its ``.po`` file.

English entries may stay empty: the English text is the message id itself. The ``.mo`` files are
compiled here with polib (pure Python), so serving needs no GNU gettext; extracting needs
``xgettext`` (Debian: ``apt-get install gettext``). Without it the extraction step is skipped with
a warning, or fails under ``CI=true``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGES = ("es", "en")
COMPLETE = ("es",)
# What makemessages must not read: tools, tests, generated and third-party files.
IGNORE = [".venv", ".venv/*", ".data", "staticfiles", "tests", "tests/*", "bench", "scripts", "seeding"]
HEADERS = {
    "es": {"Language": "es", "Plural-Forms": "nplurals=2; plural=(n != 1);"},
    "en": {"Language": "en", "Plural-Forms": "nplurals=2; plural=(n != 1);"},
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdgf]|\{(\w*)\}|%[sdgf]")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def po_path(root: Path, language: str) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


def makemessages(root: Path) -> None:
    """Django's extraction into ``root/locale`` (merging with the catalogs already there)."""
    env = {**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://unused@localhost/unused"}
    command = [sys.executable, "manage.py", "makemessages", "--no-location", "--no-obsolete", "--no-wrap"]
    for language in LANGUAGES:
        command += ["-l", language]
    for pattern in IGNORE:
        command += ["--ignore", pattern]
    subprocess.run(command, cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - our own manage.py
    for language in LANGUAGES:
        path = po_path(root, language)
        catalog = polib.pofile(str(path), wrapwidth=0)
        # A stable header: no dates or placeholders that would change (and conflict) on every run.
        catalog.header = (
            f"expedientes: {language} catalog. Update with `make messages` (scripts/check_translations.py)."
        )
        catalog.metadata_is_fuzzy = False
        catalog.metadata = {
            "Project-Id-Version": "expedientes",
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            **HEADERS[language],
        }
        catalog.save()


def compiled(path: Path) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "django.mo"
        polib.pofile(str(path)).save_as_mofile(str(target))
        return target.read_bytes()


def compile_all() -> None:
    for language in LANGUAGES:
        path = po_path(ROOT, language)
        path.with_suffix(".mo").write_bytes(compiled(path))


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def untranslated(catalog: polib.POFile) -> list[str]:
    """Entries a Spanish reader would see in English: empty, fuzzy, or with other placeholders."""
    problems = []
    for entry in catalog:
        if entry.obsolete:
            continue
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if "fuzzy" in entry.flags or not all(text.strip() for text in texts):
            problems.append(f"untranslated: {entry.msgid!r}")
            continue
        expected = placeholders(entry.msgid)
        for text in texts:
            if placeholders(text) != expected and not (entry.msgid_plural and "%(count)d" not in text):
                problems.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")
    return problems


def _copy_project(target: Path) -> None:
    git = shutil.which("git")
    listed = (
        subprocess.run(  # noqa: S603 - fixed arguments
            [git, "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if git
        else None
    )
    if listed is not None and listed.returncode == 0:
        for name in listed.stdout.splitlines():
            source = ROOT / name
            if source.is_file():
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)
        return
    shutil.copytree(ROOT, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".venv", ".data", ".git"))


def check() -> list[str]:
    problems: list[str] = []
    for language in LANGUAGES:
        path = po_path(ROOT, language)
        if not path.exists():
            problems.append(f"{path.relative_to(ROOT)} is missing (make messages)")
            continue
        if language in COMPLETE:
            problems += [f"{path.relative_to(ROOT)}: {text}" for text in untranslated(polib.pofile(str(path)))]
        mo = path.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compiled(path):
            problems.append(f"{mo.relative_to(ROOT)} is not the compilation of its .po file (make messages)")
    if shutil.which("xgettext") is None:
        message = "xgettext (GNU gettext) is not installed: the catalogs were not compared with the code"
        if IN_CI:
            problems.append(message)
        else:
            print(f"check_translations: WARNING: {message}", file=sys.stderr)
        return problems
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder)
        _copy_project(copy)
        makemessages(copy)
        for language in COMPLETE:
            fresh = polib.pofile(str(po_path(copy, language)))
            problems += [
                f"a string in the code lacks its {language} translation ({text}); run make messages and translate it"
                for text in untranslated(fresh)
            ]
            committed = {entry.msgid for entry in polib.pofile(str(po_path(ROOT, language))) if not entry.obsolete}
            stale = committed - {entry.msgid for entry in fresh if not entry.obsolete}
            if stale:
                print(
                    f"check_translations: note: {len(stale)} {language} entries are no longer used (make messages drops them)",
                    file=sys.stderr,
                )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="extract the strings into locale/ and compile them")
    args = parser.parse_args()
    if args.update:
        makemessages(ROOT)
        compile_all()
        for language in COMPLETE:
            missing = untranslated(polib.pofile(str(po_path(ROOT, language))))
            for text in missing:
                print(f"{language}: {text}")
        return 0
    problems = check()
    for problem in problems:
        print(f"check_translations: {problem}", file=sys.stderr)
    if not problems:
        catalog = polib.pofile(str(po_path(ROOT, "es")))
        print(f"check_translations: ok ({len([e for e in catalog if not e.obsolete])} strings, es complete)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
