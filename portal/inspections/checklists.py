"""Checklist pages (managers and admins): checklists with bilingual names, their scored items
with bilingual text, highest and pass scores, order and active flag.

Checklists are the vendor's, not a territory's: any manager may open and keep any of them.
Nothing is deleted: a checklist or an item in use is deactivated, so past inspections keep it.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.errors import DomainError
from portal.core.permissions import require
from portal.extensions import db
from portal.inspections import queries, services
from portal.inspections.forms import ChecklistForm, ItemForm
from portal.inspections.views import _refused, admin_bp

CHECKLIST_FIELDS = ("name_zh", "name_en")
ITEM_FIELDS = ("text_zh", "text_en", "max_score", "pass_score", "position")


def _data(form, names):
    return {name: getattr(form, name).data for name in names}


@admin_bp.route("/checklists")
@require("inspections.manage")
def checklists():
    found = queries.checklists()
    return render_template("inspections/checklists.html", checklists=found,
                           uses=queries.checklist_use_counts([c.id for c in found]))


@admin_bp.route("/checklists/new", methods=["GET", "POST"])
@require("inspections.manage")
def new_checklist():
    form = ChecklistForm()
    if form.validate_on_submit():
        try:
            checklist = services.create_checklist(_data(form, CHECKLIST_FIELDS), current_user)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("Checklist “%(name)s” is created. Now add the items it scores.", name=checklist.t("name")),
                  "success")
            return redirect(url_for(".checklist", checklist_id=checklist.id))
    status = 400 if request.method == "POST" else 200
    return render_template("inspections/checklist_form.html", form=form, checklist=None), status


@admin_bp.route("/checklists/<int:checklist_id>")
@require("inspections.manage")
def checklist(checklist_id):
    found = queries.get_checklist(checklist_id)
    return render_template("inspections/checklist.html", checklist=found, scored=queries.scored_counts(found),
                           uses=queries.checklist_use_counts([found.id]).get(found.id, 0))


@admin_bp.route("/checklists/<int:checklist_id>/edit", methods=["GET", "POST"])
@require("inspections.manage")
def edit_checklist(checklist_id):
    found = queries.get_checklist(checklist_id)
    form = ChecklistForm(obj=found if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_checklist(found, _data(form, CHECKLIST_FIELDS), current_user)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("Checklist “%(name)s” is saved.", name=found.t("name")), "success")
            return redirect(url_for(".checklist", checklist_id=found.id))
    status = 400 if request.method == "POST" else 200
    return render_template("inspections/checklist_form.html", form=form, checklist=found), status


@admin_bp.route("/checklists/<int:checklist_id>/active", methods=["POST"])
@require("inspections.manage")
def checklist_active(checklist_id):
    found = queries.get_checklist(checklist_id)
    active = request.form.get("active") == "1"
    try:
        services.set_checklist_active(found, active, current_user)
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
        if active:
            flash(_("Checklist “%(name)s” can be used again for new inspections.", name=found.t("name")), "success")
        else:
            flash(_("Checklist “%(name)s” is withdrawn: new inspections cannot use it; past ones keep it.",
                    name=found.t("name")), "success")
    return redirect(url_for(".checklist", checklist_id=found.id))


@admin_bp.route("/checklists/<int:checklist_id>/items/new", methods=["GET", "POST"])
@require("inspections.manage")
def new_item(checklist_id):
    found = queries.get_checklist(checklist_id)
    form = ItemForm()
    if request.method == "GET":
        form.max_score.data, form.pass_score.data = "10", "6"
    if form.validate_on_submit():
        try:
            item = services.add_item(found, _data(form, ITEM_FIELDS), current_user)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("Item “%(text)s” is added.", text=item.t("text")), "success")
            return redirect(url_for(".checklist", checklist_id=found.id) + "#items")
    status = 400 if request.method == "POST" else 200
    return render_template("inspections/item_form.html", form=form, checklist=found, item=None, scored=0), status


@admin_bp.route("/checklists/<int:checklist_id>/items/<int:item_id>", methods=["GET", "POST"])
@require("inspections.manage")
def edit_item(checklist_id, item_id):
    found = queries.get_checklist(checklist_id)
    item = queries.get_item(found, item_id)
    scored = services.times_scored(item)
    form = ItemForm()
    if request.method == "GET":
        for name in ITEM_FIELDS:
            getattr(form, name).data = str(getattr(item, name))
    if scored:
        for name in ("max_score", "pass_score"):
            getattr(form, name).render_kw = {**(getattr(form, name).render_kw or {}), "readonly": True}
    if form.validate_on_submit():
        try:
            services.update_item(item, _data(form, ITEM_FIELDS), current_user)
        except DomainError as error:
            _refused(error, form)
        else:
            db.session.commit()
            flash(_("Item “%(text)s” is saved.", text=item.t("text")), "success")
            return redirect(url_for(".checklist", checklist_id=found.id) + "#items")
    status = 400 if request.method == "POST" else 200
    return render_template("inspections/item_form.html", form=form, checklist=found, item=item, scored=scored), status


@admin_bp.route("/checklists/<int:checklist_id>/items/<int:item_id>/active", methods=["POST"])
@require("inspections.manage")
def item_active(checklist_id, item_id):
    found = queries.get_checklist(checklist_id)
    item = queries.get_item(found, item_id)
    active = request.form.get("active") == "1"
    try:
        services.set_item_active(item, active, current_user)
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
        if active:
            flash(_("Item “%(text)s” is scored again in new inspections.", text=item.t("text")), "success")
        else:
            flash(_("Item “%(text)s” is deactivated: new inspections leave it out; past ones keep its scores.",
                    text=item.t("text")), "success")
    return redirect(url_for(".checklist", checklist_id=found.id) + "#items")
