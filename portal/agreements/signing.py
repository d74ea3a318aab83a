"""Signing an agreement: the prospect signs the exact file it was shown, the vendor countersigns,
and the final PDF (the signed bytes plus a signature page) is archived.

The state machine: "sent" --sign--> "partner_signed" --countersign--> "countersigned".
A "superseded" agreement (a newer version replaced it) can no longer be signed. Each step
checks the state of the freshly locked agreement row, so two clicks at once cannot both pass.
Plain functions: explicit actor and values; they raise DomainError; the caller commits.
"""
import hashlib
import io
from datetime import timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.agreements.models import Agreement, Signature
from portal.core import pdf, storage
from portal.core.errors import DomainError, ValidationError
from portal.core.models import utcnow
from portal.extensions import db
from portal.notifications.services import notify
from portal.recruitment.models import AGREEMENT_SENT, SIGNED, STAGE_LABELS

SENT, PARTNER_SIGNED, COUNTERSIGNED, SUPERSEDED = "sent", "partner_signed", "countersigned", "superseded"
PARTNER, VENDOR = "partner", "vendor"
SHANGHAI = ZoneInfo("Asia/Shanghai")
USER_AGENT_MAX = 500


# ---- the rules, in the order a user meets them ---------------------------------------------------


def _lock(agreement):
    """Re-read the agreement row under a lock (PostgreSQL: FOR UPDATE), so that the state
    checked below is the state committed by anyone else signing at the same moment."""
    return db.session.execute(
        sa.select(Agreement).where(Agreement.id == agreement.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def sign_refusal(agreement, document_sha256=None):
    """Why the prospect's side may not sign ``agreement`` now (a message), or None."""
    if agreement.status == SUPERSEDED:
        return _l("This version of agreement %(number)s has been replaced by a newer one and can no longer be "
                  "signed. Open the current version from your application page.", number=agreement.number)
    if agreement.signature(PARTNER) is not None or agreement.status in (PARTNER_SIGNED, COUNTERSIGNED):
        return _l("Agreement %(number)s is already signed for your company; it cannot be signed twice.",
                  number=agreement.number)
    if agreement.status != SENT:
        return _l("Agreement %(number)s has not been sent for signature, so it cannot be signed yet.",
                  number=agreement.number)
    stage_refusal = _stage_refusal(agreement)
    if stage_refusal is not None:
        return stage_refusal
    if document_sha256 is not None and document_sha256 != agreement.document.sha256:
        return _l("The document you read is not the current version of agreement %(number)s. Reload the page, "
                  "read the current version and sign again.", number=agreement.number)
    return None


def countersign_refusal(agreement):
    """Why the vendor may not countersign ``agreement`` now (a message), or None."""
    if agreement.signature(VENDOR) is not None or agreement.status == COUNTERSIGNED:
        return _l("Agreement %(number)s is already countersigned; it cannot be countersigned twice.",
                  number=agreement.number)
    if agreement.status == SUPERSEDED:
        return _l("Agreement %(number)s has been replaced by a newer version and can no longer be countersigned.",
                  number=agreement.number)
    if agreement.status != PARTNER_SIGNED or agreement.signature(PARTNER) is None:
        return _l("The partner has not signed agreement %(number)s yet. It can be countersigned only after the "
                  "partner's signature.", number=agreement.number)
    return _stage_refusal(agreement)


def _stage_refusal(agreement):
    """An agreement is signed while its prospect awaits it ("agreement sent") or, for an amendment
    or renewal, is a signed partner. A prospect moved out of "agreement sent" by hand (rejected,
    withdrawn, back to negotiation) leaves its agreement unsignable until one is generated again."""
    stage = agreement.prospect.stage
    if stage in (AGREEMENT_SENT, SIGNED):
        return None
    return _l("Agreement %(number)s cannot be signed while the application is “%(stage)s”.",
              number=agreement.number, stage=STAGE_LABELS[stage])


def _flush_or_refuse(message):
    """Write the signature; one side signs once (a unique constraint), so a signature that slipped
    past the lock (SQLite has no row locks) is refused with the same message as a second click.
    The caller rolls back."""
    try:
        db.session.flush()
    except IntegrityError as error:
        raise DomainError(message) from error


def _signatory(name, title, authorised):
    name, title = (name or "").strip(), (title or "").strip()
    errors = {}
    if not name:
        errors["signer_name"] = [_l("Type your full name as your signature.")]
    elif len(name) > 100:
        errors["signer_name"] = [_l("At most %(max)d characters.", max=100)]
    if not title:
        errors["signer_title"] = [_l("Type your title (e.g. General Manager).")]
    elif len(title) > 100:
        errors["signer_title"] = [_l("At most %(max)d characters.", max=100)]
    if not authorised:
        errors["authorised"] = [_l("You may sign only if you are authorised to sign for the company.")]
    if errors:
        raise ValidationError(errors)
    return name, title


# ---- signing ---------------------------------------------------------------------------------------


def sign(agreement, actor, *, document_sha256, signer_name, signer_title, authorised, seal_file=None,
         ip_address=None, user_agent=None, now=None):
    """The prospect's side signs the file whose SHA-256 it was shown. Returns the Signature.
    ``now`` (an aware datetime) is the time recorded instead of the clock's (the demo data)."""
    agreement = _lock(agreement)
    refusal = sign_refusal(agreement, (document_sha256 or "").strip().lower())
    if refusal is not None:
        raise DomainError(refusal)
    name, title = _signatory(signer_name, signer_title, authorised)
    signature = Signature(
        agreement=agreement, side=PARTNER, user_id=actor.id, signer_name=name, signer_title=title, authorised=True,
        document_sha256=agreement.document.sha256, ip_address=(ip_address or None),
        user_agent=(user_agent or "")[:USER_AGENT_MAX] or None, seal_file_id=seal_file.id if seal_file else None,
        created_at=now or utcnow(),
    )
    db.session.add(signature)
    agreement.status = PARTNER_SIGNED
    _flush_or_refuse(_l("Agreement %(number)s is already signed for your company; it cannot be signed twice.",
                        number=agreement.number))
    prospect = agreement.prospect
    if prospect.owner is not None:
        notify(prospect.owner, "agreement_signed",
               {"signer": name, "number": agreement.number, "company": prospect.company_name},
               link=url_for("agreements.countersign", agreement_id=agreement.id))
    return signature


# ---- countersigning ----------------------------------------------------------------------------------


def countersign(agreement, actor, *, signer_name, signer_title, authorised, seal_checked=False,
                ip_address=None, user_agent=None, now=None):
    """The vendor countersigns: record the signature, archive the final PDF (the exact signed
    file plus a signature page), and turn the prospect into a partner. Returns the Signature.
    ``now`` (an aware datetime) is the time recorded, and printed on the signature page, instead
    of the clock's (the demo data)."""
    from portal.partners.onboarding import create_partner_from_agreement
    from portal.results.targets import targets_from_agreement

    agreement = _lock(agreement)
    refusal = countersign_refusal(agreement)
    if refusal is not None:
        raise DomainError(refusal)
    name, title = _signatory(signer_name, signer_title, authorised)
    partner_signature = agreement.signature(PARTNER)
    signed_bytes = storage.path_of(agreement.document).read_bytes()
    if hashlib.sha256(signed_bytes).hexdigest() != partner_signature.document_sha256:
        raise DomainError(_l("The stored file of agreement %(number)s no longer matches the file the partner "
                             "signed. Do not countersign; report this to an administrator.",
                             number=agreement.number))
    now = now or utcnow()
    if seal_checked and partner_signature.seal_file_id is not None:
        partner_signature.seal_checked_by_id = actor.id
        partner_signature.seal_checked_at = now
    signature = Signature(
        agreement=agreement, side=VENDOR, user_id=actor.id, signer_name=name, signer_title=title, authorised=True,
        document_sha256=partner_signature.document_sha256, ip_address=(ip_address or None),
        user_agent=(user_agent or "")[:USER_AGENT_MAX] or None, created_at=now,
    )
    db.session.add(signature)
    _flush_or_refuse(_l("Agreement %(number)s is already countersigned; it cannot be countersigned twice.",
                        number=agreement.number))
    final = final_pdf(agreement, signed_bytes, [partner_signature, signature])
    agreement.signed_document = storage.store_bytes(final, f"{agreement.number}-signed.pdf", "application/pdf",
                                                    uploaded_by=actor)
    agreement.status = COUNTERSIGNED
    db.session.flush()
    partner, created = create_partner_from_agreement(agreement, actor)
    targets_from_agreement(agreement, actor)  # the monthly targets of the terms, from the start month
    signer = partner_signature.user
    if not created and signer is not None:
        notify(signer, "agreement_countersigned", {"number": agreement.number, "company": partner.name},
               link=url_for("agreements.view", agreement_id=agreement.id))
    return signature


# ---- the final PDF ------------------------------------------------------------------------------------


# The signature page is bilingual whatever the language of the person who countersigned:
# each label is shown in English and in Chinese (once, where the catalogue has no translation yet).
PAGE_LABELS = {
    "title": _l("Signature page"),
    "intro": _l("This page records the electronic signatures of agreement %(number)s. Both parties signed the "
                "document whose SHA-256 fingerprint is shown below; the pages before this one are that document."),
    "agreement": _l("Agreement"),
    "company": _l("Partner company"),
    "vendor_company": _l("Vendor"),
    "document_sha256": _l("SHA-256 of the signed document"),
    "partner": _l("Signed for the partner"),
    "vendor": _l("Countersigned for the vendor"),
    "name": _l("Name"),
    "signer_title": _l("Title"),
    "authorised": _l("Declared authorised to sign"),
    "account": _l("Portal account"),
    "time_local": _l("Time (Asia/Shanghai)"),
    "time_utc": _l("Time (UTC)"),
    "ip": _l("IP address"),
    "user_agent": _l("Browser (user agent)"),
    "signed_sha256": _l("SHA-256 of the file signed"),
    "seal": _l("Company seal scan received"),
    "seal_checked": _l("Seal checked by"),
    "yes": _l("Yes"),
    "no": _l("No"),
    "not_applicable": _l("Not applicable"),
}


def _bilingual(label, **params):
    texts = []
    for locale in ("en", "zh_CN"):
        with force_locale(locale):
            text = str(label) % params if params else str(label)
        if text not in texts:
            texts.append(text)
    return " / ".join(texts)


def _times(moment):
    moment = moment.astimezone(timezone.utc)
    local = moment.astimezone(SHANGHAI)
    return local.strftime("%Y-%m-%d %H:%M:%S (UTC%z)"), moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def signature_record(signature, labels):
    local, utc = _times(signature.created_at)
    record = {
        "heading": labels[signature.side],
        "name": signature.signer_name,
        "title": signature.signer_title,
        "authorised": labels["yes"] if signature.authorised else labels["no"],
        "account": signature.user.email if signature.user else "",
        "time_local": local,
        "time_utc": utc,
        "ip": signature.ip_address or "—",
        "user_agent": signature.user_agent or "—",
        "sha256": signature.document_sha256,
    }
    if signature.side == PARTNER:
        record["seal"] = labels["yes"] if signature.seal_file_id else labels["no"]
        if signature.seal_checked_by is not None:
            record["seal_checked"] = f"{signature.seal_checked_by.name}, {_times(signature.seal_checked_at)[0]}"
    else:
        record["seal"] = labels["not_applicable"]
    return record


def _vendor_name():
    names = [str(current_app.config.get(key) or "") for key in ("VENDOR_NAME_ZH", "VENDOR_NAME_EN")]
    return " / ".join(dict.fromkeys(n for n in names if n))


def signature_page(agreement, signatures):
    """The signature page as PDF bytes: plain values into signature_page.html."""
    labels = {key: _bilingual(label) for key, label in PAGE_LABELS.items() if key != "intro"}
    labels["intro"] = _bilingual(PAGE_LABELS["intro"], number=agreement.number)
    html = render_template(
        "agreements/signature_page.html", labels=labels, number=agreement.number,
        company=agreement.prospect.company_name, vendor=_vendor_name(), document_sha256=signatures[0].document_sha256,
        records=[signature_record(s, labels) for s in signatures], font_stack=pdf.FONT_STACK,
    )
    return pdf.render(html)


def final_pdf(agreement, signed_bytes, signatures):
    """The signed document followed by the signature page, as PDF bytes.

    The page is added as an incremental update (PDF 1.7, 7.5.6), so the final file begins with
    the signed file byte for byte: anyone can cut it at the signed file's length and check its
    SHA-256 against the one printed on the signature page.
    """
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(io.BytesIO(signed_bytes), incremental=True)
    writer.append(PdfReader(io.BytesIO(signature_page(agreement, signatures))))
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    if not data.startswith(signed_bytes):  # never archive a file that altered what was signed
        raise DomainError(_l("The signed PDF could not be completed without changing the signed document."))
    return data
