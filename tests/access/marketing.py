"""Access decisions for the asset library (merged into tests/test_access.py).

Assets are the vendor's: any manager or admin may open any asset; download figures about a
partner follow the partner (the ZJ manager gets 404 on Partner One's). Partner users see the
published assets whose audience includes their organisation; any other asset answers 404, and
so do its thumbnail, preview and files; a co-branded file is its partner's alone."""
import io

from tests.access import *  # noqa: F401,F403
from tests.access import ANON, OTHER_PADMIN, PADMIN, PSTAFF, ROLES

ASSETS = "/marketing/assets"
LIBRARY = "/partner/marketing/library"


def only_zhejiang(status=200):
    """An asset whose audience is Zhejiang: Partner Two's admin sees it, Partner One gets 404."""
    return {**dict.fromkeys(ROLES, 403), ANON: 302, PADMIN: 404, PSTAFF: 404, OTHER_PADMIN: status}


ROUTES = {
    # Vendor side
    "marketing_admin.assets": ("GET", ASSETS, None, internal()),
    "marketing_admin.new_asset": ("GET", f"{ASSETS}/new", None, internal()),
    "marketing_admin.asset": ("GET", f"{ASSETS}/{{library_asset_id}}", None, internal()),
    "marketing_admin.edit_asset": ("GET", f"{ASSETS}/{{library_asset_id}}/edit", None, internal()),
    "marketing_admin.add_asset_version": ("POST", f"{ASSETS}/{{library_asset_id}}/versions", {}, internal(400)),
    "marketing_admin.asset_version_file": (
        "GET", f"{ASSETS}/{{library_asset_id}}/versions/{{library_version_id}}/file", None, internal()),
    "marketing_admin.asset_version_thumbnail": (
        "GET", f"{ASSETS}/{{library_asset_id}}/versions/{{library_version_id}}/thumbnail", None, internal()),
    "marketing_admin.asset_cobrand_preview": ("GET", f"{ASSETS}/{{cobrand_asset_id}}/cobrand-preview.pdf", None,
                                              internal()),
    "marketing_admin.asset_downloads": ("GET", f"{ASSETS}/{{library_asset_id}}/downloads", None, internal()),
    "marketing_admin.download_stats": ("GET", "/marketing/downloads", None, internal()),
    "marketing_admin.partner_downloads": ("GET", "/marketing/downloads/partners/{partner_id}", None,
                                          vendor_of_partner_one()),
    # Partner side
    "marketing.library": ("GET", LIBRARY, None, partner_users()),
    "marketing.library_asset": ("GET", f"{LIBRARY}/{{zhejiang_asset_id}}", None, only_zhejiang()),
    "marketing.library_thumbnail": ("GET", f"{LIBRARY}/{{zhejiang_asset_id}}/thumbnail", None, only_zhejiang()),
    "marketing.library_preview": ("GET", f"{LIBRARY}/{{library_asset_id}}/preview", None, partner_users()),
    "marketing.library_download": ("GET", f"{LIBRARY}/{{library_asset_id}}/download", None, partner_users()),
    "marketing.library_cobranded": ("GET", f"{LIBRARY}/{{cobrand_asset_id}}/cobranded.pdf", None, partner_users()),
    "marketing.cobranded_file": ("GET", f"{LIBRARY}/cobranded/{{cobranded_file_id}}", None, own_partner()),
}


def _png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (11, 79, 108)).save(out, format="PNG")
    return out.getvalue()


def build(people, partners, reference_data, world):
    """A published poster for every partner, one for Zhejiang only, a co-brandable flyer and
    Partner One's co-branded copy of it."""
    from datetime import timedelta

    from werkzeug.datastructures import FileStorage

    from portal.core import storage
    from portal.core.i18n import business_today
    from portal.extensions import db
    from portal.marketing import library_services as services
    from portal.marketing.audience import set_audience
    from portal.marketing.models import CobrandedFile

    manager = people["manager"]
    yesterday = business_today() - timedelta(days=1)

    def asset(title, data, name, **values):
        fields = {"title": title, "category": "poster", "publish_on": yesterday, **values}
        return services.create_asset(fields, FileStorage(io.BytesIO(data), name), manager)

    poster = asset("Summer poster", _png(), "poster.png")
    zhejiang = asset("Hangzhou campus poster", _png(), "hz.png")
    set_audience(zhejiang.audience, territories=[reference_data["ZJ"]])
    flyer = asset("Co-branded flyer", PDF, "flyer.pdf", category="brochure", cobrandable=True,
                  cobrand_template="<h1>{{ asset.title }}</h1><p>{{ partner.name }} · {{ partner.phone }}</p>")
    kept = CobrandedFile(asset_id=flyer.id, partner_id=partners["one"].id, details_hash="0" * 64,
                         file=storage.store_bytes(PDF, "flyer-p1.pdf", "application/pdf"))
    db.session.add(kept)
    db.session.commit()
    return {"library_asset_id": poster.id, "library_version_id": poster.current_version_id,
            "zhejiang_asset_id": zhejiang.id, "cobrand_asset_id": flyer.id, "cobranded_file_id": kept.id}
