"""The public verification page (证书核验): no login, rate limited per client address."""

from __future__ import annotations

from flask import current_app, render_template, request

from cadre.auth.public import public
from cadre.certificates import verification
from cadre.certificates.blueprint import bp
from cadre.certificates.forms import VerifyForm
from cadre.extensions import limiter


def _limit() -> str:
    return current_app.config.get("CERTIFICATE_VERIFY_RATE_LIMIT", "30 per minute")


@bp.route("/verify", endpoint="verify")
@public
@limiter.limit(_limit)
def verify():
    """The form to type a serial; with ?serial= the answer below it."""
    form = VerifyForm(request.args)
    result = looked_up = None
    if "serial" in request.args:
        looked_up = True
        if form.validate():
            result = verification.by_serial(form.serial.data)
    return render_template("certificates/verify.html", form=form, result=result, looked_up=looked_up)


# <path:>: even a token with slashes gets the same not-found page, not the generic 404.
@bp.route("/v/<path:verification_token>", endpoint="verify_token")
@public
@limiter.limit(_limit)
def verify_token(verification_token: str):
    """The page a certificate's QR code opens; an unknown or malformed token: the same not-found page."""
    result = verification.by_token(verification_token)
    status = 200 if result is not None else 404
    return render_template(
        "certificates/verify.html", form=VerifyForm(formdata=None), result=result, looked_up=True
    ), status
