"""Access decisions for the bank account pages (merged into tests/test_access.py).

Only a partner's admins handle its payee account (partner staff get 403); a request of
another organisation, and its proof, answer 404. Managers decide on the requests of the
partners they may see (Partner One is the Guangdong manager's: the Zhejiang manager gets 404).
The world holds a pending request of Partner One, so its admin asking for another is sent to it."""
from portal.core import storage
from portal.extensions import db
from portal.finance.models import BankAccountChange
from tests.access import *  # noqa: F401,F403
from tests.access import OTHER_PADMIN, PADMIN, PDF, internal, own_partner, partner_admins, vendor_of_partner_one

ROUTES = {
    "finance.account": ("GET", "/partner/bank-account/", None, partner_admins()),
    # Partner One has a request awaiting approval: its admin is sent to it; Partner Two's sees the form.
    "finance.new_change": ("GET", "/partner/bank-account/change", None,
                           {**partner_admins(), PADMIN: 302, OTHER_PADMIN: 200}),
    "finance.change": ("GET", "/partner/bank-account/changes/{bank_change_id}", None, own_partner(staff=403)),
    "finance.proof": ("GET", "/partner/bank-account/changes/{bank_change_id}/proof", None, own_partner(staff=403)),
    "finance.withdraw": ("POST", "/partner/bank-account/changes/{bank_change_id}/withdraw", {},
                         own_partner(302, staff=403)),
    "finance_admin.changes": ("GET", "/bank-accounts/", None, internal()),
    "finance_admin.change": ("GET", "/bank-accounts/{bank_change_id}", None, vendor_of_partner_one()),
    "finance_admin.proof": ("GET", "/bank-accounts/{bank_change_id}/proof", None, vendor_of_partner_one()),
    "finance_admin.approve": ("POST", "/bank-accounts/{bank_change_id}/approve", {}, vendor_of_partner_one(302)),
    "finance_admin.reject": ("POST", "/bank-accounts/{bank_change_id}/reject", {"reason": "The proof is unreadable"},
                             vendor_of_partner_one(302)),
}


def build(people, partners, reference_data, world):
    """A request of Partner One's admin awaiting approval, with its proof."""
    admin = next(u for u in partners["one"].users if u.email == "p1.admin@test.example")
    proof = storage.store_bytes(PDF, "bank-letter.pdf", "application/pdf", admin)
    change = BankAccountChange(partner_id=partners["one"].id, requested_by_id=admin.id,
                               account_name=partners["one"].name, bank_name="中国工商银行", branch="深圳福田支行",
                               account_number="6222020200112233445", contact_email="finance@partner-one.example",
                               proof_file_id=proof.id, status="pending")
    db.session.add(change)
    db.session.flush()
    return {"bank_change_id": change.id}
