"""Chinese by default, English by a visible switch; every UI string goes through gettext."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import flask_babel
import pytest

from cadre.extensions import db
from cadre.models import Role
from tests.factories import login, make_user

ROOT = Path(__file__).resolve().parent.parent
HAN = re.compile(r"[\u4e00-\u9fff]")


def fresh(app, client, url: str):
    """GET in a new app context, as a server does, and the locale that request used.

    The `app` fixture's context would otherwise keep Flask-Babel's cached locale
    (stored on `g`) from an earlier request.
    """
    db.session.commit()  # in-memory SQLite shares its one connection with that context
    with app.app_context(), client:
        response = client.get(url)
        return response, str(flask_babel.get_locale())


def switch_language(client, lang: str, next_url: str = "/auth/login"):
    return client.post("/language", data={"lang": lang, "next": next_url})


def session_language(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("lang")


# --- Default and switch ---------------------------------------------------------------------


def test_chinese_is_the_default(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "登录" in page
    assert "用户名" in page


def test_chinese_stays_the_default_for_an_english_browser(client):
    page = client.get("/auth/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in page


def test_the_switch_is_a_visible_button_posting_to_language(client):
    page = client.get("/auth/login").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/language".*?</form>', page, re.S)
    assert form, "no language form on the page"
    assert re.search(r'<button[^>]*name="lang" value="en"[^>]*>English</button>', form.group(0))
    assert 'name="csrf_token"' in form.group(0)
    assert 'name="next" value="/auth/login"' in form.group(0)


def test_switching_to_english_sets_the_session_language(client):
    response = switch_language(client, "en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert session_language(client) == "en"


def test_next_request_after_the_switch_is_in_english(app, client):
    switch_language(client, "en")
    response, locale = fresh(app, client, "/auth/login")
    assert locale == "en"
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    assert re.search(r'<button[^>]*value="zh"[^>]*>中文</button>', page)


def test_login_page_text_is_english_after_the_switch(app, client):
    switch_language(client, "en")
    page = fresh(app, client, "/auth/login")[0].get_data(as_text=True)
    # needs the en catalog (cadre/translations/en)
    assert "Log in" in page
    assert "用户名" not in page


def test_switching_back_to_chinese(app, client):
    switch_language(client, "en")
    switch_language(client, "zh")
    assert session_language(client) == "zh"
    response, locale = fresh(app, client, "/auth/login")
    assert locale == "zh"
    page = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "登录" in page


@pytest.mark.parametrize("lang", ["fr", "", "zh_TW", "../../etc", "en\x01"])
def test_unknown_languages_are_ignored(app, client, lang):
    response = switch_language(client, lang)
    assert response.status_code == 302
    assert session_language(client) is None
    assert fresh(app, client, "/auth/login")[1] == "zh"


def test_language_switch_without_a_next_url_goes_home(client):
    response = client.post("/language", data={"lang": "en"})
    assert response.headers["Location"] == "/"


def test_language_is_kept_across_login_and_logout(client):
    user = make_user(Role.ORGANIZER)
    switch_language(client, "en")
    login(client, user.username)
    assert session_language(client) == "en"
    client.post("/auth/logout")
    assert session_language(client) == "en"


def test_language_switch_works_while_logged_in_and_returns_to_the_page(app, client):
    login(client, make_user(Role.ORGANIZER).username)
    response = switch_language(client, "en", next_url="/cohorts/")
    assert response.headers["Location"] == "/cohorts/"
    response, locale = fresh(app, client, "/cohorts/")
    assert response.status_code == 200
    assert locale == "en"


def test_switch_form_returns_to_the_same_page_with_its_query(client):
    login(client, make_user(Role.ORGANIZER).username)
    page = client.get("/cohorts/?show=all").get_data(as_text=True)
    assert 'name="next" value="/cohorts/?show=all"' in page


def test_error_messages_follow_the_language(app, client):
    switch_language(client, "en")
    response, locale = fresh(app, client, "/no-such-page")
    assert locale == "en"
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "The page you are looking for does not exist." in page  # needs the en catalog


def test_form_messages_follow_the_language(app, client):
    switch_language(client, "en")
    db.session.commit()
    with app.app_context():
        page = client.post("/auth/login", data={"username": "nobody", "password": "x"}).get_data(as_text=True)
    assert "Incorrect username or password." in page  # needs the en catalog
    assert "用户名或密码错误" not in page


# --- Every UI string is translatable ------------------------------------------------------------

# Jinja code ({{ }}, {% %}, where _() lives), comments of Jinja, HTML and CSS, and elements
# that declare themselves Chinese (the "中文" switch button, named in its own language) are
# not text to translate.
_JINJA_NON_TEXT = re.compile(
    r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}|<!--.*?-->|/\*.*?\*/|<(\w+)[^>]*\blang=\"zh[^\"]*\"[^>]*>.*?</\1>", re.S
)
_JINJA_STRING = re.compile(r"(?:'[^']*'|\"[^\"]*\")")
_TRANSLATED_CALL = re.compile(
    r"(?:\b_|\bgettext|\bngettext|\b_l)\(\s*(?:'[^']*'|\"[^\"]*\")"
    r"|\bpgettext\(\s*(?:'[^']*'|\"[^\"]*\")\s*,\s*(?:'[^']*'|\"[^\"]*\")"
)


def _untranslated_in_template(source: str) -> list[str]:
    found = []
    # Chinese in the HTML text itself.
    for chunk in _JINJA_NON_TEXT.sub(" ", source).splitlines():
        if HAN.search(chunk):
            found.append(chunk.strip())
    # Chinese string literals inside Jinja code that are not arguments of _().
    for block in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", source, re.S):
        translated = {m.group(0) for m in _TRANSLATED_CALL.finditer(block)}
        translated_literals = "".join(translated)
        for literal in _JINJA_STRING.findall(block):
            if HAN.search(literal) and literal not in translated_literals:
                found.append(literal)
    return found


def _templates():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        yield pytest.param(path, id=str(path.relative_to(ROOT / "templates")))


@pytest.mark.parametrize("path", list(_templates()))
def test_template_text_goes_through_gettext(path):
    untranslated = _untranslated_in_template(path.read_text(encoding="utf-8"))
    assert not untranslated, f"Chinese text outside _() in {path.name}: {untranslated}"


def test_the_template_check_finds_untranslated_text():
    """The check above is only worth something if it catches the mistakes it looks for."""
    assert _untranslated_in_template("<p>保存</p>") == ["<p>保存</p>"]
    assert _untranslated_in_template("{{ x or '暂无' }}") == ["'暂无'"]
    assert _untranslated_in_template("<p>{{ _('保存') }}</p>{# 注释 #}") == []
    assert _untranslated_in_template("{% set t = _('名单') %}{{ _('%(n)s 人', n=3) }}") == []
    assert (
        _untranslated_in_template('<button lang="zh-CN">中文</button><!-- 注释 --><style>/* 例 */</style>')
        == []
    )


# Python modules whose Chinese literals are data or comments, not UI text.
_PYTHON_DATA_MODULES = {"demo.py", "demo_data.py"}
_GETTEXT_NAMES = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext"}


def _untranslated_in_python(source: str) -> list[str]:
    """Chinese string literals that are neither gettext arguments nor docstrings."""
    tree = ast.parse(source)
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in (
            _GETTEXT_NAMES
        ):
            allowed.update(id(arg) for arg in node.args)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                allowed.add(id(body[0].value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and HAN.search(node.value)
        and id(node) not in allowed
    ]


def _python_ui_modules():
    for area in ("auth", "admin", "main"):
        for path in sorted((ROOT / "cadre" / area).glob("*.py")):
            yield pytest.param(path, id=str(path.relative_to(ROOT)))
    yield pytest.param(ROOT / "cadre" / "errors.py", id="cadre/errors.py")
    yield pytest.param(ROOT / "cadre" / "labels.py", id="cadre/labels.py")


@pytest.mark.parametrize("path", list(_python_ui_modules()))
def test_python_ui_strings_go_through_gettext(path):
    untranslated = _untranslated_in_python(path.read_text(encoding="utf-8"))
    assert not untranslated, f"Chinese literals outside gettext in {path}: {untranslated}"


def test_the_python_check_finds_untranslated_text():
    assert _untranslated_in_python('flash("已保存")') == ["已保存"]
    assert _untranslated_in_python('flash(_("已保存"))') == []
    assert _untranslated_in_python('x = _l("姓名")') == []
    assert _untranslated_in_python('def f():\n    """说明。"""\n') == []
