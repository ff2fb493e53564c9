"""The base class of every form: Flask-WTF's FlaskForm plus the one text-cleaning rule.

Each text field (StringField and its kinds, TextAreaField; SelectField values) gets
``cadre.rules.text`` as its first filter, so what validators, views
and services see is already clean: a name of only zero-width spaces is empty
(and "required" says so), a gender of only spaces is the "no answer" choice, no
control character reaches the database. Passwords are left exactly as typed, and
hidden fields too: they carry values the app wrote (tokens, ids, a language code),
which their validators check as they are; a tampered one is refused, not repaired.

Forms modules import it as ``from cadre.forms import CadreForm as FlaskForm``; a form
nested with FormField is a ``CadreSubform``.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, PasswordField, SelectField, StringField, TextAreaField

from cadre.rules.text import clean_value

__all__ = ["CadreForm", "CadreSubform", "text_filter"]


def _clean_line(value):
    return clean_value(value)


def _clean_lines(value):
    return clean_value(value, multiline=True)


def text_filter(field_class: type):
    """The cleaning filter for a field class, or None for fields whose data is not free text."""
    if issubclass(field_class, PasswordField | HiddenField):
        return None
    if issubclass(field_class, TextAreaField):
        return _clean_lines
    if issubclass(field_class, (StringField, SelectField)):
        return _clean_line
    return None


class _CleaningMeta:
    def bind_field(self, form, unbound_field, options):
        cleaner = text_filter(unbound_field.field_class)
        if cleaner is not None:
            # A new list: the unbound field's own kwargs are shared by every form instance.
            filters = [cleaner, *unbound_field.kwargs.get("filters", ())]
            options = {**options, "filters": filters}
        return unbound_field.bind(form=form, **options)


class CadreForm(FlaskForm):
    """FlaskForm whose text fields are cleaned before any validator runs."""

    class Meta(_CleaningMeta):
        pass


class CadreSubform(Form):
    """The same cleaning for a form nested in another by FormField (it has no CSRF token of its own)."""

    class Meta(_CleaningMeta):
        pass
