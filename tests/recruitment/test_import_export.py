"""Importing prospects from CSV/Excel files, the template, and exporting the prospect list."""
import csv
import html
import io
import re
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale

from portal.core import spreadsheets
from portal.core.errors import DomainError
from portal.core.validators import credit_code_check_char
from portal.extensions import db as _db
from portal.recruitment import importer
from portal.recruitment.models import Prospect


def credit_code(n):
    base = f"91440300MA5F{n:05d}"
    return base + credit_code_check_char(base)


def upload(client, data, filename="prospects.csv"):
    return client.post(url_for("pipeline.import_prospects"), {"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def error_rows(page):
    """(row, column, message) of each line of the error table on the import page."""
    table = re.search(r'<table[^>]*id="import-errors"[^>]*>(.*?)</table>', page, re.S)
    assert table, "the page shows no table of errors"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S).group(1)
    return [tuple(html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                  for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S))
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def prospect_count():
    return _db.session.scalar(sa.select(sa.func.count(Prospect.id)))


def by_company(name):
    return _db.session.scalar(sa.select(Prospect).where(Prospect.company_name == name))


def csv_rows(data):
    assert data.startswith(b"\xef\xbb\xbf"), "CSV exports start with a BOM so that Excel reads UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_rows(data):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [[cell for cell in row] for row in sheet.iter_rows()]


def xlsx_bytes(rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---- import through the page ------------------------------------------------------------------


def test_gb18030_file_with_one_bad_row_imports_nothing_and_names_the_row_and_column(client, people):
    text = (
        "公司名称,统一社会信用代码,联系人,手机,省份,城市,意向产品线\r\n"
        f"深圳甲公司,{credit_code(1)},王五,13812345678,广东,深圳,移动套餐、宽带\r\n"
        "\r\n"  # a blank row still counts in the numbering the user sees
        f"广州乙公司,{credit_code(2)},赵六,139 1234 5678,广东省,广州市,宽带\r\n"
        "杭州丙公司,,钱七,12345,浙江,杭州,移动套餐\r\n"
    )
    client.login("gd.manager@test.example")

    response = upload(client, text.encode("gb18030"))

    assert response.status_code == 400
    errors = error_rows(response.get_data(as_text=True))
    assert [(row, column) for row, column, _message in errors] == [("5", "手机")]
    assert "11 digits" in errors[0][2]
    assert prospect_count() == 0


def test_utf8_csv_with_bom_imports_every_row_routed_to_the_territorys_manager(client, people):
    text = (
        "Company name,Contact name,Province,City,Mobile,E-mail,Product lines,Registered capital,Channel type,Notes\n"
        'Shenzhen Trading,Li Lei,Guangdong,Shenzhen,+86 138-1234-5678,LI@SZ.EXAMPLE,"mobile, broadband",500万,'
        'social,"Two shops, near the station"\n'
        "Hangzhou Online,Han Meimei,ZJ,ZJ-HZ,,,宽带,\"1,200,000.50\",校园代理,\n"
    )
    client.login("gd.manager@test.example")

    response = upload(client, b"\xef\xbb\xbf" + text.encode("utf-8"))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(url_for("pipeline.prospects"))
    assert "2 prospects imported." in client.get(response.headers["Location"]).get_data(as_text=True)
    shenzhen, hangzhou = by_company("Shenzhen Trading"), by_company("Hangzhou Online")
    assert shenzhen.owner_id == people["manager"].id
    assert hangzhou.owner_id == people["other_manager"].id  # routed, not given to the importer
    assert (shenzhen.city.code, hangzhou.city.code) == ("GD-SZ", "ZJ-HZ")
    assert shenzhen.mobile == "13812345678" and shenzhen.email == "li@sz.example"
    assert shenzhen.registered_capital == Decimal("5000000.00")
    assert hangzhou.registered_capital == Decimal("1200000.50")
    assert [p.code for p in shenzhen.product_lines] == ["mobile", "broadband"]
    assert (shenzhen.channel_type.code, hangzhou.channel_type.code) == ("social", "campus")
    assert shenzhen.pitch == "Two shops, near the station"
    assert {shenzhen.source, hangzhou.source} == {"import"}


def test_xlsx_file_is_imported_whatever_its_name(client, people, reference_data):
    data = xlsx_bytes([
        ["Company name", "联系人", "Province", "City", "Mobile", "Registered capital (CNY)", "Number of outlets"],
        ["Guangzhou Mobile Shop", "Zhang San", "广东", "广州", 13812345678, 1234567.5, 12],
    ])
    client.login("admin@test.example")

    response = upload(client, data, filename="export-from-the-old-crm.dat")

    assert response.status_code == 302
    prospect = by_company("Guangzhou Mobile Shop")
    assert prospect.mobile == "13812345678"
    assert prospect.registered_capital == Decimal("1234567.50")
    assert prospect.outlet_count == 12
    assert prospect.city == reference_data["GD-GZ"]
    assert prospect.owner_id == people["manager"].id


def test_chinese_template_filled_in_and_sent_back_is_imported(client, people, make_user, reference_data):
    make_user("zh.manager@test.example", "manager", [reference_data["ZJ"]], locale="zh_CN")
    client.login("zh.manager@test.example")

    template = client.get(url_for("pipeline.import_template"))

    assert template.status_code == 200
    assert template.headers["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(template.data)).active
    headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert headers[:3] == ["公司名称", "统一社会信用代码", "法定代表人"]
    assert "负责人邮箱" in headers
    values = {"公司名称": "杭州新渠道", "联系人": "周八", "省份": "浙江", "城市": "杭州", "渠道类型": "社会渠道",
              "负责人邮箱": "gd.manager@test.example"}
    filled = xlsx_bytes([headers, [values.get(h) for h in headers]])

    response = upload(client, filled, filename="模板.xlsx")

    assert response.status_code == 302
    prospect = by_company("杭州新渠道")
    assert prospect.owner_id == people["manager"].id  # the owner named in the file, not the routed one
    assert prospect.channel_type == reference_data["social"]


def test_import_page_describes_the_columns_and_links_the_template(client, people):
    client.login("gd.manager@test.example")
    page = client.get(url_for("pipeline.import_prospects")).get_data(as_text=True)
    assert url_for("pipeline.import_template") in page
    for name in ("Company name", "公司名称", "Contact name", "联系人", "Province", "省份", "Owner e-mail"):
        assert name in page
    assert "Mobile plans" in page  # the product lines that can be named


def test_file_over_the_import_limit_is_an_error_on_the_file_field(client, people, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1024)
    text = "Company name,Contact name,Province\n" + "".join(f"Company {i},Li Lei,GD\n" for i in range(100))
    client.login("gd.manager@test.example")

    response = upload(client, text.encode())

    assert response.status_code == 400
    field_error = re.search(r'id="file-error">(.*?)</div>', response.get_data(as_text=True), re.S)
    assert field_error and "larger than 1.0 KB" in field_error.group(1)
    assert prospect_count() == 0


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\xff\xff", "neither a CSV file nor an Excel"),
    (b"PK\x03\x04 not really a workbook", "neither a CSV file nor an Excel"),
    (b"Company name,Contact name,Province\n", "no rows"),
])
def test_unreadable_or_empty_file_is_a_clear_error(client, people, data, message):
    client.login("gd.manager@test.example")
    response = upload(client, data)
    assert response.status_code == 400
    field_error = re.search(r'id="file-error">(.*?)</div>', response.get_data(as_text=True), re.S)
    assert field_error and message in html.unescape(field_error.group(1))


def test_applicant_may_not_import_or_export(client, people):
    client.login("applicant1@test.example")
    assert client.get(url_for("pipeline.import_prospects")).status_code == 403
    assert upload(client, b"Company name,Contact name,Province\nA,B,GD\n").status_code == 403
    assert client.get(url_for("pipeline.import_template")).status_code == 403
    for format in ("csv", "xlsx"):
        assert client.get(url_for("pipeline.export_prospects", format=format)).status_code == 403
    assert prospect_count() == 0


# ---- import rules -----------------------------------------------------------------------------


def test_credit_code_on_file_or_repeated_in_the_file_is_refused(people, make_prospect):
    make_prospect("Already Here", credit_code=credit_code(1), owner=people["manager"])
    text = (
        "company_name,credit_code,contact_name,province\n"
        f"New One,{credit_code(1)},Li,GD\n"
        f"Second,{credit_code(2)},Li,GD\n"
        f"Third,{credit_code(2).lower()},Li,GD\n"
        f"Fourth,{credit_code(3)[:-1]}0,Li,GD\n"
    ).encode()

    result = importer.import_prospects(text, "x.csv", people["manager"])

    assert [(e.row, e.column) for e in result.errors] == [
        (2, "credit_code"), (4, "credit_code"), (5, "credit_code")]
    assert "already on file" in result.errors[0].message
    assert "row 3" in result.errors[1].message
    assert prospect_count() == 1


def test_every_bad_value_is_reported_with_its_column(people):
    text = (
        "Company name;Contact name;Province;City;E-mail;Number of outlets;Registered capital;Years in business;"
        "Product lines;Channel type;Owner e-mail\n"
        ";Li;Atlantis;;not-an-email;-1;12.345;300;mobile, satellite;bus;applicant1@test.example\n"
        "Fine;Wang;Zhejiang;Shenzhen;;;;;;;\n"
    ).encode()

    result = importer.import_prospects(text, "x.csv", people["manager"])

    assert {(e.row, e.column) for e in result.errors} == {
        (2, "Company name"), (2, "Province"), (2, "E-mail"), (2, "Number of outlets"), (2, "Registered capital"),
        (2, "Years in business"), (2, "Product lines"), (2, "Channel type"), (2, "Owner e-mail"), (3, "City"),
    }
    messages = {e.column: e.message for e in result.errors}
    assert "satellite" in messages["Product lines"]
    assert "Shenzhen is not a city of Zhejiang" in messages["City"]
    assert prospect_count() == 0


def test_missing_required_or_unknown_columns_are_reported_on_the_header_row(people):
    text = "公司名称,Favourite colour,阶段,城市\nA,red,新,深圳\n".encode()

    result = importer.import_prospects(text, "x.csv", people["manager"])

    assert {(e.row, e.column) for e in result.errors} == {
        (1, "Favourite colour"), (1, "阶段"), (1, "Contact name"), (1, "Province")}
    assert prospect_count() == 0


def test_more_rows_than_the_limit_is_refused(people):
    text = ("Company name,Contact name,Province\n" + "A,B,GD\n" * 4).encode()
    with pytest.raises(DomainError) as raised:
        importer.import_prospects(text, "x.csv", people["manager"], max_rows=3)
    assert raised.value.field == "file"
    assert "more than 3 rows" in str(raised.value.message)


def test_header_names_are_not_shared_between_columns(app):
    seen = {}
    with app.test_request_context():
        for column in importer.COLUMNS:
            labels = []
            for locale in ("en", "zh_CN"):
                with force_locale(locale):
                    labels.append(str(column.label))
            for name in (column.key, column.zh, *labels, *column.aliases):
                key = importer.normalise_header(name)
                assert seen.setdefault(key, column.key) == column.key, f"{name!r} names two columns"


# ---- reading and writing spreadsheets ---------------------------------------------------------


@pytest.mark.parametrize("data", [
    "公司名称;联系人;省份\n甲;乙;广东\n".encode("utf-8"),
    "公司名称\t联系人\t省份\n甲\t乙\t广东\n".encode("gb18030"),
    "\ufeff公司名称,联系人,省份\n甲,乙,广东\n".encode("utf-8"),
    "公司名称\t联系人\t省份\n甲\t乙\t广东\n".encode("utf-16"),
])
def test_csv_encodings_and_delimiters_are_recognised(data):
    assert spreadsheets.read_table(data, "x.csv") == (["公司名称", "联系人", "省份"], [["甲", "乙", "广东"]])


def test_cells_a_spreadsheet_would_run_are_escaped():
    for formula in ("=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"):
        assert spreadsheets.escape_cell(formula) == "'" + formula
    assert spreadsheets.escape_cell("Acme") == "Acme"
    assert spreadsheets.escape_cell(Decimal("-5")) == Decimal("-5")


# ---- export -----------------------------------------------------------------------------------


def test_exported_formula_cells_are_escaped_in_csv_and_xlsx(client, people, make_prospect):
    make_prospect('=HYPERLINK("http://evil.example","x")', owner=people["manager"], contact_name="@SUM(A1)")
    client.login("gd.manager@test.example")

    rows = csv_rows(client.get(url_for("pipeline.export_prospects", format="csv")).data)
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert "'@SUM(A1)" in rows[1]

    response = client.get(url_for("pipeline.export_prospects", format="xlsx"))
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    cells = xlsx_rows(response.data)
    assert cells[1][0].value == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert all(cell.data_type != "f" for row in cells for cell in row)


def test_export_follows_the_list_filters_and_what_the_user_may_see(client, people, make_prospect):
    make_prospect("Shenzhen Alpha", "GD-SZ", owner=people["manager"], stage="new",
                  registered_capital=Decimal("1234.56"))
    make_prospect("Guangzhou Beta", "GD-GZ", owner=people["manager"], stage="qualifying")
    make_prospect("Hangzhou Gamma", "ZJ-HZ", owner=people["other_manager"], stage="qualifying")

    client.login("gd.manager@test.example")
    everything = csv_rows(client.get(url_for("pipeline.export_prospects", format="csv")).data)
    assert {r[0] for r in everything[1:]} == {"Shenzhen Alpha", "Guangzhou Beta"}
    assert everything[0][:2] == ["Company name", "Unified social credit code"]
    alpha = next(r for r in everything if r[0] == "Shenzhen Alpha")
    assert alpha[everything[0].index("Registered capital (CNY)")] == "1234.56"
    filtered = csv_rows(client.get(url_for("pipeline.export_prospects", format="csv", stage="qualifying")).data)
    assert [r[0] for r in filtered[1:]] == ["Guangzhou Beta"]
    searched = xlsx_rows(client.get(url_for("pipeline.export_prospects", format="xlsx", q="alpha")).data)
    assert [r[0].value for r in searched[1:]] == ["Shenzhen Alpha"]
    assert searched[1][[c.value for c in searched[0]].index("Registered capital (CNY)")].value == 1234.56

    client.logout()
    client.login("zj.manager@test.example")
    theirs = csv_rows(client.get(url_for("pipeline.export_prospects", format="csv")).data)
    assert [r[0] for r in theirs[1:]] == ["Hangzhou Gamma"]


def test_export_columns_and_names_are_in_the_users_language(client, people, make_user, make_prospect,
                                                            reference_data):
    make_user("zh.manager@test.example", "manager", [reference_data["GD"]], locale="zh_CN")
    make_prospect("深圳甲公司", "GD-SZ", owner=people["manager"])
    client.login("zh.manager@test.example")

    rows = csv_rows(client.get(url_for("pipeline.export_prospects", format="csv")).data)

    assert rows[0][:4] == ["公司名称", "统一社会信用代码", "法定代表人", "联系人"]
    record = dict(zip(rows[0], rows[1]))
    assert (record["省份"], record["城市"], record["负责人邮箱"]) == ("广东", "深圳", "gd.manager@test.example")


def test_unknown_export_format_is_not_found(client, people):
    client.login("gd.manager@test.example")
    assert client.get(url_for("pipeline.export_prospects", format="pdf")).status_code == 404
