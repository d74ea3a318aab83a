"""Public certificate verification: /verify (type a code) and /verify/<code>.

Anyone holding a certificate can check it here without signing in. The lookup is rate-limited
(CERTIFICATE_VERIFY_RATE_LIMIT, else VERIFY_RATE_LIMIT) so that codes cannot be tried in bulk;
with 32^12 possible codes, guessing one is hopeless anyway.
"""
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core.i18n import local_today_in
from portal.core.permissions import public
from portal.extensions import limiter
from portal.training import learning
from portal.training.exam_forms import VerifyCodeForm

bp = Blueprint("certificates", __name__)


def _rate_limit():
    return current_app.config.get("CERTIFICATE_VERIFY_RATE_LIMIT") or current_app.config["VERIFY_RATE_LIMIT"]


@bp.route("/verify")
@public
def verify_form():
    form = VerifyCodeForm(formdata=request.args if "code" in request.args else None)
    if "code" in request.args:
        if form.validate():
            code = learning.normalise_code(form.code.data)
            if code:
                return redirect(url_for(".verify_code", code=code))
            form.code.errors = [*form.code.errors, _("Enter the code printed on the certificate.")]
        return render_template("training/learn/verify.html", form=form, certificate=None, looked_up=False), 400
    return render_template("training/learn/verify.html", form=form, certificate=None, looked_up=False)


@bp.route("/verify/<code>")
@public
@limiter.limit(_rate_limit)
def verify_code(code):
    form = VerifyCodeForm(formdata=None, data={"code": learning.format_code(learning.normalise_code(code))})
    certificate = learning.certificate_by_code(code)
    if certificate is None:
        return render_template("training/learn/verify.html", form=form, certificate=None, looked_up=True,
                               code=code[:40]), 404
    today = local_today_in()
    return render_template(
        "training/learn/verify.html", form=form, certificate=certificate, looked_up=True,
        state=learning.certificate_state(certificate, today), code=learning.format_code(certificate.code),
    )
