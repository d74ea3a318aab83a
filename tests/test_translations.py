"""Every user-facing string has its Simplified Chinese translation, with the same placeholders."""
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted((ROOT / "portal" / "translations").glob("zh*/LC_MESSAGES/messages.po"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]")


def load_catalogue():
    assert CATALOGUES, "no Chinese catalogue under portal/translations/"
    with open(CATALOGUES[0], "rb") as handle:
        return read_po(handle)


def _key(message):
    """A message's context and (singular) id: "Open" as a case status is not "Open" the button."""
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


def test_every_string_in_the_code_is_in_the_chinese_catalogue(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "-o", str(pot), "."],
                   check=True, capture_output=True, cwd=ROOT)
    with open(pot, "rb") as handle:
        wanted = {_key(m) for m in read_po(handle) if m.id}
    catalogue = load_catalogue()
    translated = {_key(m) for m in catalogue if m.id and m.string
                  and not m.fuzzy and (m.string if isinstance(m.string, str) else all(m.string))}
    missing = sorted(wanted - translated)
    assert not missing, f"{len(missing)} strings lack a Chinese translation (make extract-messages): {missing[:15]}"


def test_translations_keep_their_placeholders():
    wrong = []
    for message in load_catalogue():
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        # Chinese has one plural form: it serves every count, so it carries the plural's placeholders.
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != expected:
                wrong.append((ids[0], string))
    assert not wrong, f"placeholders differ: {wrong[:10]}"


def test_words_with_two_meanings_are_translated_by_their_context(app):
    """"Open" is a button, a case status and an outlet status; "Name" a person's or a thing's; "From"
    the old value in an audit, a filter's first day or a stage left behind."""
    from flask_babel import force_locale, gettext, pgettext

    from portal.conflicts.models import CASE_STATUSES

    with app.test_request_context(), force_locale("zh_CN"):
        assert gettext("Open") == "打开"
        assert str(CASE_STATUSES["open"]) == "待处理"
        assert pgettext("outlet status", "Open") == "营业中"
        assert (gettext("Name"), pgettext("name of a thing", "Name")) == ("姓名", "名称")
        assert (pgettext("rectification order", "Order"), pgettext("checklist item", "Item")) == ("单号", "检查项")
        assert (gettext("From"), pgettext("date range", "From"), pgettext("stage change", "From")) == \
            ("原值", "起始日期", "原阶段")
