"""The certificate PDF: plain values → templates/training/certificate.html → core.pdf.render.

A certificate is a document in both languages whatever the language of the person who earned
it (it is shown to others: employers, inspectors), so its words are kept here per language,
like an agreement's, rather than in the interface catalogue.
"""
from flask import current_app, url_for

from portal.core.pdf import FONT_STACK, render
from portal.training.learning import format_code

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")

WORDS = {
    "title_zh": "培训合格证书",
    "title_en": "Certificate of Training",
    "certifies_zh": "兹证明",
    "certifies_en": "This certifies that",
    "partner": "所属合作伙伴 / Partner",
    "completed_zh": "已完成以下培训课程并通过考试：",
    "completed_en": "has completed the training module below and passed its exam:",
    "issued": "签发日期 / Issued",
    "expires": "有效期至 / Valid until",
    "code": "验证码 / Verification code",
    "verify": "验证此证书 / Verify this certificate",
    "score": "考试成绩 / Exam score",
}


def date_zh(value):
    return f"{value.year}年{value.month}月{value.day}日"


def date_en(value):
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def verification_url(code):
    """The public verification page, absolute (PUBLIC_BASE_URL when set)."""
    from portal.notifications.services import absolute_url

    return absolute_url(url_for("certificates.verify_code", code=code))


def certificate_values(certificate, issued_on):
    """Everything the certificate template prints, as plain strings."""
    module, user, partner = certificate.module, certificate.user, certificate.partner
    attempt = certificate.attempt
    return {
        "person": user.name,
        "partner": partner.name if partner else "",
        "module_zh": module.title_zh or module.title_en,
        "module_en": module.title_en or module.title_zh,
        "issued": f"{date_zh(issued_on)} / {date_en(issued_on)}",
        "expires": f"{date_zh(certificate.expires_on)} / {date_en(certificate.expires_on)}",
        "code": format_code(certificate.code),
        "score": f"{attempt.score}%" if attempt is not None and attempt.score is not None else "",
        "url": verification_url(certificate.code),
    }


def certificate_html(values):
    template = current_app.jinja_env.get_template("training/certificate.html")
    return template.render(v=values, words=WORDS, font_stack=FONT_STACK)


def render_certificate(certificate, issued_on):
    return render(certificate_html(certificate_values(certificate, issued_on)))
