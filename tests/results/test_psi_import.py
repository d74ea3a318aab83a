"""Importing PSI reports from CSV (UTF-8 with a BOM, GB18030) and Excel: English and Chinese
headers, dates and times read in Beijing time, all or nothing with a row-by-row report."""
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from portal.core.i18n import add_months, business_today
from portal.extensions import db as _db
from portal.results import psi
from portal.results.models import PsiEntry
from tests.results.test_psi import entries, outlets, p1, territory_cases  # noqa: F401  (fixtures)

ENGLISH = "Month,Outlet,Product line,Purchases,Sales,Sales amount,Returns amount,Closing inventory\r\n"
CHINESE = "月份,网点,产品线,进货,销量,销售额,退货额,库存\r\n"


def upload(client, data, name="psi.csv"):
    return client.post("/partner/results/reports/import", {"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def figures(entry):
    return (entry.outlet.name, entry.product_line.code, entry.month, entry.purchases, entry.sales,
            entry.sales_amount, entry.returns_amount, entry.closing_inventory)


# ---- good files ------------------------------------------------------------------------------------


def test_a_utf8_csv_with_a_bom_and_english_headers_is_imported(p1, outlets):
    data = ("\ufeff" + ENGLISH + "2026-10,Futian Store,mobile,10,8,1600.50,,2\r\n"
            "2026-10,Futian Store,Broadband,3,3,\"1,200\",100,0\r\n").encode("utf-8")
    response = upload(p1, data)
    assert response.status_code == 302
    assert sorted(figures(e) for e in entries()) == [
        ("Futian Store", "broadband", date(2026, 10, 1), 3, 3, Decimal("1200.00"), Decimal("100.00"), 0),
        ("Futian Store", "mobile", date(2026, 10, 1), 10, 8, Decimal("1600.50"), Decimal("0.00"), 2),
    ]
    assert all(e.source == "import" for e in entries())
    assert "2 reports imported." in p1.get("/partner/results/reports").get_data(as_text=True)


def test_a_gb18030_csv_with_chinese_headers_and_names_is_imported(p1, outlets):
    data = (CHINESE + f"2026年10月,{outlets['futian'].id},移动套餐,5,4,800,0,1\r\n"
            "2026/9,futian store,宽带,1,1,99.9,,0\r\n").encode("gb18030")
    assert upload(p1, data).status_code == 302
    assert sorted(figures(e) for e in entries()) == [
        ("Futian Store", "broadband", date(2026, 9, 1), 1, 1, Decimal("99.90"), Decimal("0.00"), 0),
        ("Futian Store", "mobile", date(2026, 10, 1), 5, 4, Decimal("800.00"), Decimal("0.00"), 1),
    ]


def test_an_excel_workbook_with_chinese_headers_and_date_times_is_imported(p1, outlets):
    data = xlsx([
        ["日期时间", "网点", "产品线", "进货", "销量", "销售额(元)", "退货额", "库存"],
        [datetime(2026, 11, 1, 0, 30), "Futian Store", "mobile", 10, 8, 1600.5, None, 2],
        [datetime(2026, 10, 31, 23, 30), "Futian Store", "mobile", 4, 4, 400, 0, 0],
    ])
    assert upload(p1, data, "psi.xlsx").status_code == 302
    by_month = {e.month: e for e in entries()}
    november, october = by_month[date(2026, 11, 1)], by_month[date(2026, 10, 1)]
    # 00:30 on 1 November in Beijing is still 31 October in UTC: it belongs to November.
    assert november.occurred_at == datetime(2026, 10, 31, 16, 30, tzinfo=timezone.utc)
    assert november.sales_amount == Decimal("1600.50")
    # 23:30 on 31 October in Beijing is 15:30 UTC the same day: October.
    assert october.occurred_at == datetime(2026, 10, 31, 15, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("written, month", [
    ("2026-11-01 00:30", date(2026, 11, 1)),
    ("2026/11/1 0:30", date(2026, 11, 1)),
    ("2026-10-31 23:30", date(2026, 10, 1)),
    ("2026-10-31T23:59:59", date(2026, 10, 1)),
    ("2026-10-31T16:30:00Z", date(2026, 11, 1)),  # an explicit UTC time: 00:30 on 1 November in Beijing
    ("2026-10-31 15:59:59+00:00", date(2026, 10, 1)),  # 23:59:59 in Beijing
    ("2026-11-01", date(2026, 11, 1)),
])
def test_a_date_and_time_is_read_in_beijing_time_and_put_in_its_business_month(p1, outlets, written, month):
    data = ("Date,Outlet,Product line,Purchases,Sales,Sales amount,Closing inventory\n"
            f"{written},Futian Store,mobile,1,1,10,0\n").encode()
    assert upload(p1, data).status_code == 302
    [entry] = entries()
    assert entry.month == month


def test_an_import_replaces_figures_already_reported(p1, outlets):
    assert upload(p1, (ENGLISH + "2026-10,Futian Store,mobile,10,8,1600.50,,2\n").encode()).status_code == 302
    response = upload(p1, (ENGLISH + "2026-10,Futian Store,mobile,10,9,1800,,1\n"
                                     "2026-10,Futian Store,broadband,1,1,10,,0\n").encode())
    assert response.status_code == 302
    assert len(entries()) == 2
    mobile = next(e for e in entries() if e.product_line.code == "mobile")
    assert (mobile.sales, mobile.sales_amount, mobile.closing_inventory) == (9, Decimal("1800.00"), 1)
    assert "2 reports imported, of which 1 replaced earlier figures." in \
        p1.get("/partner/results/reports").get_data(as_text=True)


def test_the_template_has_the_columns_and_imports_back(p1, outlets):
    response = p1.get("/partner/results/reports/import/template.xlsx")
    assert response.status_code == 200 and response.headers["X-Content-Type-Options"] == "nosniff"
    headers = [cell.value for cell in next(load_workbook(io.BytesIO(response.data)).active.iter_rows())]
    assert headers == ["Month", "Outlet", "Product line", "Purchases", "Sales", "Sales amount", "Returns amount",
                       "Closing inventory"]
    assert upload(p1, xlsx([headers, ["2026-10", "Futian Store", "mobile", 1, 1, 10, 0, 0]]),
                  "filled.xlsx").status_code == 302
    assert len(entries()) == 1


def test_a_chinese_user_gets_chinese_template_headers(make_client, partners):
    client = make_client({"Accept-Language": "zh-CN"})
    client.login("p1.admin@test.example")
    from portal.accounts.models import User

    user = _db.session.scalar(sa.select(User).where(User.email == "p1.admin@test.example"))
    user.locale = "zh_CN"
    _db.session.commit()
    response = client.get("/partner/results/reports/import/template.xlsx")
    headers = [cell.value for cell in next(load_workbook(io.BytesIO(response.data)).active.iter_rows())]
    assert headers == ["月份", "网点", "产品线", "进货", "销量", "销售额", "退货额", "库存"]


# ---- bad files ----------------------------------------------------------------------------------------


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row_and_column(p1, outlets):
    data = (ENGLISH + "2026-10,Futian Store,mobile,10,8,1600.50,,2\n"
                      "2026-10,Futian Store,broadband,3,-3,300,,0\n"
                      "2026-09,Futian Store,mobile,1,1,10,,0\n").encode()
    response = upload(p1, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was imported: the file has 1 mistake." in html
    assert "<tr><th scope=\"row\">3</th><td>Sales</td><td>Enter a whole number of 0 or more.</td></tr>" in html
    assert entries() == []


@pytest.mark.parametrize("row, column, message", [
    ("2026-10,Nowhere Shop,mobile,1,1,10,,0", "Outlet", "“Nowhere Shop” is not one of your outlets."),
    ("2026-10,West Lake Store,mobile,1,1,10,,0", "Outlet", "“West Lake Store” is not one of your outlets."),
    ("2026-10,{westlake_id},mobile,1,1,10,,0", "Outlet", "is not one of your outlets."),
    ("2026-10,Luohu Counter,mobile,1,1,10,,0", "Outlet", "Luohu Counter is closed"),
    ("2026-10,Futian Store,water,1,1,10,,0", "Product line", "Unknown product line “water”."),
    ("2026-10,Futian Store,mobile,1,1,ten yuan,,0", "Sales amount", "Enter an amount in yuan, e.g. 12800.50."),
    ("2026-10,Futian Store,mobile,1,1,10,-1,0", "Returns amount", "Enter an amount of 0 or more."),
    ("2026-10,Futian Store,mobile,abc,1,10,,0", "Purchases", "Enter a whole number of 0 or more."),
    ("2026-10,Futian Store,mobile,1,1,10,,", "Closing inventory", "Enter the units in stock at the end of the month."),
    ("2026-13,Futian Store,mobile,1,1,10,,0", "Month", "Enter a month as YYYY-MM, e.g. 2026-11."),
    ("October,Futian Store,mobile,1,1,10,,0", "Month", "Enter a month as YYYY-MM, e.g. 2026-11."),
    ("{next_month},Futian Store,mobile,1,1,10,,0", "Month", "has not begun yet"),
])
def test_each_kind_of_bad_row_is_reported_and_nothing_imported(p1, outlets, row, column, message):
    next_month = add_months(business_today().replace(day=1), 1)
    row = row.format(westlake_id=outlets["westlake"].id, next_month=f"{next_month:%Y-%m}")
    response = upload(p1, (ENGLISH + "2026-10,Futian Store,broadband,1,1,10,,0\n" + row + "\n").encode())
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f"<tr><th scope=\"row\">3</th><td>{column}</td><td>" in html
    assert message in html
    assert entries() == []


def test_every_bad_row_is_listed_at_once(partners, outlets):
    admin = next(u for u in partners["one"].users if u.email == "p1.admin@test.example")
    data = (ENGLISH + "2026-10,Nowhere,mobile,1,1,10,,0\n"
                      "\n"
                      "2026-10,Futian Store,mobile,x,1,10,,-2\n").encode()
    result = psi.import_reports(data, "bad.csv", partners["one"], admin)
    assert [(e.row, e.column) for e in result.errors] == [(2, "Outlet"), (4, "Purchases"), (4, "Closing inventory")]
    assert _db.session.scalar(sa.select(sa.func.count(PsiEntry.id))) == 0


def test_the_same_outlet_line_and_month_twice_in_a_file_is_refused(p1, outlets):
    data = (ENGLISH + "2026-10,Futian Store,mobile,1,1,10,,0\n2026-10,futian store,移动套餐,2,2,20,,0\n").encode()
    response = upload(p1, data)
    assert response.status_code == 400
    assert "Row 2 already gives the figures of this outlet and product line for 2026-10" in \
        response.get_data(as_text=True)
    assert entries() == []


def test_a_date_in_the_future_and_a_month_that_disagrees_with_the_date_are_refused(partners, outlets):
    admin = next(u for u in partners["one"].users if u.email == "p1.admin@test.example")
    now = datetime(2026, 11, 5, 12, 0, tzinfo=timezone.utc)
    data = ("Month,Date and time,Outlet,Product line,Purchases,Sales,Sales amount,Closing inventory\n"
            ",2026-11-06 09:00,Futian Store,mobile,1,1,10,0\n"
            "2026-10,2026-11-01 00:30,Futian Store,broadband,1,1,10,0\n"
            ",,Futian Store,mobile,1,1,10,0\n").encode()
    result = psi.import_reports(data, "bad.csv", partners["one"], admin, now=now)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "Date and time", "This date and time is in the future."),
        (3, "Month", "The month 2026-10 does not match the date and time given (2026-11 in Beijing time)."),
        (4, "Month", "Enter the month as YYYY-MM."),
    ]


def test_missing_and_unknown_columns_are_reported_on_row_1(p1, outlets):
    data = "Outlet,Product line,Sales,Colour\nFutian Store,mobile,1,red\n".encode()
    html = upload(p1, data).get_data(as_text=True)
    assert "<td>Colour</td><td>Unknown column." in html
    for column in ("Purchases", "Sales amount", "Closing inventory"):
        assert f"<td>{column}</td><td>This column is required but missing from the file.</td>" in html
    assert "or their date and time in a" in html
    assert entries() == []


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty."),
    (ENGLISH.encode(), "The file has column names but no rows of figures to import."),
    (b"%PDF-1.4\n%%EOF\n\x00\x00", "This file is neither a CSV file nor an Excel workbook (.xlsx)."),
])
def test_unreadable_files_are_refused_on_the_file_field(p1, outlets, data, message):
    response = upload(p1, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert entries() == []


def test_an_imported_sale_outside_the_territory_opens_one_case(p1, outlets):
    data = (ENGLISH + "2026-10,Tianhe Kiosk,mobile,1,1,10,,0\n2026-10,Tianhe Kiosk,broadband,1,1,10,,0\n"
                      "2026-10,Futian Store,mobile,1,1,10,,0\n").encode()
    assert upload(p1, data).status_code == 302
    [case] = territory_cases()
    assert "Tianhe Kiosk" in case.title
    assert upload(p1, data).status_code == 302  # the same file again: replaced, no new case
    assert len(territory_cases()) == 1 and len(entries()) == 3
