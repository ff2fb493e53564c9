"""Forms of the import pages: the upload, and the confirmation that commits a preview."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Length, Regexp

from cadre.forms import CadreForm as FlaskForm
from cadre.imports.uploads import EXTENSIONS, TOKEN_RE

_HEX64 = r"^[0-9a-f]{64}$"


class UploadForm(FlaskForm):
    file = FileField(
        _l("名单文件"),
        validators=[FileRequired(_l("请选择要导入的文件。"))],
        description=_l("Excel 表格（.xlsx）或 CSV 文件（UTF-8 或 GBK 编码）。"),
        render_kw={
            "accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
        },
    )
    submit = SubmitField(_l("上传并预览"))


class CommitForm(FlaskForm):
    """The preview's promise: which stored file (token, sha256) and what it will do (fingerprint)."""

    token = HiddenField(validators=[DataRequired(), Regexp(TOKEN_RE)])
    ext = HiddenField(validators=[AnyOf(EXTENSIONS)])
    sha256 = HiddenField(validators=[Regexp(_HEX64)])
    fingerprint = HiddenField(validators=[Regexp(_HEX64)])
    filename = HiddenField(validators=[Length(max=255)])
    submit = SubmitField(_l("确认导入"))
