"""Co-branded flyers: an asset's HTML template filled with one partner's details, as a PDF.

The template is written by a manager in the agreements' small, safe language: Jinja run in the
same sandbox (``portal.agreements.documents.render_body``: autoescaping, no loader, no
globals, plain values only), so it can print the partner's name, address and phone and
nothing else of the portal. The trusted page around it (``marketing/library/cobrand_document.html``)
sets the paper and the fonts (a Latin font, then a CJK one); ``portal.core.pdf.render`` draws
it, fetching nothing but the portal's static files.

A partner's PDF is kept as a ``CobrandedFile`` and given again while the asset version, the
template and the partner's details are unchanged (``details_hash``); otherwise a new one is made.
"""
import hashlib
import json
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.agreements.documents import TemplateProblem, format_date, render_body
from portal.core import pdf, storage
from portal.core.errors import DomainError
from portal.extensions import db
from portal.marketing.models import CobrandedFile

TEMPLATE_MAX = 100_000

# What the template form lists as available (name -> what it prints).
PLACEHOLDERS = (
    ("partner.name", _l("The partner's company name")),
    ("partner.address", _l("The partner's address (may be empty)")),
    ("partner.phone", _l("The partner's phone number (may be empty)")),
    ("partner.contact", _l("The partner's contact person (may be empty)")),
    ("partner.email", _l("The partner's e-mail address (may be empty)")),
    ("asset.title", _l("The asset's title")),
    ("today.zh, today.en", _l("The date the PDF is made, in Chinese and in English")),
)

SAMPLE_PARTNER = {
    "name": "深圳华通商贸有限公司 (Shenzhen Huatong Trading Co., Ltd.)",
    "address": "深圳市南山区科技园南区 8 栋 (Building 8, Science Park South, Nanshan, Shenzhen)",
    "phone": "0755-8888 6666",
    "contact": "李雷 (Li Lei)",
    "email": "lilei@huatong.example",
}

EXAMPLE_TEMPLATE = """<h1>{{ asset.title }}</h1>
<p>……</p>
<footer>
  <p><strong>{{ partner.name }}</strong></p>
  <p>{{ partner.address }}</p>
  <p>电话 / Phone: {{ partner.phone }}</p>
</footer>"""


def partner_details(partner):
    """The partner's details a flyer may print, as plain strings."""
    return {
        "name": partner.name or "",
        "address": partner.address or "",
        "phone": partner.phone or "",
        "contact": partner.contact_name or "",
        "email": partner.email or "",
    }


def context(title, details, today):
    return {
        "partner": dict(details),
        "asset": {"title": title or ""},
        "today": {"zh": format_date(today, "zh"), "en": format_date(today, "en")},
    }


def document_html(template, title, details, today):
    """The whole flyer as HTML for ``core.pdf.render``; raises TemplateProblem."""
    body = render_body(template, context(title, details, today))
    page = current_app.jinja_env.get_template("marketing/library/cobrand_document.html")
    return page.render(title=title, body=body, font_stack=pdf.FONT_STACK)


def check_template(template, field="cobrand_template"):
    """Refuse (field error) a template that is empty, too long or cannot be filled in."""
    template = (template or "").strip()
    if not template:
        raise DomainError(_l("Write the template of the co-branded flyer, or untick “co-brandable”."), field=field)
    if len(template) > TEMPLATE_MAX:
        raise DomainError(_l("At most %(max)d characters.", max=TEMPLATE_MAX), field=field)
    try:
        render_body(template, context("Sample", SAMPLE_PARTNER, date(2026, 1, 1)))
    except TemplateProblem as problem:
        raise DomainError(problem.message, field=field) from None
    return template


def preview_pdf(asset, today):
    """The asset's template filled with sample details, as PDF bytes; raises TemplateProblem."""
    return pdf.render(document_html(asset.cobrand_template or "", asset.title, SAMPLE_PARTNER, today))


def details_hash(asset, details):
    """What a kept PDF was made from: the asset version, the template and the partner's details."""
    payload = {
        "version_id": asset.current_version_id,
        "template": hashlib.sha256((asset.cobrand_template or "").encode()).hexdigest(),
        "title": asset.title,
        "details": details,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def cobranded_file(asset, partner, today, actor=None):
    """The partner's co-branded PDF of ``asset``: the kept one if it was made from the same
    version, template and details, else a new one (the caller commits). Raises DomainError if
    the asset is not co-brandable or its template cannot be filled in."""
    if not asset.cobrandable or not asset.cobrand_template:
        raise DomainError(_l("This asset has no co-branded version."))
    details = partner_details(partner)
    digest = details_hash(asset, details)
    kept = db.session.scalar(
        sa.select(CobrandedFile).where(CobrandedFile.asset_id == asset.id, CobrandedFile.partner_id == partner.id,
                                       CobrandedFile.details_hash == digest)
        .order_by(CobrandedFile.id.desc()).limit(1)
    )
    if kept is not None:
        return kept
    try:
        html = document_html(asset.cobrand_template, asset.title, details, today)
    except TemplateProblem as problem:
        raise DomainError(problem.message) from None
    stored = storage.store_bytes(pdf.render(html), f"{_file_stem(asset.title)}-{partner.id}.pdf", "application/pdf",
                                 uploaded_by=actor)
    made = CobrandedFile(asset_id=asset.id, partner_id=partner.id, details_hash=digest, file_id=stored.id)
    db.session.add(made)
    db.session.flush()
    return made


def _file_stem(title):
    """A download name from the title: letters, digits (any script), dashes."""
    cleaned = "".join(c if c.isalnum() else "-" for c in (title or "asset")).strip("-")
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    return cleaned[:80] or "asset"
