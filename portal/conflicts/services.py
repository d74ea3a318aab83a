"""Conflict cases: opening (by a partner, a manager, or automatically), the workflow
open → investigating → ruled → closed, answers, evidence and rulings.

``open_case`` is the one way a case is created; other parts (deal registration, PSI imports,
commission queries) call it.

Rules kept here (the views only load, call and commit):

- **One step at a time.** ``move_status`` follows ``CASE_FLOW``: open → investigating, ruled →
  closed; nothing is skipped and nothing goes back. A case becomes *ruled* only through
  ``rule_case`` (which needs it to be under investigation), so every ruled case has a decision.
- **Who may act.** Partners answer and add evidence while the case is open or under
  investigation; managers and admins (``cases.manage``) write messages and internal notes, add
  parties and evidence, share evidence, move the status, change the due date and the manager,
  and rule, until the case is closed.
- **Names.** A partner sees the names of the other parties of a case opened by a partner or a
  manager (the other parties were added there by a manager). In a case opened automatically
  (``deal_match``, ``psi_territory``) the other parties, their registrations, answers and evidence
  are shown to a partner only as "another partner" — a held deal registration's partner never
  learns who registered the customer first, nor that registration's number or value — and the
  title and description written for the manager are replaced by a neutral text.
- **Penalties** are debited from the party's deposit account through the ledger
  (``record_movement`` "deducted", the case number as reference); more than is held is refused
  on the amount field.
- **Deal reassigned** on a case with a deal registration: the customer goes to the chosen party.
  That party's registration in the case (the held one or the protected one) is approved and
  protected for ``deal_protection_days`` from the ruling; if the chosen party has none, the
  case's registration is moved to it (``partner_id`` changes, which the audit trail records).
  Every other open registration of the case (submitted, held or approved) is **rejected**, so
  that one customer never has two protected registrations; won or lost ones are left as they are.
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.conflicts.models import (
    CASE_FLOW, CASE_KINDS, PARTY_ROLES, RULING_ACTIONS, CaseEntry, CaseEvidence, CaseParty, CaseStatusChange,
    ConflictCase,
)
from portal.core import numbers, storage
from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import business_today
from portal.core.models import utcnow
from portal.core.permissions import ADMIN, MANAGER, has_permission
from portal.core.settings import get_setting, set_setting
from portal.extensions import db
from portal.notifications.services import MESSAGES

PARTNER_KINDS = ("cross_territory", "price_cutting", "poaching", "unauthorised_promotion", "other")
ANONYMOUS_ORIGINS = ("deal_match", "psi_territory")
ACTIVE_STATUSES = ("open", "investigating")  # partners may answer and add evidence
DONE_STATUSES = ("ruled", "closed")  # never overdue
EVIDENCE_KINDS = ("pdf", "jpeg", "png")
MAX_EVIDENCE_FILES = 5
TITLE_MAX = 200
TEXT_MAX = 5000
NOTE_MAX = 300
DUE_MAX_DAYS = 365
# Admin settings of this part: name -> (lowest, highest) accepted
SETTING_BOUNDS = {"case_due_days": (1, 365), "complaint_due_days": (1, 365), "deal_protection_days": (1, 730)}
ACTIONS_ON_A_PARTY = ("warning", "penalty", "territory_change", "recommend_termination")
REGISTRATION_OPEN = ("submitted", "held", "approved")

MESSAGES.update({
    "case_answered": _l("Case %(number)s has a new answer: %(title)s."),
    "case_investigating": _l("Case %(number)s is now under investigation: %(title)s."),
    "case_ruled": _l("Case %(number)s has been ruled: %(title)s."),
    "case_closed": _l("Case %(number)s is closed: %(title)s."),
    "case_party_added": _l("Your organisation is now a party to case %(number)s: %(title)s."),
    "case_evidence_added": _l("New evidence was filed on case %(number)s: %(title)s."),
    "case_evidence_shared": _l("New evidence on case %(number)s is shown to you: %(title)s."),
    "case_assigned": _l("Case %(number)s was assigned to you: %(title)s."),
    "case_due_changed": _l("The due date of case %(number)s (%(title)s) is now %(due_on)s."),
})


def next_number():
    """CC-2026-0001 …, by year of opening (Beijing time)."""
    return numbers.next_number(ConflictCase.number, f"CC-{business_today().year}-")


def open_case(kind, origin, title, description, parties, opened_by=None, registration=None, manager=None,
              due_on=None, notify_parties=True):
    """Open a case. ``parties`` is a list of (partner, role) with role complainant, respondent or
    involved. The manager defaults to the first party's manager; the due date to the
    ``case_due_days`` (``complaint_due_days`` for complaints) setting from today. Notifies the
    manager and the parties' users (except the opener). The caller commits."""
    days = get_setting("complaint_due_days" if kind == "complaint" else "case_due_days")
    case = ConflictCase(
        kind=kind, origin=origin, status="open", title=title, description=description,
        due_on=due_on or business_today() + timedelta(days=int(days)),
        opened_by_id=opened_by.id if opened_by is not None else None,
        registration_id=registration.id if registration is not None else None,
    )
    seen = set()
    for partner, role in parties:
        if partner.id in seen:
            continue
        seen.add(partner.id)
        case.parties.append(CaseParty(partner_id=partner.id, role=role))
    if manager is None and parties:
        manager = parties[0][0].manager
    case.manager_id = manager.id if manager is not None else None
    case.status_changes.append(CaseStatusChange(from_status=None, to_status="open",
                                                actor_id=opened_by.id if opened_by is not None else None))
    numbers.add_numbered(case, next_number)
    if notify_parties:
        notify_case(case, "case_opened", exclude=opened_by, parties=[p for p, _role in parties])
    return case


def notify_case(case, kind, exclude=None, parties=None, params=None):
    """Tell the case's manager and the users of its parties (or of ``parties``) about ``kind``.

    In a case opened automatically the partners' notifications never carry the title written
    for the manager: each is told its own registration's number and customer (see
    ``partner_title_param``)."""
    from portal.notifications.services import notify

    params = {"number": case.number, "title": case.title, **(params or {})}
    if case.manager is not None and case.manager != exclude:
        notify(case.manager, kind, params, link=_url("cases_admin.case", case.id))
    for partner in parties if parties is not None else [p.partner for p in case.parties]:
        partner_params = {**params, "title": partner_title_param(case, partner.id)} if names_hidden(case) else params
        for user in partner.users:
            if user.active and user != exclude:
                notify(user, kind, partner_params, link=_url("cases.case", case.id))


def _url(endpoint, case_id):
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, case_id=case_id)
    except BuildError:  # pages not there yet (built by another part)
        return None


# ---- what a partner may be shown ------------------------------------------------------------------


def names_hidden(case):
    """Whether partners see the other parties only as "another partner" (automatic cases)."""
    return case.origin in ANONYMOUS_ORIGINS


def case_registrations(case):
    """The deal registrations a case is about: its own (the held one) and the one it matched."""
    regs = []
    if case.registration is not None:
        regs.append(case.registration)
        if case.registration.matched is not None and case.registration.matched is not case.registration:
            regs.append(case.registration.matched)
    return regs


def own_registration(case, partner_id):
    return next((r for r in case_registrations(case) if r.partner_id == partner_id), None)


def partner_title_param(case, partner_id):
    """A title for a partner's notification that names nothing of another partner: the
    partner's own registration ("D-2026-0002 · Customer") or else the case number."""
    reg = own_registration(case, partner_id)
    if reg is not None:
        return f"{reg.number} · {reg.customer_name}"
    return case.number


def partner_title(case, partner_id):
    """The title shown to a partner user (translated; see ``names_hidden``)."""
    if not names_hidden(case):
        return case.title
    reg = own_registration(case, partner_id)
    if reg is not None:
        return _("Deal registration %(number)s: %(customer)s", number=reg.number, customer=reg.customer_name)
    return _("Case %(number)s", number=case.number)


def partner_description(case, partner_id):
    """The description shown to a partner user (a neutral text in automatic cases)."""
    if not names_hidden(case):
        return case.description
    reg = own_registration(case, partner_id)
    if case.origin == "deal_match" and reg is not None and reg.id == case.registration_id:
        return _("Your deal registration %(number)s for %(customer)s matches a customer already registered by another "
                 "partner. It is held while your channel manager looks into it; you may answer and add evidence here.",
                 number=reg.number, customer=reg.customer_name)
    if case.origin == "deal_match" and reg is not None:
        return _("Another partner registered a customer that matches your deal registration %(number)s for "
                 "%(customer)s. Your channel manager is looking into it; you may answer and add evidence here.",
                 number=reg.number, customer=reg.customer_name)
    if case.origin == "psi_territory":
        return _("Sales were reported in a city outside the territory in your agreement. Your channel manager is "
                 "looking into it; you may answer and add evidence here.")
    return _("Your channel manager opened this case and is looking into it; you may answer and add evidence here.")


def party_label(case, partner_id, viewer_partner_id):
    """How a party is named to a partner viewer: its own name, the other's name, or "another partner"."""
    party = next((p for p in case.parties if p.partner_id == partner_id), None)
    if partner_id == viewer_partner_id:
        partner = party.partner if party is not None else None
        return partner.name if partner is not None else _("Your organisation")
    if names_hidden(case) or party is None:
        return _("Another partner")
    return party.partner.name


def visible_evidence(case, partner_id):
    """The evidence a party sees: its own and what a manager shared."""
    return [e for e in case.evidence if e.partner_id == partner_id or e.shared]


def visible_entries(case):
    """The conversation a party sees: everything but the managers' internal notes."""
    return [e for e in case.entries if not e.internal]


# ---- due dates --------------------------------------------------------------------------------------


def is_overdue(case, today=None):
    today = today or business_today()
    return case.due_on is not None and case.due_on < today and case.status not in DONE_STATUSES


def overdue_condition(today):
    return sa.and_(ConflictCase.due_on.is_not(None), ConflictCase.due_on < today,
                   ConflictCase.status.not_in(DONE_STATUSES))


# ---- validation helpers -------------------------------------------------------------------------------


def _text(value, field, required_message, maximum, errors):
    text = (value or "").strip()
    if not text:
        if required_message:
            errors[field] = [required_message]
        return None
    if len(text) > maximum:
        errors[field] = [_l("At most %(max)d characters.", max=maximum)]
        return None
    return text


def _is_internal(user):
    return user is not None and user.role in (ADMIN, MANAGER) and has_permission(user, "cases.manage")


def _require_manager(actor):
    if not _is_internal(actor):
        raise DomainError(_l("Only a channel manager or an administrator may do this."))


def _require_not_closed(case):
    if case.status == "closed":
        raise DomainError(_l("This case is closed: nothing more can be added to it."))


def _require_party(case, partner):
    if partner is None or not any(p.partner_id == partner.id for p in case.parties):
        raise DomainError(_l("Your organisation is not a party to this case."))


# ---- opening ---------------------------------------------------------------------------------------


def _case_values(kind, title, description, kinds):
    errors = {}
    if kind not in kinds:
        errors["kind"] = [_l("Choose what kind of conflict this is.")]
    title = _text(title, "title", _l("Give the case a short title."), TITLE_MAX, errors)
    description = _text(description, "description", _l("Describe what happened: where, when and who."), TEXT_MAX,
                        errors)
    return errors, title, description


def open_partner_case(partner, actor, kind, title, description, files=()):
    """A partner opens a conflict case about another partner. The other partner is named in the
    description; the manager adds it as a party. Evidence files are checked (all of them, before
    anything is stored or anyone notified) and stored private to the partner."""
    errors, title, description = _case_values(kind, title, description, PARTNER_KINDS)
    checked = _check_files(files, errors, required=False)
    if errors:
        raise ValidationError(errors)
    case = open_case(kind, "partner", title, description, [(partner, "complainant")], opened_by=actor)
    _store_evidence(case, checked, None, actor, partner)
    return case


def file_complaint(partner, actor, title, description, files=()):
    """A partner's complaint about the vendor (投诉): handled like a case, with its own due date."""
    errors, title, description = _case_values("complaint", title, description, ("complaint",))
    checked = _check_files(files, errors, required=False)
    if errors:
        raise ValidationError(errors)
    case = open_case("complaint", "partner", title, description, [(partner, "complainant")], opened_by=actor)
    _store_evidence(case, checked, None, actor, partner)
    return case


# ---- conversation and evidence ------------------------------------------------------------------------


def post_entry(case, actor, body, internal=False, partner=None):
    """A message on the case. A partner (``partner`` given) answers while the case is open or
    under investigation; a manager writes until it is closed, as a message to the parties or as
    an internal note that partners never see. Messages notify everyone else involved."""
    errors = {}
    body = _text(body, "body", _l("Write your message."), TEXT_MAX, errors)
    if partner is not None:
        _require_party(case, partner)
        if case.status not in ACTIVE_STATUSES:
            raise DomainError(_l("This case is “%(status)s”: answers are no longer taken.", status=case.status_label))
        internal = False
    else:
        _require_manager(actor)
        _require_not_closed(case)
    if errors:
        raise ValidationError(errors)
    entry = CaseEntry(case_id=case.id, author_id=actor.id, partner_id=partner.id if partner is not None else None,
                      body=body, internal=bool(internal))
    case.entries.append(entry)
    db.session.flush()
    if not entry.internal:
        notify_case(case, "case_answered", exclude=actor)
    return entry


def _check_files(files, errors, required=True):
    """Read and check every uploaded file by content and size; return [(bytes, type, name)].
    Problems go to ``errors["evidence"]``."""
    from flask import current_app

    files = [f for f in (files or []) if f is not None and getattr(f, "filename", "")]
    if not files:
        if required:
            errors["evidence"] = [_l("Choose at least one file (PDF, JPG or PNG).")]
        return []
    if len(files) > MAX_EVIDENCE_FILES:
        errors["evidence"] = [_l("Attach at most %(max)d files at a time.", max=MAX_EVIDENCE_FILES)]
        return []
    max_bytes = current_app.config["LICENCE_MAX_BYTES"]
    checked = []
    for upload in files:
        data = upload.stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            errors["evidence"] = [_l("The file %(name)s is larger than %(limit)s. Please send a smaller file.",
                                     name=upload.filename, limit=storage.human_size(max_bytes))]
            return []
        if not data:
            errors["evidence"] = [_l("The file %(name)s is empty.", name=upload.filename)]
            return []
        content_type = storage.detect_type(data, EVIDENCE_KINDS)
        if content_type is None:
            errors["evidence"] = [_l("The file %(name)s is not a PDF, JPG or PNG file. "
                                     "Please attach PDF, JPG or PNG files.", name=upload.filename)]
            return []
        checked.append((data, content_type, upload.filename))
    return checked


def _store_evidence(case, checked, note, actor, partner, shared=False):
    stored = []
    for data, content_type, name in checked:
        record = storage.store_bytes(data, name, content_type, uploaded_by=actor)
        evidence = CaseEvidence(case_id=case.id, file_id=record.id, partner_id=partner.id if partner else None,
                                uploaded_by_id=actor.id, note=note, shared=bool(shared))
        case.evidence.append(evidence)
        stored.append(evidence)
    db.session.flush()
    return stored


def add_evidence(case, actor, files, note=None, partner=None, shared=False):
    """File evidence: a party's is private to it and the managers; the vendor's (``partner``
    None) is private to the managers unless ``shared``. Partners file while the case is open or
    under investigation, managers until it is closed."""
    if partner is not None:
        _require_party(case, partner)
        if case.status not in ACTIVE_STATUSES:
            raise DomainError(_l("This case is “%(status)s”: evidence is no longer taken.", status=case.status_label))
        shared = False
    else:
        _require_manager(actor)
        _require_not_closed(case)
    errors = {}
    note = _text(note, "note", None, NOTE_MAX, errors)
    checked = _check_files(files, errors)
    if errors:
        raise ValidationError(errors)
    stored = _store_evidence(case, checked, note, actor, partner, shared)
    if partner is not None:
        notify_case(case, "case_evidence_added", exclude=actor, parties=[])  # the manager only: it is private
    elif shared:
        notify_case(case, "case_evidence_added", exclude=actor)
    return stored


def set_evidence_shared(evidence, shared, actor):
    """Show a piece of evidence to every party of the case, or make it private again."""
    _require_manager(actor)
    case = evidence.case
    _require_not_closed(case)
    newly_shared = bool(shared) and not evidence.shared
    evidence.shared = bool(shared)
    if newly_shared:
        others = [p.partner for p in case.parties if p.partner_id != evidence.partner_id]
        notify_case(case, "case_evidence_shared", exclude=actor, parties=others)
    return evidence


# ---- parties, manager, due date ----------------------------------------------------------------------


def add_party(case, partner, role, actor):
    """A manager adds a partner to the case (typically the respondent a partner named)."""
    _require_manager(actor)
    _require_not_closed(case)
    errors = {}
    if partner is None:
        errors["partner_id"] = [_l("Choose the partner to add.")]
    elif any(p.partner_id == partner.id for p in case.parties):
        errors["partner_id"] = [_l("%(name)s is already a party to this case.", name=partner.name)]
    elif partner.status == "terminated":
        errors["partner_id"] = [_l("%(name)s is terminated and cannot be added.", name=partner.name)]
    if role not in PARTY_ROLES:
        errors["role"] = [_l("Choose the party's role.")]
    if errors:
        raise ValidationError(errors)
    party = CaseParty(partner_id=partner.id, role=role)
    case.parties.append(party)
    db.session.flush()
    notify_case(case, "case_party_added", exclude=actor, parties=[partner])
    return party


def assign_manager(case, manager, actor):
    """Hand the case to another channel manager or administrator (audited)."""
    _require_manager(actor)
    _require_not_closed(case)
    if manager is None or not manager.active or manager.role not in (ADMIN, MANAGER):
        raise DomainError(_l("Choose an active channel manager or administrator."), field="manager_id")
    if manager.id == case.manager_id:
        raise DomainError(_l("%(name)s already looks after this case.", name=manager.name), field="manager_id")
    case.manager_id = manager.id
    db.session.flush()
    db.session.refresh(case, ["manager"])
    from portal.notifications.services import notify

    if manager != actor:
        notify(manager, "case_assigned", {"number": case.number, "title": case.title},
               link=_url("cases_admin.case", case.id))
    return case


def change_due_date(case, due_on, actor, today=None):
    """Move the due date (audited: the old and new dates are in the audit trail)."""
    _require_manager(actor)
    _require_not_closed(case)
    today = today or business_today()
    if due_on is None:
        raise DomainError(_l("Enter a date as YYYY-MM-DD."), field="due_on")
    if due_on < today:
        raise DomainError(_l("The due date cannot be in the past."), field="due_on")
    if due_on > today + timedelta(days=DUE_MAX_DAYS):
        raise DomainError(_l("The due date can be at most a year from today."), field="due_on")
    if due_on == case.due_on:
        raise DomainError(_l("The case is already due on that date."), field="due_on")
    case.due_on = due_on
    db.session.flush()
    notify_case(case, "case_due_changed", exclude=actor, params={"due_on": due_on.isoformat()})
    return case


# ---- the workflow -------------------------------------------------------------------------------------


def move_status(case, to_status, actor, note=None):
    """One step along CASE_FLOW (open → investigating, ruled → closed). Ruling has its own form."""
    _require_manager(actor)
    # Lock the row and read the status again: of two moves sent at once, the second sees the first.
    db.session.refresh(case, with_for_update=True)
    allowed = CASE_FLOW.get(case.status, ())
    if to_status == "ruled" and "ruled" in allowed:
        raise DomainError(_l("Record the decision with the ruling form: that is what makes a case ruled."),
                          field="to_status")
    if to_status not in allowed:
        if not allowed:
            raise DomainError(_l("This case is closed: its status cannot change any more."), field="to_status")
        from portal.conflicts.models import CASE_STATUSES

        raise DomainError(_l("A case moves one step at a time: from “%(current)s” it can only go to “%(next)s”.",
                             current=case.status_label, next=CASE_STATUSES[allowed[0]]), field="to_status")
    errors = {}
    note = _text(note, "status_note", None, TEXT_MAX, errors)
    if errors:
        raise ValidationError(errors)
    _change_status(case, to_status, actor, note)
    if to_status == "closed":
        case.closed_at = utcnow()
    db.session.flush()
    notify_case(case, f"case_{to_status}", exclude=actor)
    return case


def _change_status(case, to_status, actor, note=None):
    case.status_changes.append(CaseStatusChange(from_status=case.status, to_status=to_status, actor_id=actor.id,
                                                note=note))
    case.status = to_status


def rule_case(case, actor, decision, action, amount=None, target=None, favour=None, today=None):
    """Record the ruling of a case under investigation and carry out its action.

    ``target`` is the party the action applies to (warned, penalised, whose territory changes,
    whose termination is recommended; kept in ``penalty_partner_id``); ``favour`` the party ruled
    in favour of (required to reassign a deal). A penalty debits ``amount`` from the target's
    deposit account through the ledger. The caller commits."""
    from portal.partners import ledger
    from portal.partners.services import parse_amount

    _require_manager(actor)
    # Lock the case's row and read its status again: of two rulings sent at once (a double click,
    # two managers) the second waits, then finds the case ruled; a penalty is never taken twice.
    db.session.refresh(case, with_for_update=True)
    if case.status != "investigating":
        raise DomainError(_l("Only a case under investigation can be ruled: this one is “%(status)s”.",
                             status=case.status_label))
    today = today or business_today()
    errors = {}
    decision = _text(decision, "decision", _l("Write the decision and its reasons."), TEXT_MAX, errors)
    party_ids = {p.partner_id for p in case.parties}
    if action not in RULING_ACTIONS:
        errors["action"] = [_l("Choose the action of the ruling.")]
    if target is not None and target.id not in party_ids:
        errors["target_id"] = [_l("Choose one of the case's parties.")]
    if favour is not None and favour.id not in party_ids:
        errors["favour_id"] = [_l("Choose one of the case's parties.")]
    if action in ACTIONS_ON_A_PARTY and target is None and "target_id" not in errors:
        errors["target_id"] = [_l("Choose the party this action applies to.")]
    if action == "reassign_deal" and favour is None and "favour_id" not in errors:
        errors["favour_id"] = [_l("Choose the partner the deal goes to.")]
    penalty = None
    if action == "penalty":
        try:
            penalty = parse_amount(amount)
        except DomainError as error:
            errors["penalty_amount"] = [error.message]
        else:
            if target is not None and "target_id" not in errors and target.deposit_account is None:
                errors["penalty_amount"] = [_l("%(name)s has no deposit account: nothing can be deducted.",
                                               name=target.name)]
    if errors:
        raise ValidationError(errors)

    case.ruling = decision
    case.ruling_action = action
    case.penalty_partner_id = target.id if target is not None and action in ACTIONS_ON_A_PARTY else None
    case.in_favour_of_partner_id = favour.id if favour is not None else None
    if action == "penalty":
        try:
            movement = ledger.record_movement(target.deposit_account, "deducted", penalty, actor,
                                              reference=case.number)
        except DomainError as error:
            raise DomainError(error.message, field="penalty_amount" if error.field == "amount" else error.field) \
                from error
        case.penalty_amount = penalty
        case.deposit_movement_id = movement.id
    if action == "reassign_deal" and case.registration is not None:
        reassign_registration(case, favour, actor, today)
    case.ruled_by_id = actor.id
    case.ruled_at = utcnow()
    _change_status(case, "ruled", actor)
    db.session.flush()
    notify_case(case, "case_ruled", exclude=actor)
    return case


def reassign_registration(case, partner, actor, today):
    """The customer of the case's registrations goes to ``partner`` (see the module's rule)."""
    regs = case_registrations(case)
    winner = next((r for r in regs if r.partner_id == partner.id), None)
    if winner is None:
        winner = next((r for r in regs if r.status == "approved"), case.registration)
        winner.partner_id = partner.id  # moved: the audit trail keeps the old partner
    now = datetime.now(timezone.utc)
    note = _("Decided by the ruling on case %(number)s.", number=case.number)
    if winner.status != "won":
        winner.status = "approved"
        winner.protected_until = today + timedelta(days=int(get_setting("deal_protection_days")))
    winner.decided_by_id, winner.decided_at, winner.decision_note = actor.id, now, note
    for reg in regs:
        if reg is not winner and reg.status in REGISTRATION_OPEN:
            reg.status = "rejected"
            reg.protected_until = None
            reg.decided_by_id, reg.decided_at, reg.decision_note = actor.id, now, note
    return winner


# ---- settings -----------------------------------------------------------------------------------------


def update_settings(values, actor):
    """Save the due days of cases and complaints and the deal protection days (audited through
    ``set_setting``). ``values`` maps each name to what was typed."""
    if actor is None or not has_permission(actor, "settings.manage"):
        raise DomainError(_l("Only an administrator may change these settings."))
    errors, clean = {}, {}
    for name, (low, high) in SETTING_BOUNDS.items():
        raw = str(values.get(name) if values.get(name) is not None else "").strip()
        try:
            number = int(raw)
        except ValueError:
            errors[name] = [_l("Enter a whole number of days.")]
            continue
        if not low <= number <= high:
            errors[name] = [_l("Enter a number of days between %(low)d and %(high)d.", low=low, high=high)]
            continue
        clean[name] = number
    if errors:
        raise ValidationError(errors)
    for name, number in clean.items():
        if get_setting(name) != number:
            set_setting(name, number)
    return clean


def kind_choices(partner_side=True):
    kinds = PARTNER_KINDS if partner_side else tuple(CASE_KINDS)
    return [(k, CASE_KINDS[k]) for k in kinds]
