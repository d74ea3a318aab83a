"""Admin: the territory tree with its managers, and the reference lists."""
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.core.permissions import require
from portal.extensions import db
from portal.reference.forms import ReferenceItemForm, TerritoryForm, TierForm
from portal.reference.models import REFERENCE_KINDS, Territory
from portal.reference.queries import provinces

bp = Blueprint("reference", __name__, url_prefix="/admin")

KIND_TITLES = {
    "channel-types": _l("Channel types"),
    "product-lines": _l("Product lines"),
    "tiers": _l("Partner tiers"),
}


def _unique_code_error(model, code, current_id=None):
    existing = db.session.scalar(sa.select(model).where(model.code == code))
    if existing is not None and existing.id != current_id:
        return _("This code is already used.")
    return None


@bp.route("/territories")
@require("admin.reference")
def territories():
    return render_template("reference/territories.html", provinces=provinces(active_only=False))


def _manager_choices():
    managers = db.session.scalars(
        sa.select(User).where(User.role == "manager", User.active.is_(True)).order_by(User.name)
    ).all()
    return [(m.id, f"{m.name} <{m.email}>") for m in managers]


@bp.route("/territories/new", methods=["GET", "POST"])
@bp.route("/territories/<int:territory_id>", methods=["GET", "POST"])
@require("admin.reference")
def edit_territory(territory_id=None):
    territory = db.session.get(Territory, territory_id) if territory_id else None
    if territory_id and territory is None:
        abort(404)
    form = TerritoryForm(obj=territory)
    form.parent_id.choices = [(0, _("— none: this is a province —"))] + [
        (p.id, p.label) for p in provinces(active_only=False) if not territory or p.id != territory.id
    ]
    form.managers.choices = _manager_choices()
    if request.method == "GET":
        form.parent_id.data = territory.parent_id or 0 if territory else request.args.get("parent", 0, type=int)
        form.managers.data = [m.id for m in territory.managers] if territory else []
    if form.validate_on_submit():
        error = _unique_code_error(Territory, form.code.data.strip(), territory.id if territory else None)
        if territory and territory.children and form.parent_id.data:
            form.parent_id.errors.append(_("A province with cities cannot be moved under another province."))
        elif error:
            form.code.errors.append(error)
        else:
            if territory is None:
                territory = Territory()
                db.session.add(territory)
            territory.code = form.code.data.strip()
            territory.name_en = form.name_en.data.strip()
            territory.name_zh = form.name_zh.data.strip()
            territory.parent_id = form.parent_id.data or None
            territory.level = "city" if territory.parent_id else "province"
            territory.active = form.active.data
            territory.managers = db.session.scalars(
                sa.select(User).where(User.id.in_(form.managers.data or []), User.role == "manager")
            ).all()
            db.session.commit()
            flash(_("Territory saved."), "success")
            return redirect(url_for(".territories"))
    return render_template("reference/territory_form.html", form=form, territory=territory)


@bp.route("/lists/<kind>")
@require("admin.reference")
def items(kind):
    model = REFERENCE_KINDS.get(kind) or abort(404)
    rows = db.session.scalars(sa.select(model).order_by(model.position, model.code)).all()
    return render_template("reference/items.html", kind=kind, title=KIND_TITLES[kind], rows=rows, kinds=KIND_TITLES)


@bp.route("/lists/<kind>/new", methods=["GET", "POST"])
@bp.route("/lists/<kind>/<int:item_id>", methods=["GET", "POST"])
@require("admin.reference")
def edit_item(kind, item_id=None):
    model = REFERENCE_KINDS.get(kind) or abort(404)
    item = db.session.get(model, item_id) if item_id else None
    if item_id and item is None:
        abort(404)
    form = (TierForm if kind == "tiers" else ReferenceItemForm)(obj=item)
    if form.validate_on_submit():
        error = _unique_code_error(model, form.code.data.strip(), item.id if item else None)
        if error:
            form.code.errors.append(error)
        else:
            if item is None:
                item = model()
                db.session.add(item)
            item.code = form.code.data.strip()
            item.name_en = form.name_en.data.strip()
            item.name_zh = form.name_zh.data.strip()
            item.position = form.position.data or 0
            item.active = form.active.data
            if "min_score" in form:  # a tier: the scorecard total it needs (empty: not proposed from scores)
                score = form.min_score.data
                item.min_score = score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if score is not None else None
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".items", kind=kind))
    return render_template("reference/item_form.html", form=form, kind=kind, title=KIND_TITLES[kind], item=item)
