"""Policies and news (销售政策 / 市场动态): writing, publishing and withdrawing announcements, the
partners' acknowledgements, and what managers see of them.

Plain functions: they take the acting user and plain values, check the rules, change the objects
and raise DomainError / ValidationError naming the form field. The caller commits.

States: a *draft* has no ``published_at``; a *published* one has, and its expiry day (if any) is
today or later; an *expired* one is published with an expiry day in the past. Days are the
vendor's (Beijing time, core.i18n.business_today). Withdrawing makes a published announcement a
draft again; its acknowledgements are kept.

Editing a published announcement is allowed and never silent: ``Announcement`` is Audited, so
each changed column (title, body, …) is written to the audit trail with its old and new value,
and a change of audience is written there here (the audience rows are not Audited). Partners
newly reached by a widened audience are notified; acknowledgements already given stay.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask import has_request_context, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core import storage
from portal.core.audit import AuditLog, acting_as, history_for
from portal.core.errors import DomainError, ValidationError
from portal.core.i18n import business_today
from portal.core.models import utcnow
from portal.core.permissions import PARTNER_ADMIN, PARTNER_STAFF, has_permission
from portal.extensions import db
from portal.marketing.audience import partners_in, set_audience, visible_condition
from portal.marketing.models import ANNOUNCEMENT_KINDS, Announcement, AnnouncementAck, Audience
from portal.notifications.services import MESSAGES, notify
from portal.partners.models import Partner
from portal.partners.queries import visible_partners
from portal.training.sanitize import has_text, sanitize_html

TITLE_MAX = 200
BODY_MAX = 200_000
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_KINDS = ("pdf",)

STATES = {"draft": _l("Draft"), "published": _l("Published"), "expired": _l("Expired")}
LANGUAGES = {"": _l("Chinese and English"), "zh_CN": _l("Chinese"), "en": _l("English")}
PARTNER_ROLES = (PARTNER_ADMIN, PARTNER_STAFF)

# Notification kinds: (announcement kind, must acknowledge) -> notification kind.
NOTIFY_KINDS = {
    ("policy", True): "policy_published_ack",
    ("policy", False): "policy_published",
    ("news", True): "news_published_ack",
    ("news", False): "news_published",
}
MESSAGES.update({
    "policy_published_ack": _l("New sales policy: “%(title)s”. Please read it and confirm in the portal that you "
                               "have."),
    "policy_published": _l("New sales policy: “%(title)s”."),
    "news_published_ack": _l("Market news: “%(title)s”. Please read it and confirm in the portal that you have."),
    "news_published": _l("Market news: “%(title)s”."),
})

# What a change after publishing is shown as, by audit field.
CHANGE_LABELS = {
    "title": _l("Title"), "body": _l("Text"), "kind": _l("Kind"), "language": _l("Language of the text"),
    "requires_ack": _l("Acknowledgement"), "expires_on": _l("Shown until"), "attachment_id": _l("Attachment"),
    "audience": _l("Meant for"),
}


def today():
    return business_today()


# ---- states -------------------------------------------------------------------------------------


def state_of(announcement, on=None):
    """"draft", "published" or "expired"."""
    if announcement.published_at is None:
        return "draft"
    on = on or today()
    if announcement.expires_on is not None and announcement.expires_on < on:
        return "expired"
    return "published"


def state_condition(state, on=None):
    """A SQL condition on Announcement for one of STATES."""
    on = on or today()
    if state == "draft":
        return Announcement.published_at.is_(None)
    not_expired = sa.or_(Announcement.expires_on.is_(None), Announcement.expires_on >= on)
    if state == "published":
        return sa.and_(Announcement.published_at.is_not(None), not_expired)
    if state == "expired":
        return sa.and_(Announcement.published_at.is_not(None), ~not_expired)
    raise ValueError(state)


def _require_publisher(actor):
    if not has_permission(actor, "marketing.publish"):
        raise DomainError(_l("Only channel managers and administrators may publish policies and news."))


def _flush_as(actor):
    with acting_as(actor):
        db.session.flush()


# ---- writing ------------------------------------------------------------------------------------


def announcement_values(data, on=None, current=None):
    """Checked values for an announcement: {field: value}, or ValidationError naming each wrong
    field. ``current`` is the announcement being edited (its unchanged past expiry day is kept)."""
    on = on or today()
    errors = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_l("Enter a title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_l("At most %(max)d characters.", max=TITLE_MAX)]
    kind = data.get("kind") or ""
    if kind not in ANNOUNCEMENT_KINDS:
        errors["kind"] = [_l("Choose whether this is a sales policy or market news.")]
    raw_body = data.get("body") or ""
    body = sanitize_html(raw_body)
    if not has_text(body):
        errors["body"] = [_l("Write the text partners will read.")]
    elif len(raw_body) > BODY_MAX:
        errors["body"] = [_l("At most %(max)d characters.", max=BODY_MAX)]
    language = data.get("language") or ""
    if language not in LANGUAGES:
        errors["language"] = [_l("Choose the language the text is written in.")]
    expires_on = data.get("expires_on")
    if expires_on is not None and not isinstance(expires_on, date):
        errors["expires_on"] = [_l("Enter a date as YYYY-MM-DD.")]
    elif expires_on is not None and expires_on < on and (current is None or current.expires_on != expires_on):
        errors["expires_on"] = [_l("The expiry date is in the past. Choose today or a later day, or leave it empty.")]
    if errors:
        raise ValidationError(errors)
    return {"title": title, "kind": kind, "body": body, "language": language or None,
            "requires_ack": bool(data.get("requires_ack")), "expires_on": expires_on}


def publishable_partners(actor):
    """The active partners ``actor`` may name in an audience (those they may see), by name."""
    return db.session.scalars(
        visible_partners(actor).where(Partner.status == "active").order_by(Partner.name, Partner.id)
    ).all()


def _named_partners(audience, chosen, actor, errors):
    """The partners to name: those chosen (each must be one the actor may see) and those already
    named that the actor may not see (chosen by someone else; never dropped silently)."""
    allowed = {p.id for p in publishable_partners(actor)}
    chosen = list(chosen or ())
    if any(p.id not in allowed for p in chosen):
        errors["audience_partners"] = [_l("Choose partners from the list.")]
    kept = [p for p in (audience.partners if audience is not None else []) if p.id not in allowed]
    by_id = {p.id: p for p in chosen + kept}
    return sorted(by_id.values(), key=lambda p: (p.name, p.id))


def audience_summary(audience):
    """A plain, untranslated description of an audience for the audit trail."""
    def names(rows, attr):
        return ", ".join(str(getattr(r, attr)) for r in rows) or "*"

    return (f"channel_types={names(audience.channel_types, 'code')}; tiers={names(audience.tiers, 'code')}; "
            f"territories={names(audience.territories, 'code')}; partners={names(audience.partners, 'name')}")


def _store_attachment(upload, actor, errors):
    if upload is None or not getattr(upload, "filename", None):
        return None
    try:
        return storage.store_upload(upload, ATTACHMENT_KINDS, ATTACHMENT_MAX_BYTES, "attachment", uploaded_by=actor)
    except DomainError as error:
        errors.setdefault("attachment", []).append(error.message)
        return None


def save_announcement(announcement, data, audience_rows, actor, upload=None, remove_attachment=False, on=None):
    """Create (``announcement`` None) or change an announcement.

    ``data``: title, kind, body (HTML, sanitised here), language ("", "zh_CN", "en"),
    requires_ack, expires_on (a date or None). ``audience_rows``: channel_types, tiers,
    territories and partners as model rows (empty = everyone). ``upload``: an optional PDF
    (a werkzeug FileStorage). Editing a published announcement is recorded in the audit trail and
    notifies the partner users its audience newly reaches. Returns the announcement."""
    _require_publisher(actor)
    errors = {}
    try:
        values = announcement_values(data, on=on, current=announcement)
    except ValidationError as error:
        errors.update(error.errors)
        values = None
    rows = dict(audience_rows)
    rows["partners"] = _named_partners(announcement.audience if announcement else None, rows.get("partners"),
                                       actor, errors)
    stored = _store_attachment(upload, actor, errors)
    if errors:
        if stored is not None:
            storage.discard(stored)
        raise ValidationError(errors)

    if announcement is None:
        announcement = Announcement(created_by_id=actor.id, audience=Audience())
        db.session.add(announcement)
        before_summary = before_reach = None
    else:
        before_summary = audience_summary(announcement.audience)
        before_reach = _reached_partner_ids(announcement.audience) if announcement.published_at else None
    for key, value in values.items():
        setattr(announcement, key, value)
    # Set the column as well as the relationship, so that the audit trail sees the change.
    if stored is not None:
        announcement.attachment, announcement.attachment_id = stored, stored.id
    elif remove_attachment:
        announcement.attachment, announcement.attachment_id = None, None
    set_audience(announcement.audience, **rows)
    _flush_as(actor)

    if before_summary is not None:
        after_summary = audience_summary(announcement.audience)
        if after_summary != before_summary:
            db.session.add(AuditLog(
                actor_id=actor.id, ip_address=request.remote_addr if has_request_context() else None,
                entity_type="Announcement", entity_id=str(announcement.id), action="update", field="audience",
                old_value=before_summary, new_value=after_summary,
            ))
    if before_reach is not None:
        newly = _reached_partner_ids(announcement.audience) - before_reach
        if newly:
            _notify_partners(announcement, newly)
    db.session.flush()
    return announcement


# ---- publishing ---------------------------------------------------------------------------------


def _reached_partner_ids(audience):
    return set(db.session.scalars(partners_in(audience).with_only_columns(Partner.id).order_by(None)))


def _recipients(announcement, partner_ids=None):
    """Active partner users of the partners the audience reaches (or of ``partner_ids``) who have
    not acknowledged the announcement yet."""
    if partner_ids is None:
        partner_scope = partners_in(announcement.audience).with_only_columns(Partner.id).order_by(None)
    else:
        partner_scope = list(partner_ids)
    acknowledged = sa.select(AnnouncementAck.user_id).where(AnnouncementAck.announcement_id == announcement.id)
    return db.session.scalars(
        sa.select(User).where(User.partner_id.in_(partner_scope), User.role.in_(PARTNER_ROLES),
                              User.active.is_(True), User.id.not_in(acknowledged))
        .order_by(User.id)
    ).all()


def _notify(announcement, users):
    kind = NOTIFY_KINDS[(announcement.kind, bool(announcement.requires_ack))]
    link = url_for("marketing.announcement", announcement_id=announcement.id)
    for user in users:
        notify(user, kind, {"title": announcement.title}, link=link)
    return len(users)


def _notify_partners(announcement, partner_ids):
    return _notify(announcement, _recipients(announcement, partner_ids))


def publish(announcement, actor, on=None):
    """Publish a draft: partners of its audience see it from now on; their users are notified
    (in the portal and by e-mail, in their language). Returns the number of people notified."""
    _require_publisher(actor)
    on = on or today()
    if announcement.published_at is not None:
        raise DomainError(_l("This announcement is already published."))
    if announcement.expires_on is not None and announcement.expires_on < on:
        raise DomainError(_l("Its expiry date is in the past: change the expiry date before publishing."),
                          field="expires_on")
    announcement.published_at = utcnow()
    _flush_as(actor)
    count = _notify(announcement, _recipients(announcement))
    db.session.flush()
    return count


def withdraw(announcement, actor):
    """Take a published announcement back: partners no longer see it; it is a draft again, and
    the acknowledgements already given are kept."""
    _require_publisher(actor)
    if announcement.published_at is None:
        raise DomainError(_l("This announcement is not published."))
    announcement.published_at = None
    _flush_as(actor)
    return announcement


def changes_after_publishing(announcement):
    """Audit rows of the changes made to the announcement while it was published (newest first)."""
    if announcement.published_at is None:
        return []
    return [row for row in history_for(announcement)
            if row.action == "update" and row.field in CHANGE_LABELS
            and row.created_at >= announcement.published_at]


# ---- the partner's side -------------------------------------------------------------------------


def visible_query(partner, on=None):
    """A select of the announcements ``partner`` may read: published, not expired, and its
    audience includes the partner."""
    return (
        sa.select(Announcement)
        .join(Audience, Announcement.audience_id == Audience.id)
        .where(state_condition("published", on), visible_condition(partner))
    )


def partner_list_query(partner, user, kind=None, on=None):
    """The partner user's list: what they have not acknowledged first, then newest first."""
    query = visible_query(partner, on).outerjoin(
        AnnouncementAck,
        sa.and_(AnnouncementAck.announcement_id == Announcement.id, AnnouncementAck.user_id == user.id),
    )
    if kind in ANNOUNCEMENT_KINDS:
        query = query.where(Announcement.kind == kind)
    return query.order_by(sa.case((AnnouncementAck.id.is_(None), 0), else_=1),
                          Announcement.published_at.desc(), Announcement.id.desc())


def acknowledged_at(user, announcement_ids):
    """{announcement id: when ``user`` acknowledged it} for those they have."""
    if not announcement_ids:
        return {}
    return dict(db.session.execute(
        sa.select(AnnouncementAck.announcement_id, AnnouncementAck.created_at)
        .where(AnnouncementAck.user_id == user.id, AnnouncementAck.announcement_id.in_(list(announcement_ids)))
    ).all())


def get_visible(announcement_id, partner, on=None):
    """The announcement if ``partner`` may read it now, else None (the view answers 404)."""
    return db.session.scalar(visible_query(partner, on).where(Announcement.id == announcement_id))


def acknowledge(announcement, user):
    """Record that ``user`` has read the announcement; once per person (a second call returns
    the first acknowledgement). Returns (ack, created)."""
    if user.partner_id is None or user.role not in PARTNER_ROLES:
        raise DomainError(_l("Only a partner's people acknowledge policies and news."))
    existing = db.session.scalar(sa.select(AnnouncementAck).where(
        AnnouncementAck.announcement_id == announcement.id, AnnouncementAck.user_id == user.id))
    if existing is not None:
        return existing, False
    ack = AnnouncementAck(announcement_id=announcement.id, user_id=user.id, partner_id=user.partner_id)
    try:
        with db.session.begin_nested():
            db.session.add(ack)
    except sa.exc.IntegrityError:  # the same person, twice at the same moment
        existing = db.session.scalar(sa.select(AnnouncementAck).where(
            AnnouncementAck.announcement_id == announcement.id, AnnouncementAck.user_id == user.id))
        return existing, False
    return ack, True


@dataclass
class HomeItem:
    announcement: Announcement
    acknowledged_at: datetime | None

    @property
    def pending(self):
        return self.acknowledged_at is None


@dataclass
class HomeNews:
    items: list = field(default_factory=list)
    unread: int = 0  # visible announcements this person has not acknowledged
    to_acknowledge: int = 0  # of which the ones that ask for an acknowledgement


def for_home(partner, user, limit=5, on=None):
    """What the partner's home page shows: up to ``limit`` visible announcements, the ones this
    person has not acknowledged first, then the latest; and how many are waiting."""
    query = partner_list_query(partner, user, on=on)
    announcements = db.session.scalars(query.limit(limit)).all()
    acks = acknowledged_at(user, [a.id for a in announcements])
    pending = visible_query(partner, on).where(
        ~sa.exists().where(AnnouncementAck.announcement_id == Announcement.id, AnnouncementAck.user_id == user.id))
    counts = db.session.execute(
        pending.with_only_columns(sa.func.count(Announcement.id),
                                  sa.func.count(Announcement.id).filter(Announcement.requires_ack.is_(True)))
        .order_by(None)
    ).one()
    return HomeNews(items=[HomeItem(a, acks.get(a.id)) for a in announcements], unread=counts[0] or 0,
                    to_acknowledge=counts[1] or 0)


# ---- the managers' side -------------------------------------------------------------------------


def vendor_list_query(kind=None, state=None, search=None, on=None):
    query = sa.select(Announcement)
    if kind in ANNOUNCEMENT_KINDS:
        query = query.where(Announcement.kind == kind)
    if state in STATES:
        query = query.where(state_condition(state, on))
    if search:
        query = query.where(Announcement.title.icontains(search.strip(), autoescape=True))
    return query.order_by(sa.func.coalesce(Announcement.published_at, Announcement.created_at).desc(),
                          Announcement.id.desc())


def _visible_ids(user):
    return visible_partners(user).with_only_columns(Partner.id).order_by(None)


def acknowledging_partner_counts(announcement_ids, user):
    """{announcement id: number of partners (that ``user`` may see) where someone acknowledged it}."""
    if not announcement_ids:
        return {}
    return dict(db.session.execute(
        sa.select(AnnouncementAck.announcement_id, sa.func.count(sa.distinct(AnnouncementAck.partner_id)))
        .where(AnnouncementAck.announcement_id.in_(list(announcement_ids)),
               AnnouncementAck.partner_id.in_(_visible_ids(user)))
        .group_by(AnnouncementAck.announcement_id)
    ).all())


@dataclass
class ReadRow:
    partner: Partner
    in_audience: bool
    acks: list  # AnnouncementAck, earliest first

    @property
    def read(self):
        return bool(self.acks)


@dataclass
class ReadStatus:
    rows: list  # ReadRow for each partner reached or acknowledging, by name
    reached: int
    read: int
    people: int  # acknowledgements by people of the partners shown

    @property
    def unread(self):
        return self.reached - self.read

    @property
    def acknowledged(self):
        return [r for r in self.rows if r.read]

    @property
    def not_yet(self):
        return [r for r in self.rows if r.in_audience and not r.read]

    @property
    def acks(self):
        """Every acknowledgement shown, earliest first."""
        return sorted((a for r in self.rows for a in r.acks), key=lambda a: (a.created_at, a.id))


def read_status(announcement, user):
    """Who has read the announcement, among the partners ``user`` may see: the partners its
    audience reaches (active ones), who in each acknowledged it and when, and which have not
    (nobody in the organisation has). Partners that acknowledged it but are no longer in the
    audience are listed too."""
    visible = _visible_ids(user)
    reached = db.session.scalars(
        partners_in(announcement.audience).where(Partner.id.in_(visible))
        .options(selectinload(Partner.city), selectinload(Partner.province))
    ).all()
    acks = db.session.scalars(
        sa.select(AnnouncementAck).where(AnnouncementAck.announcement_id == announcement.id,
                                         AnnouncementAck.partner_id.in_(visible))
        .order_by(AnnouncementAck.created_at, AnnouncementAck.id)
        .options(selectinload(AnnouncementAck.user),
                 selectinload(AnnouncementAck.partner).selectinload(Partner.city),
                 selectinload(AnnouncementAck.partner).selectinload(Partner.province))
    ).all()
    rows = {p.id: ReadRow(p, True, []) for p in reached}
    for ack in acks:
        row = rows.get(ack.partner_id)
        if row is None:
            row = rows[ack.partner_id] = ReadRow(ack.partner, False, [])
        row.acks.append(ack)
    ordered = sorted(rows.values(), key=lambda r: (r.partner.name, r.partner.id))
    return ReadStatus(rows=ordered, reached=len(reached), read=sum(1 for r in ordered if r.in_audience and r.read),
                      people=len(acks))


def read_status_table(status, local):
    """(headers, rows) for the CSV export: a row per acknowledgement, and one per partner of the
    audience nobody in which has acknowledged. ``local`` turns a UTC time into the reader's."""
    headers = [_l("Partner"), _l("Credit code"), _l("City"), _l("In the audience"), _l("Read"),
               _l("Acknowledged by"), _l("E-mail"), _l("Acknowledged at")]
    yes, no = str(_l("Yes")), str(_l("No"))
    rows = []
    for row in status.rows:
        p = row.partner
        place = p.city.label if p.city else (p.province.label if p.province else "")
        base = [p.name, p.credit_code or "", place, yes if row.in_audience else no]
        if not row.acks:
            rows.append(base + [no, "", "", ""])
        for ack in row.acks:
            rows.append(base + [yes, ack.user.name, ack.user.email, local(ack.created_at)])
    return [str(h) for h in headers], rows
