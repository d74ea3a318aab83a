"""Access decisions for the rent subsidy pages (merged into tests/test_access.py).

Only a partner's admins see its rent subsidies and send leases (partner staff get 403); a lease
proof of another organisation, and its file, answer 404. Managers review the proofs of the
partners they may see (Partner One is the Guangdong manager's: the Zhejiang manager gets 404);
finance releases statements but does not review leases (403)."""
from datetime import date

from portal.core import storage
from portal.extensions import db
from portal.subsidies.models import LeaseProof
from tests.access import *  # noqa: F401,F403
from tests.access import PDF, internal, own_partner, partner_admins, vendor_of_partner_one

PROOF = "/rent-subsidies/{lease_proof_id}"

ROUTES = {
    "subsidies.leases": ("GET", "/partner/rent-subsidies/", None, partner_admins()),
    "subsidies.upload": ("GET", "/partner/rent-subsidies/new", None, partner_admins()),
    "subsidies.proof": ("GET", "/partner/rent-subsidies/{lease_proof_id}/file", None, own_partner(staff=403)),
    "subsidies_admin.leases": ("GET", "/rent-subsidies/", None, internal()),
    "subsidies_admin.lease": ("GET", PROOF, None, vendor_of_partner_one()),
    "subsidies_admin.proof": ("GET", PROOF + "/file", None, vendor_of_partner_one()),
    "subsidies_admin.accept": ("POST", PROOF + "/accept", {"confirm": "y"}, vendor_of_partner_one(302)),
    "subsidies_admin.reject": ("POST", PROOF + "/reject", {"reason": "The lease is for another address."},
                               vendor_of_partner_one(302)),
}


def build(people, partners, reference_data, world):
    """The lease of the world's Futian Store (Partner One), awaiting review."""
    admin = next(u for u in partners["one"].users if u.email == "p1.admin@test.example")
    stored = storage.store_bytes(PDF, "lease.pdf", "application/pdf", admin)
    proof = LeaseProof(partner_id=partners["one"].id, outlet_id=world["outlet_id"], file_id=stored.id,
                       landlord="深圳市福田物业有限公司", starts_on=date(2026, 1, 1), ends_on=date(2028, 12, 31),
                       status="pending", uploaded_by_id=admin.id)
    db.session.add(proof)
    db.session.flush()
    return {"lease_proof_id": proof.id}
