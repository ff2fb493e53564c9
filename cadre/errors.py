"""Error pages: a clear message in the user's language, never a stack trace."""

from __future__ import annotations

import logging
from typing import NoReturn

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, default_exceptions

log = logging.getLogger(__name__)


def abort_with(code: int, message: str) -> NoReturn:
    """Stop the request with an HTTP error whose page shows `message` (already translated)."""
    error = default_exceptions[code](description=message)
    error.user_message = True
    raise error


def _messages() -> dict[int, str]:
    return {
        400: _("请求有误，请检查后重试。"),
        403: _("您没有权限访问此页面。"),
        404: _("您要找的页面不存在。"),
        405: _("不支持此操作。"),
        413: _("上传的文件太大。"),
        429: _("操作太频繁，请稍后再试。"),
        500: _("服务器出错了，请稍后再试。"),
    }


def _render(code: int, message: str | None = None, headers=()):
    message = message or _messages().get(code, _("请求有误，请检查后重试。"))
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(error=message)
    else:
        try:
            response = make_response(render_template("errors/error.html", code=code, message=message))
        except Exception:  # noqa: BLE001 - the page itself failed (database down?): plain text will do
            log.exception("error page for %s failed", code)
            response = make_response(f"{code} · {escape(message)}")
            response.content_type = "text/html; charset=utf-8"
    response.status_code = code
    # Allow (405), Retry-After (429) and the like; the body is ours.
    response.headers.extend((k, v) for k, v in headers if k.lower() != "content-type")
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_err):
        return _render(400, _("页面已过期或表单无效，请刷新页面后重试。"))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        code = err.code or 500
        if code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH", 0) // (1024 * 1024)
            return _render(413, _("上传的文件太大，上限为 %(mb)s MB。", mb=limit))
        # Only messages written for the user (abort_with) are shown; library descriptions are English.
        message = err.description if getattr(err, "user_message", False) else None
        return _render(code, message, headers=err.get_headers())

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        log.exception("unhandled error on %s", request.path)
        from cadre.extensions import db

        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - a broken connection must not hide the error page
            log.exception("rollback after an unhandled error failed")
        return _render(500)
