"""The English catalog is complete, its placeholders match, and it covers every string in the source.

A string added to the code without `pybabel extract` + `pybabel update` and a translation fails here,
so a page never shows Chinese to an English user by accident.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
EN_CATALOG = ROOT / "cadre" / "translations" / "en" / "LC_MESSAGES" / "messages.po"

# %(name)s, %s, %d, %.1f …; "%%" is a literal percent sign, not a placeholder.
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([a-zA-Z%])")


def placeholders(text: str) -> list[str]:
    """The printf-style placeholders in a string, sorted (a multiset, so a repeated one counts twice)."""
    found = []
    for match in _PLACEHOLDER.finditer(text):
        name, conversion = match.groups()
        if conversion != "%":
            found.append(f"%({name}){conversion}" if name else f"%{conversion}")
    return sorted(found)


def read_catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def en_catalog():
    return read_catalog(EN_CATALOG)


def _strings(message) -> list[str]:
    """msgid and msgstr as lists of equal shape, for plural and singular messages alike."""
    if isinstance(message.id, (list, tuple)):
        return list(message.id), list(message.string)
    return [message.id], [message.string]


def test_placeholders_are_found_and_percent_signs_are_not():
    assert placeholders("已导入到 %(cohort)s（%(code)s），共 %(n)s 名") == ["%(code)s", "%(cohort)s", "%(n)s"]
    assert placeholders("%(n)s of %(n)s, %d, 100%%") == ["%(n)s", "%(n)s", "%d"]
    assert placeholders("保存") == []


def test_every_english_string_is_translated(en_catalog):
    untranslated = []
    for message in en_catalog:
        if not message.id:
            continue  # the header
        _, strings = _strings(message)
        if not all(s and s.strip() for s in strings):
            untranslated.append(message.id)
    assert not untranslated, f"{len(untranslated)} msgids without an English msgstr: {untranslated}"


def test_no_english_translation_is_fuzzy(en_catalog):
    # gettext ignores fuzzy entries, so they would show Chinese.
    fuzzy = [m.id for m in en_catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries (review them and drop the flag): {fuzzy}"


def test_english_placeholders_match_the_chinese(en_catalog):
    mismatched = []
    for message in en_catalog:
        if not message.id:
            continue
        ids, strings = _strings(message)
        expected = placeholders(ids[-1])
        for string in strings:
            if string and placeholders(string) != expected:
                mismatched.append((message.id, string))
    assert not mismatched, f"placeholders differ between msgid and msgstr: {mismatched}"


def test_english_catalog_passes_babels_own_checks(en_catalog):
    problems = [(message.id, [str(e) for e in errors]) for message, errors in en_catalog.check()]
    assert not problems, problems


def test_catalog_holds_every_string_in_the_source(en_catalog, tmp_path):
    """Extract as the README says (`pybabel extract -F babel.cfg -k _l`) and compare."""
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-o", str(pot), str(ROOT)]
    )
    extracted = {m.id for m in read_catalog(pot) if m.id}
    assert len(extracted) > 100, "extraction found almost nothing: is babel.cfg read?"
    in_catalog = {m.id for m in en_catalog if m.id}
    missing = sorted(extracted - in_catalog, key=str)
    assert not missing, (
        f"{len(missing)} strings in the source are not in the en catalog; run `pybabel extract -F babel.cfg "
        "-k _l -o cadre/translations/messages.pot .`, `pybabel update -i cadre/translations/messages.pot "
        f"-d cadre/translations -l en --no-fuzzy-matching` and translate them: {missing}"
    )
