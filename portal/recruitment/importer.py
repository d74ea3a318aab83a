"""Prospects to and from spreadsheets: the columns, the import, the export rows.

The same columns serve the import, the downloadable template and the export. A Chinese user
gets the Chinese column names (``Column.zh``), anyone else the English labels; the import
accepts either, the field key (``company_name``) and a few common variants, in any case.

``import_prospects`` is all or nothing: every row is checked with the rules of the prospect
form, and if any row is wrong nothing is created and every error is returned, by the row
number and the column name the user sees in the file.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale, get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.core.errors import DomainError
from portal.core.spreadsheets import SpreadsheetError, column_letter, read_table, unescape_cell
from portal.core.validators import credit_code_error, mobile_error, normalise_credit_code, normalise_mobile
from portal.extensions import db
from portal.recruitment import services
from portal.recruitment.models import SOURCES, Prospect
from portal.reference import queries as ref

MAX_ROWS = 5000
MAX_CAPITAL = Decimal(10) ** 15
CENT = Decimal("0.01")
LIST_SEPARATORS = re.compile(r"[,;、\n]+")  # after NFKC, "，" and "；" are "," and ";"


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy English label: the column name in English files and on screen
    zh: str  # the column name in Chinese files
    aliases: tuple = ()
    required: bool = False
    help: object = None
    imported: bool = True  # False: exported for information only


COLUMNS = (
    Column("company_name", _l("Company name"), "公司名称", ("company", "企业名称", "公司"), required=True,
           help=_l("At most 200 characters.")),
    Column("credit_code", _l("Unified social credit code"), "统一社会信用代码", ("credit code", "信用代码", "USCC"),
           help=_l("18 characters, as on the business licence. It must not be on file already nor appear twice "
                   "in the file. Format the column as text in Excel.")),
    Column("legal_representative", _l("Legal representative"), "法定代表人", ("法人", "法人代表")),
    Column("contact_name", _l("Contact name"), "联系人", ("contact", "contact person", "联系人姓名"), required=True,
           help=_l("At most 100 characters.")),
    Column("mobile", _l("Mobile"), "手机", ("mobile phone", "手机号", "手机号码"),
           help=_l("A mainland China mobile number, 11 digits starting with 1.")),
    Column("email", _l("E-mail"), "邮箱", ("email address", "电子邮箱", "邮件")),
    Column("province", _l("Province"), "省份", ("省",), required=True,
           help=_l("The name in Chinese or English, or the code, e.g. 广东, Guangdong or GD.")),
    Column("city", _l("City"), "城市", ("市",),
           help=_l("A city of that province, by name or code. Leave it empty for the whole province.")),
    Column("channel_type", _l("Channel type"), "渠道类型", (), help=_l("The name in Chinese or English, or the code.")),
    Column("outlet_count", _l("Number of outlets"), "网点数量", ("outlets", "outlet count", "网点数"),
           help=_l("A whole number from 0 to 100000.")),
    Column("registered_capital", _l("Registered capital (CNY)"), "注册资本", ("registered capital", "注册资本(元)"),
           help=_l("In yuan, e.g. 5000000 or 500万, with at most two decimal places.")),
    Column("years_in_business", _l("Years in business"), "经营年限", ("years",),
           help=_l("A whole number from 0 to 200.")),
    Column("product_lines", _l("Product lines"), "意向产品线", ("product lines of interest", "产品线"),
           help=_l("One or more names or codes, separated by commas, semicolons or 、.")),
    Column("pitch", _l("Notes"), "备注", ("pitch", "note", "说明"), help=_l("At most 4000 characters.")),
    Column("owner_email", _l("Owner e-mail"), "负责人邮箱", ("owner email",),
           help=_l("The e-mail address of an active channel manager. Leave it empty to route the prospect to "
                   "the manager of its city or province.")),
    Column("stage", _l("Stage"), "阶段", imported=False),
    Column("owner", _l("Owner"), "负责人", imported=False),
    Column("source", _l("Source"), "来源", imported=False),
    Column("created", _l("Created"), "创建日期", imported=False),
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}
IMPORT_COLUMNS = tuple(c for c in COLUMNS if c.imported)
MAX_LENGTHS = {"company_name": 200, "legal_representative": 100, "contact_name": 100, "email": 254, "pitch": 4000}
REQUIRED_MESSAGES = {
    "company_name": _l("Enter the company name."),
    "contact_name": _l("Enter the contact person."),
    "province": _l("Enter the province."),
}


@dataclass(frozen=True)
class RowError:
    row: int  # as the user sees it: the header is row 1
    column: str  # as in the file's header
    message: str


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors


# ---- column names -----------------------------------------------------------------------------


def chinese():
    return str(get_locale() or "en").startswith("zh")


def header(column):
    """The column's name in the current user's language."""
    return column.zh if chinese() else str(column.label)


def normalise_header(text):
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return re.sub(r"[\s_\-*:.]+", "", text)


def _header_lookup():
    lookup = {}
    for column in COLUMNS:
        names = {column.key, column.zh, *column.aliases}
        for locale in ("en", "zh_CN"):
            with force_locale(locale):
                names.add(str(column.label))
        for name in names:
            lookup[normalise_header(name)] = column
    return lookup


def describe_columns():
    """The importable columns for the import page, in the user's language."""
    described = []
    for column in IMPORT_COLUMNS:
        other = str(column.label) if chinese() else column.zh
        described.append({"name": header(column), "other": other, "key": column.key,
                          "required": column.required, "help": column.help})
    return described


def template_headers():
    return [header(c) for c in IMPORT_COLUMNS]


# ---- values -----------------------------------------------------------------------------------


def _norm(text):
    return unicodedata.normalize("NFKC", text or "").strip().casefold()


def _name_keys(*names):
    """Ways a name may be written: as is, and without a trailing 省 / 市 (广东省, 深圳市)."""
    keys = set()
    for name in names:
        name = _norm(name)
        if name:
            keys.add(name)
            for suffix in ("省", "市"):
                if name.endswith(suffix) and len(name) > len(suffix):
                    keys.add(name[: -len(suffix)])
    return keys


def _index(items, with_suffixes=False):
    index = {}
    for item in items:
        names = (item.code, item.name_en, item.name_zh)
        for key in (_name_keys(*names) if with_suffixes else {_norm(n) for n in names if n}):
            index.setdefault(key, item)
    return index


def _find(index, text, with_suffixes=False):
    for key in (_name_keys(text) if with_suffixes else {_norm(text)}):
        if key in index:
            return index[key]
    return None


def _whole_number(text, maximum):
    cleaned = re.sub(r"[\s,]", "", unicodedata.normalize("NFKC", text))
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value() or not 0 <= number <= maximum:
        raise ValueError(_("Enter a number from %(min)s to %(max)s.", min=0, max=maximum))
    return int(number)


def _money(text):
    """Yuan as a Decimal: "5000000", "5,000,000.00", "¥500万", "500万元", "0.5亿"."""
    cleaned = re.sub(r"[\s,]", "", unicodedata.normalize("NFKC", text)).casefold()
    for token in ("¥", "rmb", "cny", "元"):
        cleaned = cleaned.replace(token, "")
    unit = Decimal(1)
    if cleaned.endswith("万"):
        unit, cleaned = Decimal(10_000), cleaned[:-1]
    elif cleaned.endswith("亿"):
        unit, cleaned = Decimal(100_000_000), cleaned[:-1]
    try:
        amount = Decimal(cleaned) * unit
    except ArithmeticError:  # InvalidOperation ("abc"), and Overflow ("1e999999999" times the unit)
        raise ValueError(_("Enter an amount in yuan, e.g. 5000000 or 500万.")) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_CAPITAL:
        raise ValueError(_("Enter an amount of 0 or more."))
    if amount != amount.quantize(CENT):
        raise ValueError(_("Give the amount with at most two decimal places."))
    return amount.quantize(CENT)


# ---- the import -------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    data: dict
    province: object
    city: object
    product_lines: list
    owner: object


class _Reference:
    """The reference lists, loaded once per import."""

    def __init__(self):
        provinces = ref.provinces()
        self.provinces = _index(provinces, with_suffixes=True)
        self.cities = {p.id: _index([c for c in p.children if c.active], with_suffixes=True) for p in provinces}
        self.all_cities = _index(ref.cities(), with_suffixes=True)
        self.channel_types = _index(ref.channel_types())
        self.channel_type_names = [c.label for c in ref.channel_types()]
        self.product_lines = _index(ref.product_lines())
        self.product_line_names = [p.label for p in ref.product_lines()]
        self._managers = {}

    def manager(self, email):
        email = email.strip().lower()
        if email not in self._managers:
            self._managers[email] = db.session.scalar(
                sa.select(User).where(sa.func.lower(User.email) == email, User.role == "manager",
                                      User.active.is_(True)))
        return self._managers[email]


def _codes_on_file(codes):
    """Which of ``codes`` are already credit codes of prospects."""
    codes = sorted(codes)
    found = set()
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        found.update(db.session.scalars(sa.select(Prospect.credit_code).where(Prospect.credit_code.in_(chunk))))
    return found


def _map_headers(headers, rows):
    """{column key: index} and the header errors (row 1)."""
    lookup = _header_lookup()
    mapping, names, errors = {}, {}, []
    for index, name in enumerate(headers):
        if not name:
            if any(index < len(r) and r[index] for r in rows):
                errors.append(RowError(1, _("column %(letter)s", letter=column_letter(index)),
                                       _("This column has values but no name in the first row.")))
            continue
        column = lookup.get(normalise_header(name))
        if column is None:
            errors.append(RowError(1, name, _("Unknown column. The columns that can be imported are: %(names)s.",
                                              names=", ".join(template_headers()))))
        elif not column.imported:
            errors.append(RowError(1, name, _("This column is exported for information and cannot be imported; "
                                              "remove it.")))
        elif column.key in mapping:
            errors.append(RowError(1, name, _("This column appears twice (as “%(other)s”).",
                                              other=names[column.key])))
        else:
            mapping[column.key] = index
            names[column.key] = name
    for column in IMPORT_COLUMNS:
        if column.required and column.key not in mapping:
            errors.append(RowError(1, header(column), _("This column is required but missing from the file.")))
    return mapping, names, errors


def import_prospects(data, filename, actor, max_rows=None):
    """Create a prospect from every row of a CSV or .xlsx file, or none at all.

    Returns an ImportResult: ``created`` prospects, or the ``errors`` of every bad row. A file
    that cannot be read at all raises DomainError on the field "file". When the result has
    errors the caller must roll back (normally nothing has been written); otherwise it commits.
    """
    try:
        headers, rows = read_table(data, filename, max_rows=max_rows or MAX_ROWS)
    except SpreadsheetError as error:
        raise DomainError(error.message, field="file") from error
    if not any(rows):
        raise DomainError(_l("The file has column names but no rows of prospects to import."), field="file")

    mapping, names, errors = _map_headers(headers, rows)
    if errors:
        return ImportResult(errors=errors)

    def values_of(cells):
        return {key: unescape_cell(cells[i]).strip() if i < len(cells) else "" for key, i in mapping.items()}

    checks = _RowChecks(_Reference(), _codes_on_file(
        {normalise_credit_code(values_of(r).get("credit_code", "")) for r in rows if r} - {""}))
    parsed = []
    for offset, cells in enumerate(rows):
        if not any(cells):
            continue
        number = offset + 2  # the header is row 1
        row, problems = checks.parse(number, values_of(cells))
        # In the order of the file's columns, as the user reads the row.
        for key, message in sorted(problems, key=lambda problem: mapping[problem[0]]):
            errors.append(RowError(number, names[key], str(message)))
        if row is not None:
            parsed.append(row)
    if errors:
        return ImportResult(errors=errors)

    created = []
    for row in parsed:
        owner = row.owner or services.route_manager(row.city, row.province)
        try:
            prospect = services.create_prospect(row.data, row.city or row.province, row.product_lines, actor,
                                                source="import", owner=owner)
        except DomainError as error:  # e.g. the same credit code entered meanwhile by someone else
            errors.append(RowError(row.number, names.get(error.field, ""), str(error.message)))
        else:
            created.append(prospect)
    return ImportResult(errors=errors) if errors else ImportResult(created=created)


class _RowChecks:
    """The prospect form's rules, applied to one row of text values keyed by column."""

    def __init__(self, reference, codes_on_file):
        self.reference = reference
        self.codes_on_file = codes_on_file
        self.codes_seen = {}  # credit code -> the row it was first seen on

    def parse(self, number, values):
        """(_Row or None, [(column key, message)])."""
        problems = []
        data = {}

        def fail(key, message):
            problems.append((key, message))

        for key in ("company_name", "legal_representative", "contact_name", "pitch"):
            value = values.get(key, "")
            if key in REQUIRED_MESSAGES and not value:
                fail(key, REQUIRED_MESSAGES[key])
            elif len(value) > MAX_LENGTHS[key]:
                fail(key, _("At most %(max)d characters.", max=MAX_LENGTHS[key]))
            data[key] = value or None

        data["credit_code"] = self._credit_code(number, values.get("credit_code", ""), fail)

        data["mobile"] = None
        if values.get("mobile"):
            problem = mobile_error(values["mobile"])
            if problem:
                fail("mobile", problem)
            else:
                data["mobile"] = normalise_mobile(values["mobile"])

        data["email"] = None
        if values.get("email"):
            email = values["email"]
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError:
                fail("email", _("Enter a valid e-mail address, e.g. name@company.cn."))
            else:
                if len(email) > MAX_LENGTHS["email"]:
                    fail("email", _("At most %(max)d characters.", max=MAX_LENGTHS["email"]))
                data["email"] = email.lower()

        province, city = self._territory(values, fail)

        data["channel_type_id"] = None
        if values.get("channel_type"):
            channel_type = _find(self.reference.channel_types, values["channel_type"])
            if channel_type is None:
                fail("channel_type", _("Unknown channel type “%(name)s”. Known channel types: %(names)s.",
                                       name=values["channel_type"],
                                       names=", ".join(self.reference.channel_type_names)))
            else:
                data["channel_type_id"] = channel_type.id

        for key, maximum in (("outlet_count", 100000), ("years_in_business", 200)):
            data[key] = None
            if values.get(key):
                try:
                    data[key] = _whole_number(values[key], maximum)
                except ValueError as error:
                    fail(key, error)

        data["registered_capital"] = None
        if values.get("registered_capital"):
            try:
                data["registered_capital"] = _money(values["registered_capital"])
            except ValueError as error:
                fail("registered_capital", error)

        product_lines = self._product_lines(values.get("product_lines", ""), fail)

        owner = None
        if values.get("owner_email"):
            owner = self.reference.manager(values["owner_email"])
            if owner is None:
                fail("owner_email", _("“%(email)s” is not an active channel manager.", email=values["owner_email"]))

        if problems:
            return None, problems
        return _Row(number, data, province, city, product_lines, owner), []

    def _credit_code(self, number, value, fail):
        if not value:
            return None
        problem = credit_code_error(value)
        code = normalise_credit_code(value)
        if problem:
            fail("credit_code", problem)
        elif code in self.codes_on_file:
            fail("credit_code", _("A prospect with this credit code is already on file."))
        elif code in self.codes_seen:
            fail("credit_code", _("This credit code is also on row %(row)d.", row=self.codes_seen[code]))
        else:
            self.codes_seen[code] = number
            return code
        return None

    def _territory(self, values, fail):
        reference = self.reference
        if not values.get("province"):
            fail("province", REQUIRED_MESSAGES["province"])
            return None, None
        province = _find(reference.provinces, values["province"], with_suffixes=True)
        if province is None:
            fail("province", _("Unknown province “%(name)s”. Use its name in Chinese or English, or its code.",
                               name=values["province"]))
            return None, None
        if not values.get("city"):
            return province, None
        city = _find(reference.cities[province.id], values["city"], with_suffixes=True)
        if city is None:
            elsewhere = _find(reference.all_cities, values["city"], with_suffixes=True)
            if elsewhere is not None:
                fail("city", _("%(city)s is not a city of %(province)s.", city=elsewhere.label,
                               province=province.label))
            else:
                fail("city", _("Unknown city “%(name)s” in %(province)s.", name=values["city"],
                               province=province.label))
        return province, city

    def _product_lines(self, value, fail):
        lines, unknown = [], []
        for name in LIST_SEPARATORS.split(unicodedata.normalize("NFKC", value)):
            name = name.strip()
            if not name:
                continue
            line = _find(self.reference.product_lines, name)
            if line is None:
                unknown.append(name)
            elif line not in lines:
                lines.append(line)
        if unknown:
            fail("product_lines", _("Unknown product line “%(name)s”. Known product lines: %(names)s.",
                                    name="、".join(unknown), names=", ".join(self.reference.product_line_names)))
        return lines


# ---- the export -------------------------------------------------------------------------------


def export_table(prospects):
    """(headers, rows) of the prospects in the current user's language; money as Decimal."""
    tz = get_timezone()
    separator = "、" if chinese() else ", "
    headers = [header(c) for c in COLUMNS]
    rows = []
    for p in prospects:
        values = {
            "company_name": p.company_name,
            "credit_code": p.credit_code,
            "legal_representative": p.legal_representative,
            "contact_name": p.contact_name,
            "mobile": p.mobile,
            "email": p.email,
            "province": p.province.label if p.province else None,
            "city": p.city.label if p.city else None,
            "channel_type": p.channel_type.label if p.channel_type else None,
            "outlet_count": p.outlet_count,
            "registered_capital": p.registered_capital,
            "years_in_business": p.years_in_business,
            "product_lines": separator.join(line.label for line in p.product_lines),
            "pitch": p.pitch,
            "owner_email": p.owner.email if p.owner else None,
            "stage": str(p.stage_label),
            "owner": p.owner.name if p.owner else None,
            "source": str(SOURCES.get(p.source, p.source)),
            "created": p.created_at.astimezone(tz).date() if p.created_at else None,
        }
        rows.append([values[c.key] for c in COLUMNS])
    return headers, rows
