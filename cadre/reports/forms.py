"""The report page's form: the narrative, as plain text."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField, TextAreaField

from cadre.forms import CadreForm as FlaskForm


class NarrativeForm(FlaskForm):
    # No maxlength: a browser would cut a pasted text silently; the service refuses and says so.
    narrative = TextAreaField(_l("报告正文"))
    submit = SubmitField(_l("保存报告正文"))
