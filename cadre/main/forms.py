from wtforms import HiddenField

from cadre.forms import CadreForm as FlaskForm


class LanguageForm(FlaskForm):
    lang = HiddenField()
