"""Access decisions for the conflict case pages (merged into tests/test_access.py).

Case A is between Partner One (complainant) and Partner Three (Guangzhou, Guangdong, respondent),
looked after by the GD manager: Partner One's users and the Guangdong side see it; Partner Two's
admin and the ZJ manager get 404. Case B is a complaint of Partner Two only. Each case has a
private evidence file of its partner. Partner pages are 403 for the vendor side and vice versa.
"""
from tests.access import *  # noqa: F401,F403

CASE = "/partner/cases/{case_id}"
ADMIN_CASE = "/cases/{case_id}"

ROUTES = {
    "cases.index": ("GET", "/partner/cases/", None, partner_users()),
    "cases.new": ("GET", "/partner/cases/new", None, partner_users()),
    "cases.complain": ("GET", "/partner/cases/complaint", None, partner_users()),
    "cases.case": ("GET", CASE, None, own_partner()),
    "cases.answer": ("POST", CASE + "/answers", {"body": "We sold only in our own territory."}, own_partner(302)),
    "cases.add_evidence": ("POST", CASE + "/evidence", {}, own_partner(400)),  # no file: a field error
    "cases.evidence": ("GET", CASE + "/evidence/{case_evidence_id}", None, own_partner()),
    "cases_admin.index": ("GET", "/cases/", None, internal()),
    "cases_admin.case": ("GET", ADMIN_CASE, None, vendor_of_partner_one()),
    "cases_admin.add_entry": ("POST", ADMIN_CASE + "/entries", {"body": "Looking into it."},
                              vendor_of_partner_one(302)),
    "cases_admin.add_evidence": ("POST", ADMIN_CASE + "/evidence", {}, vendor_of_partner_one(400)),
    "cases_admin.evidence": ("GET", ADMIN_CASE + "/evidence/{case_evidence_id}", None, vendor_of_partner_one()),
    "cases_admin.share_evidence": ("POST", ADMIN_CASE + "/evidence/{case_evidence_id}/share", {"shared": "1"},
                                   vendor_of_partner_one(302)),
    # Partner Two (Zhejiang) added by its credit code: a partner outside the manager's territories.
    "cases_admin.add_party": ("POST", ADMIN_CASE + "/parties", {"credit_code": "91330100MA2B123450",
                                                                "role": "involved"}, vendor_of_partner_one(302)),
    "cases_admin.move": ("POST", ADMIN_CASE + "/status", {"to_status": "investigating"}, vendor_of_partner_one(302)),
    "cases_admin.due_date": ("POST", ADMIN_CASE + "/due-date", {"due_on": "{case_new_due_on}"},
                             vendor_of_partner_one(302)),
    "cases_admin.assign": ("POST", ADMIN_CASE + "/manager", {"manager_id": "{case_assignee_id}"},
                           vendor_of_partner_one(302)),
    "cases_admin.rule": ("GET", ADMIN_CASE + "/ruling", None, vendor_of_partner_one()),
    "cases_admin.settings": ("GET", "/cases/settings", None, admin_only()),
}


def build(people, partners, reference_data, world):
    """Partner Three in Guangzhou, case A (One and Three) and case B (Two), each with a private
    evidence file of its partner."""
    from datetime import timedelta

    from portal.conflicts.models import CaseEvidence
    from portal.conflicts.services import open_case
    from portal.core.i18n import business_today
    from portal.core.storage import store_bytes
    from portal.extensions import db
    from portal.partners.models import Partner

    gz = reference_data["GD-GZ"]
    three = Partner(name="Partner Three Mobile", credit_code="91440101MA5CXW1X28", province_id=gz.parent_id,
                    city_id=gz.id, channel_type_id=reference_data["social"].id, manager_id=people["manager"].id,
                    status="active")
    three.territories = [gz]
    db.session.add(three)
    db.session.flush()
    one, two = partners["one"], partners["two"]
    case_a = open_case("cross_territory", "partner", "Handsets sold in Futian", "Partner Three sells in Futian.",
                       [(one, "complainant"), (three, "respondent")], notify_parties=False)
    case_b = open_case("complaint", "partner", "Late commission", "October's commission is late.",
                       [(two, "complainant")], notify_parties=False)
    evidence = {}
    for case, partner in ((case_a, one), (case_b, two)):
        item = CaseEvidence(case_id=case.id, partner_id=partner.id, shared=False,
                            file=store_bytes(PDF, "evidence.pdf", "application/pdf"))
        db.session.add(item)
        db.session.flush()
        evidence[case.id] = item.id
    db.session.commit()
    return {"case_id": case_a.id, "case_evidence_id": evidence[case_a.id], "other_case_id": case_b.id,
            "other_case_evidence_id": evidence[case_b.id],
            "case_new_due_on": (business_today() + timedelta(days=30)).isoformat(),
            "case_assignee_id": people["other_manager"].id}
