"""Turning an agreement into HTML: the template body rendered in a sandbox, then the layout.

A template body is written by an admin in a small, safe language: Jinja2 run in an
``ImmutableSandboxedEnvironment`` with autoescaping, no loader, almost no globals, and given
only plain values — strings, booleans, lists and dicts built here from the parties and the
locked terms (Decimals and dates are already formatted as strings). A template can therefore
use the terms, but cannot reach a model, the configuration or Python's internals: trying to
raises ``TemplateProblem`` with the line and a message fit for the template form.

The layout around the clauses (parties, the table of terms, signature blocks, the running
header and "page N of M") is ``templates/agreements/document.html``, a trusted template that
also receives plain values only. The result goes to ``portal.core.pdf.render``, whose fetcher
serves only the portal's static files.

The words printed in a document (its headings and labels) are part of the contract text in
the document's own language — a Chinese agreement is in Chinese whatever the language of the
manager who generated it — so they are kept here per language rather than in the UI catalogue.
"""
import re
import traceback
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError, safe_range
from markupsafe import Markup

from portal.core.pdf import FONT_STACK

LANGUAGES = {"zh": _l("Chinese"), "en": _l("English"), "bilingual": _l("Chinese and English")}
BODY_LANGUAGES = ("zh", "en")
TEMPLATE_NAME = "<template>"
MAX_REPEAT = 10_000  # longest string or list a template may build with * (no memory bombs)


class TemplateProblem(Exception):
    """A template body that cannot be rendered; ``message`` is shown on the template form."""

    def __init__(self, message, line=None):
        super().__init__(str(message))
        self.message = message
        self.line = line


# ---- the sandbox -------------------------------------------------------------------------------


def _paragraphs(text):
    """Multi-line text (payment terms, special clauses) as escaped paragraphs."""
    if not text:
        return Markup("")
    parts = [p.strip() for p in re.split(r"\r?\n", str(text)) if p.strip()]
    return Markup("").join(Markup("<p>%s</p>") % p for p in parts)


class DocumentSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with ``*`` and ``**`` checked so that a template cannot exhaust memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 100:
            raise SecurityError("exponent too large")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_REPEAT:
                    raise SecurityError("result too long")
        return super().call_binop(context, operator, left, right)


@lru_cache(maxsize=1)
def sandbox():
    env = DocumentSandbox(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.clear()
    env.globals["range"] = safe_range
    env.filters["paragraphs"] = _paragraphs
    return env


@lru_cache(maxsize=64)
def _compiled(body):
    return sandbox().from_string(body)


def _line_of(error):
    """The template line an error was raised on, from Jinja's rewritten traceback."""
    line = getattr(error, "lineno", None)
    if line:
        return line
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename == TEMPLATE_NAME:
            return frame.lineno
    return None


def _problem(error):
    line = _line_of(error)
    detail = str(getattr(error, "message", None) or error)[:300]
    if isinstance(error, TemplateSyntaxError):
        text = _l("The template is not well formed: %(detail)s", detail=detail)
    elif isinstance(error, SecurityError):
        text = _l("The template tries to use something it may not (%(detail)s). Templates can use the parties "
                  "and the terms, nothing else.", detail=detail)
    elif isinstance(error, UndefinedError):
        text = _l("Unknown placeholder (%(detail)s). The placeholders you may use are listed below the form.",
                  detail=detail)
    else:
        text = _l("The template could not be filled in: %(detail)s", detail=detail)
    if line:
        return TemplateProblem(_l("Line %(line)d: %(text)s", line=line, text=text), line)
    return TemplateProblem(text)


def render_body(body, context):
    """The clauses: ``body`` rendered in the sandbox with ``context`` (plain values), as Markup."""
    try:
        return Markup(_compiled(body).render(context))
    except Exception as error:  # syntax, sandbox, unknown names, type errors…: none may escape as a 500
        raise _problem(error) from None


def check_body(body, lang):
    """Raise TemplateProblem if ``body`` cannot be rendered with the sample terms in ``lang``."""
    render_body(body, sample_context(lang))


# ---- plain values --------------------------------------------------------------------------------

CENT = Decimal("0.01")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def format_money(value):
    """20000.1 -> '20,000.10' (exact: Decimal, never float)."""
    return f"{Decimal(value or 0).quantize(CENT):,.2f}"


def format_rate(value):
    """A percentage: Decimal('3.3500') -> '3.35%'; more places only if they are used."""
    rate = Decimal(value or 0)
    two = rate.quantize(CENT)
    text = f"{two:f}" if two == rate else f"{rate.normalize():f}"
    return text + "%"


def format_date(value, lang):
    if value is None:
        return ""
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def _name(row, lang):
    if row is None:
        return ""
    return row["zh"] if lang == "zh" else row["en"]


def _bilingual(obj):
    return {"zh": obj.name_zh, "en": obj.name_en} if obj is not None else None


def terms_from_sheet(sheet):
    """The locked term sheet as neutral plain data (both languages, Decimals, dates)."""
    territories = []
    for t in sheet.territories:
        parent = t.parent
        territories.append({
            "code": t.code,
            "zh": f"{parent.name_zh}·{t.name_zh}" if parent else t.name_zh,
            "en": f"{t.name_en}, {parent.name_en}" if parent else t.name_en,
        })
    return {
        "version": sheet.number,
        "territories": territories,
        "exclusive": bool(sheet.exclusive),
        "channel_type": _bilingual(sheet.channel_type),
        "tier": _bilingual(sheet.tier),
        "start_date": sheet.start_date,
        "end_date": sheet.end_date,
        "lines": [{"zh": line.product_line.name_zh, "en": line.product_line.name_en,
                   "rate": line.commission_rate, "target": line.monthly_target} for line in sheet.lines],
        "deposit": sheet.deposit,
        "rent_subsidy": sheet.rent_subsidy_per_outlet,
        "payment_terms": sheet.payment_terms or "",
        "special_clauses": sheet.special_clauses or "",
    }


def party_from_prospect(prospect):
    """Party B: the prospect (or the partner it became, for amendments and renewals)."""
    partner = getattr(prospect, "partner", None)
    return {
        "company": (partner.name if partner else prospect.company_name) or "",
        "credit_code": (partner.credit_code if partner and partner.credit_code else prospect.credit_code) or "",
        "legal_representative": ((partner.legal_representative if partner else None)
                                 or prospect.legal_representative or ""),
        "address": (partner.address if partner else None) or "",
        "contact": ((partner.contact_name if partner else None) or prospect.contact_name or ""),
        "email": ((partner.email if partner else None) or prospect.email or ""),
        "phone": ((partner.phone if partner else None) or prospect.mobile or ""),
    }


def vendor_names():
    return {"zh": current_app.config["VENDOR_NAME_ZH"], "en": current_app.config["VENDOR_NAME_EN"]}


def localise_terms(terms, lang):
    """The neutral terms as the strings a template in ``lang`` prints."""
    names = [_name(t, lang) for t in terms["territories"]]
    separator = "、" if lang == "zh" else "; "
    if lang == "zh":
        exclusivity = "独家" if terms["exclusive"] else "非独家"
    else:
        exclusivity = "exclusive" if terms["exclusive"] else "non-exclusive"
    return {
        "version": terms["version"],
        "territories": [{"name": n, "code": t["code"]} for n, t in zip(names, terms["territories"])],
        "territory_names": separator.join(names),
        "exclusive": terms["exclusive"],
        "exclusivity": exclusivity,
        "channel_type": _name(terms["channel_type"], lang),
        "tier": _name(terms["tier"], lang),
        "start_date": format_date(terms["start_date"], lang),
        "end_date": format_date(terms["end_date"], lang),
        "lines": [{"product_line": _name(line, lang), "rate": format_rate(line["rate"]),
                   "monthly_target": format_money(line["target"])} for line in terms["lines"]],
        "deposit": format_money(terms["deposit"]),
        "has_deposit": Decimal(terms["deposit"] or 0) > 0,
        "rent_subsidy": format_money(terms["rent_subsidy"]),
        "has_rent_subsidy": Decimal(terms["rent_subsidy"] or 0) > 0,
        "payment_terms": terms["payment_terms"],
        "special_clauses": terms["special_clauses"],
    }


KIND_WORDS = {
    "zh": {"original": "协议", "amendment": "补充协议", "renewal": "续约协议"},
    "en": {"original": "Agreement", "amendment": "Amendment", "renewal": "Renewal"},
}


def build_context(lang, *, number, issued_on, kind, previous_number, party, terms, vendor):
    """Everything a template body may use, for one language: plain values only."""
    return {
        "lang": lang,
        "agreement": {
            "number": number,
            "date": format_date(issued_on, lang),
            "kind": kind,
            "kind_label": KIND_WORDS[lang][kind],
            "previous_number": previous_number or "",
        },
        "vendor": {"name": vendor[lang], "name_zh": vendor["zh"], "name_en": vendor["en"]},
        "partner": dict(party),
        "terms": localise_terms(terms, lang),
    }


SAMPLE_PARTY = {
    "company": "深圳华通商贸有限公司 (Shenzhen Huatong Trading Co., Ltd.)",
    "credit_code": "91440300MA5EXAMPLA",
    "legal_representative": "王建国",
    "address": "深圳市南山区科技园南区 8 栋 (Building 8, Science Park South, Nanshan, Shenzhen)",
    "contact": "李雷",
    "email": "lilei@huatong.example",
    "phone": "13800138000",
}
SAMPLE_TERMS = {
    "version": 3,
    "territories": [{"code": "GD-SZ", "zh": "广东·深圳", "en": "Shenzhen, Guangdong"},
                    {"code": "GD-GZ", "zh": "广东·广州", "en": "Guangzhou, Guangdong"}],
    "exclusive": True,
    "channel_type": {"zh": "社会渠道", "en": "Social channel"},
    "tier": {"zh": "金牌", "en": "Gold"},
    "start_date": date(2026, 1, 1),
    "end_date": date(2026, 12, 31),
    "lines": [{"zh": "移动套餐", "en": "Mobile plans", "rate": Decimal("3.35"), "target": Decimal("200000.00")},
              {"zh": "宽带", "en": "Broadband", "rate": Decimal("5.00"), "target": Decimal("50000.00")}],
    "deposit": Decimal("20000.10"),
    "rent_subsidy": Decimal("1500.00"),
    "payment_terms": "佣金按月结算，次月 15 日前支付。\nCommission is settled monthly and paid by the 15th of the next month.",
    "special_clauses": "乙方不得在约定区域以外销售。\nThe partner shall not sell outside the agreed territory.",
}


def sample_context(lang):
    return build_context(lang, number="AG-2026-000000", issued_on=date(2026, 1, 1), kind="original",
                         previous_number="", party=SAMPLE_PARTY, terms=SAMPLE_TERMS,
                         vendor={"zh": "示例通信有限公司", "en": "Example Telecom Co., Ltd."})


# What the template form lists as available (name -> what it prints).
PLACEHOLDERS = (
    ("agreement.number", _l("The agreement number, e.g. AG-2026-000042")),
    ("agreement.date", _l("The date the agreement was generated")),
    ("agreement.kind_label", _l("Agreement, amendment or renewal, in the template's language")),
    ("agreement.previous_number", _l("The number of the agreement this one amends or renews (empty if none)")),
    ("vendor.name", _l("The vendor's name (Party A)")),
    ("partner.company", _l("The partner's company name (Party B)")),
    ("partner.credit_code", _l("Unified social credit code")),
    ("partner.legal_representative", _l("Legal representative")),
    ("partner.address", _l("Registered address (may be empty)")),
    ("partner.contact, partner.phone, partner.email", _l("Contact person and details")),
    ("terms.territory_names", _l("The territories, joined")),
    ("terms.territories", _l("List of territories; each has .name and .code")),
    ("terms.exclusive / terms.exclusivity", _l("True if exclusive / the word “exclusive” or “non-exclusive”")),
    ("terms.channel_type, terms.tier", _l("Channel type and tier")),
    ("terms.start_date, terms.end_date", _l("The term of the agreement")),
    ("terms.lines", _l("Per product line: .product_line, .rate (e.g. 3.35%), .monthly_target (e.g. 20,000.00)")),
    ("terms.deposit / terms.has_deposit", _l("Credit deposit in yuan, e.g. 20,000.10 / whether there is one")),
    ("terms.rent_subsidy / terms.has_rent_subsidy", _l("Rent subsidy per outlet per month / whether there is one")),
    ("terms.payment_terms|paragraphs", _l("Payment terms, as paragraphs")),
    ("terms.special_clauses|paragraphs", _l("Special clauses, as paragraphs")),
)


# ---- the document ----------------------------------------------------------------------------------

LABELS = {
    "zh": {
        "number": "协议编号", "date": "签发日期", "parties": "合同双方", "party_a": "甲方", "party_b": "乙方",
        "credit_code": "统一社会信用代码", "legal_rep": "法定代表人", "address": "地址", "contact": "联系人",
        "terms": "合作条款一览", "territory": "合作区域", "exclusivity": "独家性", "channel_type": "渠道类型",
        "tier": "合作伙伴等级", "term": "合作期限", "to": "至", "lines": "佣金比例与月度目标",
        "product_line": "产品线", "rate": "佣金比例", "target": "月度目标（元）", "deposit": "信誉保证金",
        "rent_subsidy": "房补（每网点每月）", "payment_terms": "付款条件", "special_clauses": "特别约定",
        "clauses": "协议条款", "signatures": "签署", "seal": "（盖章）", "signatory": "授权代表（签字）",
        "sign_date": "日期", "yuan": "人民币 %s 元", "none": "无", "previous": "本协议变更或续展协议编号",
        "page": '"第 " counter(page) " 页 / 共 " counter(pages) " 页"',
    },
    "en": {
        "number": "Agreement No.", "date": "Date of issue", "parties": "The parties", "party_a": "Party A",
        "party_b": "Party B", "credit_code": "Unified social credit code", "legal_rep": "Legal representative",
        "address": "Address", "contact": "Contact", "terms": "Summary of terms", "territory": "Territory",
        "exclusivity": "Exclusivity", "channel_type": "Channel type", "tier": "Partner tier", "term": "Term",
        "to": "to", "lines": "Commission rates and monthly targets", "product_line": "Product line",
        "rate": "Commission", "target": "Monthly target (CNY)", "deposit": "Credit deposit",
        "rent_subsidy": "Rent subsidy (per outlet, per month)", "payment_terms": "Payment terms",
        "special_clauses": "Special clauses", "clauses": "Clauses", "signatures": "Signatures", "seal": "(seal)",
        "signatory": "Authorised signatory", "sign_date": "Date", "yuan": "CNY %s", "none": "None",
        "previous": "Amends or renews agreement No.",
        "page": '"Page " counter(page) " of " counter(pages)',
    },
}


def _languages(language):
    return ["zh", "en"] if language == "bilingual" else [language]


def _label(key, langs):
    texts = []
    for lang in langs:
        text = LABELS[lang][key]
        if text not in texts:
            texts.append(text)
    return " / ".join(texts)


def _joined(values):
    out = []
    for value in values:
        if value and value not in out:
            out.append(value)
    return " / ".join(out)


def document_html(*, number, language, titles, bodies, issued_on, kind, previous_number, party, terms, vendor=None,
                  for_browser=False):
    """The whole agreement as an HTML string for ``core.pdf.render``.

    ``language`` is "zh", "en" or "bilingual"; ``titles`` and ``bodies`` map "zh"/"en" to the
    template's names and bodies; ``party`` and ``terms`` are the plain values built above.
    With ``for_browser`` the stylesheet is inlined and a Content-Security-Policy forbids every
    fetch, for a preview shown in a sandboxed <iframe srcdoc>.
    Raises TemplateProblem if a body cannot be rendered.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unknown document language {language!r}")
    vendor = vendor or vendor_names()
    langs = _languages(language)
    contexts = {lang: build_context(lang, number=number, issued_on=issued_on, kind=kind,
                                    previous_number=previous_number, party=party, terms=terms, vendor=vendor)
                for lang in langs}
    sections = [{"lang": lang, "title": titles[lang], "clauses": render_body(bodies[lang], contexts[lang])}
                for lang in langs]
    localised = [contexts[lang]["terms"] for lang in langs]
    labels = {key: _label(key, langs) for key in LABELS["en"] if key not in ("page", "yuan")}
    money = lambda key: _joined(LABELS[lang]["yuan"] % t[key] for lang, t in zip(langs, localised))  # noqa: E731
    table = {
        "territory": _joined(t["territory_names"] for t in localised),
        "exclusivity": _joined(t["exclusivity"] for t in localised),
        "channel_type": _joined(t["channel_type"] for t in localised),
        "tier": _joined(t["tier"] for t in localised),
        "term": _joined(f"{t['start_date']} {LABELS[lang]['to']} {t['end_date']}" for lang, t in zip(langs, localised)),
        "lines": [{"product_line": _joined(t["lines"][i]["product_line"] for t in localised),
                   "rate": localised[0]["lines"][i]["rate"],
                   "target": localised[0]["lines"][i]["monthly_target"]} for i in range(len(terms["lines"]))],
        "deposit": money("deposit") if localised[0]["has_deposit"] else _label("none", langs),
        "rent_subsidy": money("rent_subsidy") if localised[0]["has_rent_subsidy"] else _label("none", langs),
        "payment_terms": terms["payment_terms"],
        "special_clauses": terms["special_clauses"],
    }
    page_counter = ' " · " '.join(LABELS[lang]["page"] for lang in langs)
    template = current_app.jinja_env.get_template("agreements/document.html")
    return template.render(
        html_lang="zh-CN" if langs[0] == "zh" else "en", number=number, labels=labels, sections=sections,
        title=_joined(titles[lang] for lang in langs), issued_on=_joined(format_date(issued_on, lg) for lg in langs),
        kind=_joined(KIND_WORDS[lang][kind] for lang in langs), previous_number=previous_number or "",
        party=party, vendor=_joined(vendor[lang] for lang in langs), table=table, font_stack=FONT_STACK,
        page_counter=page_counter, paragraphs=_paragraphs, inline_css=_stylesheet() if for_browser else None,
    )


@lru_cache(maxsize=1)
def _stylesheet():
    return Markup((Path(current_app.static_folder) / "css" / "agreement.css").read_text(encoding="utf-8"))
