"""The monthly PSI totals (per partner, product line and month) that the dashboard reads always
equal the sums of the PSI lines: after a form submission, a resubmission that replaces figures,
an import, a line moved or deleted, and after ``flask rebuild-psi-totals``."""
import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db as _db
from portal.results import psi
from portal.results.models import PsiEntry, PsiMonthTotal
from tests.results.test_psi import entries, outlets, p1, report_form  # noqa: F401  (fixtures)
from tests.results.test_psi_import import ENGLISH, upload

OCTOBER, SEPTEMBER = date(2026, 10, 1), date(2026, 9, 1)
CENT = Decimal("0.01")
FIGURES = ("purchases", "sales", "sales_amount", "returns_amount", "net_sales", "closing_inventory", "entries")


def _row(values):
    """Figures as exact values (SQLite hands sums of money back as floating point)."""
    return tuple(Decimal(str(v)).quantize(CENT) if i in (2, 3, 4) else int(v) for i, v in enumerate(values))


def sums_of_lines():
    """{(partner, product line, month): figures} summed from psi_entry here, independently."""
    found = {}
    for e in _db.session.scalars(sa.select(PsiEntry)):
        key = (e.partner_id, e.product_line_id, e.month)
        old = found.get(key, (0, 0, Decimal(0), Decimal(0), Decimal(0), 0, 0))
        found[key] = _row((old[0] + e.purchases, old[1] + e.sales, old[2] + e.sales_amount,
                           old[3] + e.returns_amount, old[4] + e.sales_amount - e.returns_amount,
                           old[5] + e.closing_inventory, old[6] + 1))
    return found


def totals():
    t = PsiMonthTotal
    return {(r.partner_id, r.product_line_id, r.month): _row(r[3:]) for r in _db.session.execute(
        sa.select(t.partner_id, t.product_line_id, t.month, *(getattr(t, name) for name in FIGURES)))}


def test_a_form_submission_and_a_resubmission_keep_the_totals_equal_to_the_lines(p1, outlets, reference_data):
    futian, tianhe, mobile = outlets["futian"], outlets["tianhe"], reference_data["mobile"]
    p1.post("/partner/results/reports/new", report_form(futian, mobile, sales_amount="1600.50"))
    p1.post("/partner/results/reports/new", report_form(tianhe, mobile, sales_amount="400", returns_amount="50.25"))
    key = (futian.partner_id, mobile.id, OCTOBER)
    assert totals() == sums_of_lines()
    assert totals()[key] == _row((20, 16, "2000.50", "50.25", "1950.25", 4, 2))

    # The same outlet, line and month again: the figures are replaced, not added.
    p1.post("/partner/results/reports/new", report_form(futian, mobile, sales="3", sales_amount="100",
                                                        purchases="1", closing_inventory="7"))
    assert len(entries()) == 2
    assert totals() == sums_of_lines()
    assert totals()[key] == _row((11, 11, "500.00", "50.25", "449.75", 9, 2))


def test_an_import_keeps_the_totals_and_a_reimport_replaces_them(p1, outlets, reference_data):
    data = (ENGLISH + "2026-10,Futian Store,mobile,10,8,1600.50,,2\n"
                      "2026-10,Tianhe Kiosk,mobile,5,5,900,100,1\n"
                      "2026-09,Futian Store,broadband,1,1,99.90,,0\n").encode()
    assert upload(p1, data).status_code == 302
    one, mobile, broadband = outlets["futian"].partner_id, reference_data["mobile"].id, reference_data["broadband"].id
    assert totals() == sums_of_lines()
    assert totals()[one, mobile, OCTOBER] == _row((15, 13, "2500.50", "100.00", "2400.50", 3, 2))
    assert totals()[one, broadband, SEPTEMBER] == _row((1, 1, "99.90", "0.00", "99.90", 0, 1))

    assert upload(p1, (ENGLISH + "2026-10,Tianhe Kiosk,mobile,6,6,1000,,0\n").encode()).status_code == 302
    assert totals() == sums_of_lines()
    assert totals()[one, mobile, OCTOBER] == _row((16, 14, "2600.50", "0.00", "2600.50", 2, 2))


def test_a_refused_import_leaves_the_totals_as_they_were(p1, outlets, reference_data):
    assert upload(p1, (ENGLISH + "2026-10,Futian Store,mobile,10,8,1600.50,,2\n").encode()).status_code == 302
    before = totals()
    response = upload(p1, (ENGLISH + "2026-10,Futian Store,mobile,10,9,9999,,2\n"
                                     "2026-10,Nowhere,mobile,1,1,1,,0\n").encode())
    assert response.status_code == 400 and "is not one of your outlets" in response.get_data(as_text=True)
    assert totals() == before == sums_of_lines()


def test_lines_moved_or_deleted_leave_no_stale_total(partners, outlets, reference_data, people):
    one, mobile = partners["one"], reference_data["mobile"]
    admin = next(u for u in one.users if u.email == "p1.admin@test.example")
    figures = {"purchases": "2", "sales": "2", "sales_amount": "300", "closing_inventory": "1"}
    psi.submit_report(one, outlets["futian"].id, mobile.id, SEPTEMBER, figures, admin)
    [entry] = psi.submit_report(one, outlets["tianhe"].id, mobile.id, SEPTEMBER, figures, admin).entries
    _db.session.commit()
    assert totals()[one.id, mobile.id, SEPTEMBER][6] == 2

    entry.month = OCTOBER  # changed in place: both the month left and the month reached are recomputed
    _db.session.commit()
    assert totals() == sums_of_lines()
    assert totals()[one.id, mobile.id, SEPTEMBER][6] == 1 and totals()[one.id, mobile.id, OCTOBER][6] == 1

    _db.session.delete(entry)  # a key without lines left has no total
    _db.session.commit()
    assert totals() == sums_of_lines()
    assert (one.id, mobile.id, OCTOBER) not in totals()


def test_lines_written_directly_through_the_session_keep_their_totals(partners, outlets, reference_data):
    one = partners["one"]
    _db.session.add_all([
        PsiEntry(partner_id=one.id, outlet_id=outlets["futian"].id, product_line_id=reference_data["mobile"].id,
                 month=OCTOBER, sales=1, sales_amount=Decimal("10.10")),
        PsiEntry(partner=one, outlet=outlets["tianhe"], product_line=reference_data["mobile"], month=OCTOBER,
                 sales=2, sales_amount=Decimal("20.20"), returns_amount=Decimal("0.30")),
    ])
    _db.session.commit()
    assert totals() == sums_of_lines()
    assert totals()[one.id, reference_data["mobile"].id, OCTOBER][4] == Decimal("30.00")


def _bulk_lines(partners, outlets, reference_data, months=(SEPTEMBER, OCTOBER)):
    """Lines written around the session (as a bulk load would): no totals follow them."""
    rows = [{"partner_id": o.partner_id, "outlet_id": o.id, "product_line_id": reference_data[line].id,
             "month": month, "purchases": 3, "sales": 2, "sales_amount": Decimal("123.45"),
             "returns_amount": Decimal("0.45"), "closing_inventory": 1, "source": "import"}
            for o in (outlets["futian"], outlets["tianhe"], outlets["westlake"])
            for line in ("mobile", "broadband") for month in months]
    _db.session.execute(PsiEntry.__table__.insert(), rows)


def test_rebuild_gives_the_same_totals_as_the_ones_kept(p1, outlets, reference_data, partners):
    upload(p1, (ENGLISH + "2026-10,Futian Store,mobile,10,8,1600.50,,2\n"
                          "2026-10,Tianhe Kiosk,broadband,5,5,900,100,1\n").encode())
    kept = totals()
    assert kept and psi.rebuild_totals() == len(kept)
    _db.session.commit()
    assert totals() == kept

    _bulk_lines(partners, outlets, reference_data, months=(date(2026, 7, 1), date(2026, 8, 1)))
    _db.session.commit()
    assert totals() != sums_of_lines()
    two = partners["two"].id
    assert psi.rebuild_totals([two]) == 4  # only Partner Two's: 2 lines x 2 months
    assert {k: v for k, v in totals().items() if k[0] == two} == {k: v for k, v in sums_of_lines().items()
                                                                   if k[0] == two}
    psi.rebuild_totals()
    _db.session.commit()
    assert totals() == sums_of_lines()


def test_the_rebuild_command(app, partners, outlets, reference_data):
    _bulk_lines(partners, outlets, reference_data)
    _db.session.commit()
    result = app.test_cli_runner().invoke(args=["rebuild-psi-totals", "--partner", str(partners["one"].id)])
    assert result.exit_code == 0, result.output
    assert "4 monthly PSI total(s) rebuilt." in result.output
    _db.session.expire_all()
    assert {k[0] for k in totals()} == {partners["one"].id}
    result = app.test_cli_runner().invoke(args=["rebuild-psi-totals"])
    assert result.exit_code == 0 and "8 monthly PSI total(s) rebuilt." in result.output
    _db.session.expire_all()
    assert totals() == sums_of_lines()


def test_the_dashboard_and_the_partner_page_show_what_the_lines_add_up_to(make_client, p1, outlets,
                                                                          reference_data, partners):
    upload(p1, (ENGLISH + "2026-10,Futian Store,mobile,10,8,1600.50,,2\n"
                          "2026-10,Tianhe Kiosk,mobile,5,5,900,100.25,1\n").encode())
    manager = make_client()
    manager.login("gd.manager@test.example")
    page = manager.get("/results/partners?month=2026-10").get_data(as_text=True)
    assert "¥2,400.25" in page
    upload(p1, (ENGLISH + "2026-10,Tianhe Kiosk,mobile,5,5,1000,,1\n").encode())
    page = manager.get("/results/partners?month=2026-10").get_data(as_text=True)
    assert "¥2,600.50" in page and "¥2,400.25" not in page


@pytest.mark.postgres
def test_simultaneous_submissions_of_one_partner_keep_exact_totals(app, partners, outlets, reference_data):
    """Eight submissions at once, each of a different outlet and line or month of the same
    partner: the totals are the sums of the eight lines (the partner's row lock serialises them)."""
    import threading

    from portal.accounts.models import User
    from portal.partners.models import Partner

    admin_id = next(u.id for u in partners["one"].users if u.email == "p1.admin@test.example")
    partner_id = partners["one"].id
    lines = (reference_data["mobile"].id, reference_data["broadband"].id)
    cases = [(outlet, line, month) for outlet in (outlets["futian"].id, outlets["tianhe"].id) for line in lines
             for month in (SEPTEMBER, OCTOBER)]
    barrier = threading.Barrier(len(cases))
    results = [None] * len(cases)

    def submit(index):
        outlet_id, line_id, month = cases[index]
        with app.test_request_context():
            try:
                barrier.wait(timeout=30)
                psi.submit_report(_db.session.get(Partner, partner_id), outlet_id, line_id, month,
                                  {"purchases": index, "sales": 1, "sales_amount": f"{index}0.05",
                                   "closing_inventory": 0}, _db.session.get(User, admin_id))
                _db.session.commit()
                results[index] = "ok"
            except Exception as error:  # noqa: BLE001  (reported by the test, not lost in a thread)
                results[index] = f"error: {error!r}"
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(cases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == ["ok"] * len(cases)
    _db.session.expire_all()
    assert len(entries()) == len(cases)
    assert len(totals()) == 4 and totals() == sums_of_lines()
