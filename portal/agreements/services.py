"""Agreement templates (versioned), generating an agreement from locked terms, and verifying a PDF.

Plain functions: explicit actor and values; they raise DomainError naming the field; the caller
commits. Only ``portal.core.pdf`` touches WeasyPrint; the HTML comes from ``documents``.
"""
import hashlib
import re
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from portal.agreements import documents
from portal.agreements.models import Agreement, AgreementTemplate
from portal.core import numbers, pdf, storage
from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import local_today_in
from portal.core.models import StoredFile
from portal.extensions import db
from portal.negotiation import services as negotiation
from portal.notifications.services import notify
from portal.recruitment.models import AGREEMENT_SENT, NEGOTIATING, SIGNED

SENT, PARTNER_SIGNED, COUNTERSIGNED, SUPERSEDED = "sent", "partner_signed", "countersigned", "superseded"
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
DEFAULT_BODIES = Path(__file__).resolve().parent.parent / "templates" / "agreements" / "default_bodies"
DEFAULT_TEMPLATES = {
    "distributor": ("Distributor / agent agreement", "经销商/代理商合作协议"),
    "campus-agent": ("Campus agent agreement", "校园代理协议"),
}
GENERATING_STAGES = (NEGOTIATING, AGREEMENT_SENT, SIGNED)
NUMBER_LOCK = 730_042  # PostgreSQL advisory lock: one agreement number handed out at a time


# ---- templates ------------------------------------------------------------------------------------


def active_templates():
    """The current version of each template, by code."""
    return db.session.scalars(
        sa.select(AgreementTemplate).where(AgreementTemplate.active.is_(True)).order_by(AgreementTemplate.code)
    ).all()


def versions_of(code):
    return db.session.scalars(
        sa.select(AgreementTemplate).where(AgreementTemplate.code == code)
        .order_by(AgreementTemplate.version.desc())
    ).all()


def check_bodies(body_zh, body_en):
    """Both bodies must render with the sample terms; raise ValidationError naming the field(s)."""
    errors = {}
    for field, lang, body in (("body_zh", "zh", body_zh), ("body_en", "en", body_en)):
        if not (body or "").strip():
            errors[field] = [_l("Write the clauses of the agreement.")]
            continue
        try:
            documents.check_body(body, lang)
        except documents.TemplateProblem as problem:
            errors[field] = [problem.message]
    if errors:
        raise ValidationError(errors)


def save_template(*, code, name_en, name_zh, body_en, body_zh, actor, based_on=None):
    """A new template (``based_on`` None) or a new version of ``based_on``'s code. Versions are
    never edited: the new one becomes the active version and the others stay as they were, so
    agreements keep the version they were generated from."""
    name_en, name_zh = (name_en or "").strip(), (name_zh or "").strip()
    if based_on is None:
        code = (code or "").strip().lower()
        if not CODE_RE.match(code):
            raise DomainError(_l("Use 2 to 40 lower-case letters, digits and hyphens, e.g. campus-agent."),
                              field="code")
        if versions_of(code):
            raise DomainError(_l("A template with this code already exists; edit it to make a new version."),
                              field="code")
        version = 1
    else:
        code = based_on.code
        current = next((t for t in versions_of(code) if t.active), None)
        if current is not None and (current.name_en, current.name_zh, current.body_en, current.body_zh) == (
                name_en, name_zh, body_en, body_zh):
            raise DomainError(_l("Nothing has changed, so no new version was made."))
        version = max(t.version for t in versions_of(code)) + 1
    check_bodies(body_zh, body_en)
    for earlier in versions_of(code):
        earlier.active = False  # through the ORM, so that the audit trail records it
    template = AgreementTemplate(code=code, version=version, name_en=name_en, name_zh=name_zh, body_en=body_en,
                                 body_zh=body_zh, active=True, created_by_id=actor.id if actor else None)
    db.session.add(template)
    db.session.flush()
    return template


def default_body(code, lang):
    return (DEFAULT_BODIES / f"{code}.{lang}.html").read_text(encoding="utf-8")


def ensure_default_templates(actor=None):
    """Create the distributor and campus-agent templates if they are missing. Returns those created."""
    created = []
    for code, (name_en, name_zh) in DEFAULT_TEMPLATES.items():
        if db.session.scalar(sa.select(AgreementTemplate.id).where(AgreementTemplate.code == code).limit(1)):
            continue
        created.append(save_template(code=code, name_en=name_en, name_zh=name_zh, body_en=default_body(code, "en"),
                                     body_zh=default_body(code, "zh"), actor=actor))
    return created


def preview_html(titles, bodies, language, for_browser=False):
    """A template ({"zh", "en"} names and bodies) filled with the sample terms, as the HTML the
    PDF is made from (or, ``for_browser``, a self-contained page for a sandboxed iframe).
    Raises documents.TemplateProblem."""
    return documents.document_html(
        number="AG-2026-000000", language=language, titles=titles, bodies=bodies,
        issued_on=documents.SAMPLE_TERMS["start_date"], kind="original", previous_number="",
        party=documents.SAMPLE_PARTY, terms=documents.SAMPLE_TERMS, for_browser=for_browser,
    )


def preview_clauses(body, lang):
    """Just the clauses of ``body`` filled with the sample terms. Raises documents.TemplateProblem."""
    return documents.render_body(body, documents.sample_context(lang))


def template_texts(template):
    """(titles, bodies) of a saved template version, as preview_html takes them."""
    return _titles(template), _bodies(template)


def _titles(template):
    return {"zh": template.name_zh, "en": template.name_en}


def _bodies(template):
    return {"zh": template.body_zh, "en": template.body_en}


# ---- generating -----------------------------------------------------------------------------------


def _locked_terms(prospect):
    """The latest locked term sheet of ``prospect`` (the terms both sides agreed), or None."""
    return negotiation.locked_terms(prospect)


def latest_term_sheet(prospect):
    return negotiation.latest_version(prospect)


def can_generate(prospect):
    """True if the latest version of the terms is locked (what the prospect page's button shows)."""
    sheet = latest_term_sheet(prospect)
    return sheet is not None and sheet.status == "locked" and prospect.stage in GENERATING_STAGES


def _previous_signed(prospect):
    return db.session.scalar(
        sa.select(Agreement).where(Agreement.prospect_id == prospect.id, Agreement.status == COUNTERSIGNED)
        .order_by(Agreement.id.desc()).limit(1)
    )


def _next_number(year):
    """AG-<year>-<six digits>, one more than the highest of the year. On PostgreSQL a transaction
    advisory lock makes concurrent generations take turns; the unique index is the last guard."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": NUMBER_LOCK})
    return numbers.next_number(Agreement.number, f"AG-{year}-", digits=6)


def generate_agreement(prospect, template, language, actor, today=None):
    """Generate the agreement PDF from the prospect's locked terms and record it as "sent".
    ``today`` is the date of issue (numbered in its year); the local date by default.

    Never regenerates in place: each call makes a new agreement with a new number and file;
    earlier ones not yet signed by both sides are marked superseded. A prospect in negotiation
    moves to "agreement sent". The prospect's side is notified. Returns the Agreement.
    """
    from portal.recruitment.services import change_stage

    if language not in documents.LANGUAGES:
        raise DomainError(_l("Choose the language of the agreement."), field="language")
    if template is None or not template.active:
        raise DomainError(_l("Choose one of the current agreement templates."), field="template_id")
    if prospect.stage not in GENERATING_STAGES:
        raise DomainError(_l("An agreement can be generated only for a prospect in negotiation or already signed "
                             "(for an amendment or renewal)."))
    sheet = _locked_terms(prospect)
    if sheet is None:
        raise DomainError(_l("There are no locked terms yet: both sides must accept and lock a version of the "
                             "terms first."))
    latest = latest_term_sheet(prospect)
    if latest is not None and latest.id != sheet.id:
        raise DomainError(_l("Version %(latest)d of the terms is still being negotiated. The agreement can be "
                             "generated once the latest version is locked.", latest=latest.number))
    already = db.session.scalar(
        sa.select(Agreement.number).where(Agreement.term_sheet_id == sheet.id, Agreement.status == COUNTERSIGNED)
    )
    if already:
        raise DomainError(_l("These terms are already signed in agreement %(number)s. For a change, negotiate "
                             "new terms: they become an amendment.", number=already))

    partner = getattr(prospect, "partner", None)
    previous = _previous_signed(prospect)
    if partner is None:
        kind = "original"
    elif previous is not None and previous.end_date and sheet.start_date and sheet.start_date > previous.end_date:
        kind = "renewal"
    else:
        kind = "amendment"

    today = today or local_today_in()
    number = _next_number(today.year)
    try:
        html = documents.document_html(
            number=number, language=language, titles=_titles(template), bodies=_bodies(template),
            issued_on=today, kind=kind, previous_number=previous.number if previous else "",
            party=documents.party_from_prospect(prospect), terms=documents.terms_from_sheet(sheet),
        )
    except documents.TemplateProblem as problem:
        raise DomainError(_l("The template “%(name)s” cannot be filled in with these terms: %(problem)s",
                             name=template.label, problem=problem.message), field="template_id") from None
    data = pdf.render(html)
    stored = storage.store_bytes(data, f"{number}.pdf", "application/pdf", uploaded_by=actor)

    for earlier in prospect.agreements:
        if earlier.status in (SENT, PARTNER_SIGNED):
            earlier.status = SUPERSEDED
    agreement = Agreement(
        number=number, kind=kind, status=SENT, prospect=prospect, partner_id=partner.id if partner else None,
        term_sheet_id=sheet.id, template_id=template.id, previous_id=previous.id if previous else None,
        start_date=sheet.start_date, end_date=sheet.end_date, document_id=stored.id, generated_by_id=actor.id,
    )
    db.session.add(agreement)
    db.session.flush()

    if prospect.stage == NEGOTIATING:
        reason = str(_l("Agreement %(number)s generated and sent for signature.", number=number))
        change_stage(prospect, AGREEMENT_SENT, reason, actor, via_workflow=True)
    _notify_prospect_side(agreement, prospect, partner)
    return agreement


def _notify_prospect_side(agreement, prospect, partner):
    link = url_for("agreements.view", agreement_id=agreement.id)
    params = {"company": prospect.company_name, "number": agreement.number}
    recipients = []
    if prospect.applicant is not None:
        recipients.append(prospect.applicant)
    if partner is not None:
        recipients += [u for u in partner.users if u.role == "partner_admin" and u not in recipients]
    for user in recipients:
        notify(user, "agreement_sent", params, link=link)


# ---- verifying ------------------------------------------------------------------------------------

NUMBER_RE = re.compile(r"^AG-\d{4}-\d{6}$")


def normalise_number(value):
    return re.sub(r"\s+", "", value or "").upper()


def _by_number(number):
    return db.session.scalar(sa.select(Agreement).where(Agreement.number == number))


def _by_file_hash(column, sha256):
    return db.session.scalar(
        sa.select(Agreement).join(StoredFile, column == StoredFile.id).where(StoredFile.sha256 == sha256)
        .order_by(Agreement.id.desc()).limit(1)
    )


def public_summary(agreement, with_partner=True):
    """What verification may tell anyone: number, status, parties' names and dates. Nothing else.
    The partner's name only to someone who holds the file (``with_partner``)."""
    partner = agreement.partner
    if not with_partner:
        partner_name = None
    else:
        partner_name = partner.name if partner else agreement.prospect.company_name
    return {
        "number": agreement.number,
        "status": agreement.status,
        "status_label": agreement.status_label,
        "vendor": current_app.config["VENDOR_NAME_ZH"] + " / " + current_app.config["VENDOR_NAME_EN"],
        "partner": partner_name,
        "issued_on": agreement.created_at,
        "start_date": agreement.start_date,
        "end_date": agreement.end_date,
        "signed": agreement.signed_document_id is not None,
    }


def verify(number=None, data=None):
    """Is ``data`` (PDF bytes), byte for byte, the archived version of an agreement?

    Returns {"outcome": …, "agreement": public summary or None, "sha256": hash of data or None}.
    Outcomes: "unknown_number"; "found" (a number, no file); "signed_match" (the archived signed
    PDF); "sent_match" (the file as sent, not yet signed by both sides); "unsigned_copy" (the
    file as sent, but a signed version exists and this is not it); "no_match" (compared with the
    numbered agreement, or with every archived file, and different).
    """
    number = normalise_number(number)
    sha256 = hashlib.sha256(data).hexdigest() if data is not None else None
    agreement = None
    if number:
        agreement = _by_number(number)
        if agreement is None:
            return {"outcome": "unknown_number", "agreement": None, "sha256": sha256, "number": number}
        if sha256 is None:
            # A number alone proves nothing: numbers run in sequence, so without the file the
            # answer names no party (anyone could otherwise step through every agreement).
            return {"outcome": "found", "agreement": public_summary(agreement, with_partner=False), "sha256": None,
                    "number": number}
    elif sha256 is not None:
        agreement = _by_file_hash(Agreement.signed_document_id, sha256) or _by_file_hash(Agreement.document_id, sha256)
        if agreement is None:
            return {"outcome": "no_match", "agreement": None, "sha256": sha256, "number": ""}
    else:
        raise DomainError(_l("Upload the PDF, enter the agreement number, or both."), field="file")

    if agreement.signed_document is not None and sha256 == agreement.signed_document.sha256:
        outcome = "signed_match"
    elif sha256 == agreement.document.sha256:
        outcome = "unsigned_copy" if agreement.signed_document is not None else "sent_match"
    else:
        outcome = "no_match"
    summary = public_summary(agreement, with_partner=outcome != "no_match")
    return {"outcome": outcome, "agreement": summary, "sha256": sha256, "number": agreement.number}
