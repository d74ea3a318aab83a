"""Demo data of the money and the inspections over the six months since the demo partners signed:
bank accounts, rent subsidies (房补), inspections (检查巡视, 暗访) with their rectification orders
(整改), monthly commission statements (佣金) and scorecards (绩效考核).

Demo data covers six months of statements, deposits, subsidies and inspections. The deposits are
the ledgers ``portal.demo`` and ``portal.demo_channel`` already write (the amount due from the
terms, the Shenzhen partner's payment with its bank reference, the penalty of a ruling; the
Ningbo partner has not paid yet), so nothing is added to them here.

``money`` is called by ``portal.demo.load_demo_data`` after ``portal.demo_channel``, inside its
``acting_as(admin)`` and ``_services_context()`` blocks. As there, every step goes through the
services, acting as the person who would take it, inside ``_dated(moment)`` so that the records,
their audit rows and notifications carry the day they happened; the times the services take from
the clock (a decision, an approval, a release) are set with ``_touch`` and restated in the audit
trail with ``_restate``. The steps of all the areas run in one calendar (``_run``), because they
feed each other: a lease accepted pays the subsidy lines of the statements computed after it, an
outlet closed with a backdated date claws back what a released statement paid, the inspections
score the months' scorecards. Months are counted from the agreements' start (``m`` 0 to 5 are the
six months that have ended); what happens this month is fitted between its first day and now
(``_this_month``), so a load on any day tells the same story. Deterministic: fixed texts and seeded RNGs.

The demo content is data, not interface text: written in Chinese or English as a real user would
have typed it, and not translated.
"""
import io
import random
import re
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.commissions import services as commissions
from portal.commissions.models import CommissionAdjustment, CommissionQuery, CommissionStatement
from portal.conflicts.models import CaseStatusChange, ConflictCase
from portal.core.audit import acting_as
from portal.core.i18n import add_months, business_zone
from portal.core.models import StoredFile
from portal.core.settings import get_setting
from portal.demo import _agreement_start, _at, _dated, _day, _moment, _restate, _touch, _user
from portal.demo_channel import (
    PARTNER, PARTNER2, STAFF, _case_due, _last_id, _partner_of, _psi_figures, _read_older, _record_pdf, _run, _upload,
)
from portal.extensions import db
from portal.finance import services as finance
from portal.finance.models import BankAccount, BankAccountChange
from portal.inspections import services as inspections
from portal.inspections.models import Inspection, InspectionChecklist, Rectification, RectificationPhoto
from portal.notifications.models import Notification
from portal.partners import services as partner_services
from portal.partners.models import Outlet
from portal.results import psi
from portal.results.models import PsiEntry
from portal.scorecards import services as scorecards
from portal.scorecards.models import Scorecard, TierChange
from portal.subsidies import services as subsidies
from portal.subsidies.models import LeaseProof

FINANCE = "finance@demo.example"
LAOWAITAN = "Sanjiang Mobile Laowaitan"


def _when(ctx, spec):
    """A moment of the story: ("d", days after the agreements' start, hour, minute), ("m", month
    of the partnership, day, hour, minute) or ("ago", days ago, hour, minute). This month's steps
    are placed by ``_this_month``."""
    kind, number, *rest = spec
    start = _agreement_start(ctx)
    if kind == "d":
        return _at(start + timedelta(days=number), *rest)
    if kind == "m":
        day, *time = rest
        return _at(add_months(start, number) + timedelta(days=day - 1), *time)
    return _moment(ctx, number, *rest)


def _this_month(ctx, targets):
    """Moments of this month's steps, in order: each (day, hour, minute) as given when it is more
    than an hour ago; otherwise in the last hour, or, early on the 1st, between midnight and now."""
    month_start, count = _at(ctx.today.replace(day=1), 0), len(targets)
    moments = []
    for index, (day, hour, minute) in enumerate(targets):
        wanted = _at(ctx.today.replace(day=min(day, ctx.today.day)), hour, minute)
        if day > ctx.today.day or wanted >= ctx.now - timedelta(hours=1):
            wanted = ctx.now - (count - index) * timedelta(minutes=10)
            if wanted < month_start:
                wanted = month_start + (ctx.now - month_start) * (index + 1) / (count + 1)
        if moments and wanted <= moments[-1]:
            wanted = moments[-1] + timedelta(minutes=1)
        moments.append(wanted)
    return moments


# ---- images and scans ---------------------------------------------------------------------------------


def _png(size, draw_on):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    draw_on(ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _scan_png(lines):
    """A scanned page: a title and lines of text (English: the default font has no CJK)."""
    from PIL import ImageFont

    def draw_on(draw):
        draw.rectangle((20, 20, 880, 540), outline="#999999", width=2)
        for number, text in enumerate(lines):
            draw.text((48, 44 + 44 * number), text, fill="#1a1a1a",
                      font=ImageFont.load_default(size=24 if number == 0 else 17))

    return _png((900, 560), draw_on)


def _photo_png(label, colour):
    """A phone photo of a shopfront: the sign band, windows, a door, and the camera's label."""
    from PIL import ImageFont

    def draw_on(draw):
        draw.rectangle((0, 0, 480, 320), fill="#d8d2c8")
        draw.rectangle((30, 30, 450, 80), fill=colour)
        for left in (40, 300):
            draw.rectangle((left, 100, left + 140, 250), fill="#9fb8c8", outline="#555555", width=3)
        draw.rectangle((200, 110, 280, 280), fill="#6d5a4a")
        draw.rectangle((60, 120, 110, 190), fill="#f2c14e")  # a poster in the window
        draw.text((12, 292), label, fill="#222222", font=ImageFont.load_default(size=16))

    return _png((480, 320), draw_on)


def _photos(moment, colour):
    name = f"IMG_{moment.astimezone(business_zone()):%Y%m%d_%H%M}.png"
    return [_upload(_photo_png(name, colour), name, "image/png")]


# ---- people and bank accounts -------------------------------------------------------------------------

# The payee accounts: (the partner's admin who asked, when, when approved, the request's values).
BANK_ACCOUNTS = (
    (PARTNER, ("d", -7, 10, 5), ("d", -6, 9, 40), {
        "account_name": "深圳市鹏程通讯连锁有限公司", "bank_name": "招商银行", "branch": "深圳华强北支行",
        "account_number": "7559 0312 6410 801", "contact_email": "wu.min@pengcheng-sz.example",
        "reason": ""}),
    (PARTNER2, ("d", -3, 10, 30), ("d", -2, 11, 0), {
        "account_name": "Ningbo Sanjiang Telecom Distribution Co., Ltd.", "bank_name": "Bank of Ningbo",
        "branch": "Haishu Sub-branch", "account_number": "5101 0122 0003 5678 9", "contact_email": "",
        "reason": ""}),
)
PENDING_CHANGE = (PARTNER2, ("ago", 3, 16, 30), {
    "account_name": "Ningbo Sanjiang Telecom Distribution Co., Ltd.",
    "bank_name": "Industrial and Commercial Bank of China", "branch": "Ningbo Zhongshan Road Sub-branch",
    "account_number": "3901-1100-0920-0123-456", "contact_email": "finance@sanjiang-nb.example",
    "reason": "We are moving our settlement account to ICBC: the Bank of Ningbo account closes at the end of next "
              "month. Please send payment notices to our finance mailbox from now on."})


def _bank_proof(partner, values):
    number = values["account_number"]
    if re.search(r"[\u4e00-\u9fff]", partner.name):
        pdf = _record_pdf("开户许可证（复印件） / Account opening certificate (copy)", (
            ("账户名称 / Account name", values["account_name"]),
            ("开户银行 / Bank", f"{values['bank_name']}{values['branch']}"), ("账号 / Account number", number),
            ("账户性质 / Type", "基本存款账户 / Basic deposit account")),
            "复印件加盖公章，与原件一致。 / Copy stamped with the company seal.")
        return _upload(pdf, "开户许可证.pdf", "application/pdf")
    png = _scan_png(("BANK ACCOUNT CONFIRMATION", f"Account name: {values['account_name']}",
                     f"Bank: {values['bank_name']}, {values['branch']}", f"Account number: {number}",
                     "Account type: basic deposit account (RMB)", "Stamped by the bank's account service desk"))
    return _upload(png, "bank-letter.png", "image/png")


def _bank_steps(ctx):
    """Each partner's admin asked for its payee account with a proof a few days before the
    agreement started, and its channel manager approved it the next day; the Ningbo partner
    asked three days ago to move to another bank, which awaits approval."""
    changes = {}

    def request(moment, key, email, values):
        partner, user = _partner_of(ctx, email), ctx.users[email]
        with acting_as(user), _dated(moment, BankAccountChange, StoredFile):
            changes[key] = finance.request_change(partner, values, _bank_proof(partner, values), user)

    def approve(moment, key):
        change = changes[key]
        manager = change.partner.manager
        with acting_as(manager), _dated(moment, BankAccount) as before:
            account = finance.approve(change, manager)
        _touch(change, decided_at=moment, updated_at=moment)
        _touch(account, approved_at=moment)
        for field in ("decided_at", "approved_at"):
            _restate(before, field, moment)

    steps = []
    for key, (email, asked, approved, values) in enumerate(BANK_ACCOUNTS):
        steps += [(_when(ctx, asked), request, key, email, values), (_when(ctx, approved), approve, key)]
    email, asked, values = PENDING_CHANGE
    return steps + [(_when(ctx, asked), request, "pending", email, values)]


# ---- rent subsidies -----------------------------------------------------------------------------------

# Lease proofs, in the order sent: (partner, outlet, landlord, monthly rent, lease from and to in
# months from the agreements' start, when sent, the review: (when, "accepted"/"rejected", note) or
# None while it awaits review). The Ningbo partner's Laowaitan store opened in the second month.
LEASES = (
    (PARTNER, "鹏程通讯华强北旗舰店", "深圳市华强实业股份有限公司", "38000.00", (-16, 44), ("d", -5, 10, 20),
     (("d", -3, 9, 40), "accepted", None)),
    (PARTNER, "鹏程通讯南山科技园店", "深圳市科兴科学园物业管理有限公司", "26000.00", (-8, 28), ("d", -5, 10, 25),
     (("d", -3, 9, 45), "accepted", None)),
    (PARTNER, "鹏程通讯龙华地铁站专柜", "深圳市地铁商业管理有限公司", "9500.00", (-22, 14), ("d", -5, 10, 30),
     (("d", -3, 9, 50), "accepted", "专柜租赁合同已核对原件。")),
    (PARTNER2, "Sanjiang Mobile Tianyi Square", "Ningbo Tianyi Commercial Property Co., Ltd.", "22000.00", (-30, 30),
     ("d", -3, 15, 40), (("d", -2, 10, 20), "accepted", None)),
    (PARTNER2, "Sanjiang Mobile Yinzhou Wanda", "Ningbo Yinzhou Wanda Plaza Commercial Management Co., Ltd.",
     "18500.00", (-20, 4), ("d", -3, 15, 45),
     (("d", -2, 10, 25), "accepted", "Accepted. This lease ends in four months: please send the renewal in time.")),
    (PARTNER2, "Sanjiang Mobile Tmall shop", "Ningbo Beilun Port Logistics Park Co., Ltd.", "12000.00", (-6, 30),
     ("d", -3, 15, 50), (("d", -2, 10, 35), "rejected",
                         "The rent subsidy is for the premises of your stores. This lease is for the Beilun "
                         "warehouse that ships the Tmall orders: an online shop has no premises to subsidise.")),
    (PARTNER2, LAOWAITAN, "Ningbo Laowaitan Commercial Management Co., Ltd.", "15000.00", (1, 37), ("m", 1, 9, 11, 0),
     (("m", 1, 12, 15, 0), "accepted", None)),
    (PARTNER, "深圳大学校园营业点", "深圳大学后勤保障部（场地使用协议）", "4000.00", (-2, 22), ("m", 1, 20, 16, 0),
     (("m", 1, 24, 10, 30), "accepted", "学校场地使用协议，已核对盖章原件；上月房补随本月结算补发。")),
    (PARTNER2, "Sanjiang Mobile Yinzhou Wanda", "Ningbo Yinzhou Wanda Plaza Commercial Management Co., Ltd.",
     "19200.00", (4, 40), ("ago", 4, 14, 20), None),
)
# The Laowaitan store: opened in the second month, closed at the end of the fifth (its mall lost
# its anchor tenant); the partner recorded the closing weeks later, after that month's statement
# was released, so the next statement takes back the subsidy paid for the days after it.
LAOWAITAN_OUTLET = {"address": "No. 77 Zhongma Road, Laowaitan, Jiangbei District, Ningbo", "city": "ZJ-NB",
                    "kind": "store", "opened": ("m", 1, 8, 10, 0), "closed_on": (4, 26),
                    "recorded": ("m", 5, 22, 17, 0)}
LAOWAITAN_SALES = {"handsets": 62000, "broadband": 9500}  # a month's sales once under way


def _outlet(ctx, email, name):
    return db.session.scalar(sa.select(Outlet).where(Outlet.partner_id == _partner_of(ctx, email).id,
                                                     Outlet.name == name, Outlet.active.is_(True)))


def _lease_file(partner, outlet, landlord, rent, starts, ends):
    if re.search(r"[\u4e00-\u9fff]", partner.name):
        pdf = _record_pdf("房屋租赁合同（首页） / Lease agreement (first page)", (
            ("出租方 / Landlord", landlord), ("承租方 / Tenant", partner.name), ("房屋地址 / Premises", outlet.address),
            ("租赁期限 / Term", f"{starts:%Y-%m-%d} 至 {ends:%Y-%m-%d}"), ("月租金 / Monthly rent", f"{rent:,.0f}元")),
            "双方签字盖章页见原件。 / Signed and sealed by both parties; see the original.")
        return _upload(pdf, f"租赁合同-{outlet.name}.pdf", "application/pdf")
    png = _scan_png(("LEASE AGREEMENT (first page)", f"Landlord: {landlord}", f"Tenant: {partner.name}",
                     f"Premises: {outlet.address}", f"Term: {starts:%Y-%m-%d} to {ends:%Y-%m-%d}",
                     f"Monthly rent: CNY {rent:,.2f}", "Signed and sealed by both parties"))
    return _upload(png, "lease-scan.png", "image/png")


def _subsidy_steps(ctx):
    """Lease proofs sent by the partners' admins and reviewed by their managers: accepted for most
    outlets (the campus outlet's late, so its first month is paid with the next statement), one
    rejected (an online shop's warehouse), one awaiting review (the renewal of a lease that ran
    out, whose outlet is paid nothing meanwhile); the Ningbo partner's fourth store opened,
    reported its sales, and closed with a backdated closing date after that month was paid."""
    start, steps = _agreement_start(ctx), []
    rng = random.Random("demo-subsidies")
    partner2, grace = _partner_of(ctx, PARTNER2), ctx.users[PARTNER2]

    def send(moment, key, email, name, landlord, rent, months):
        partner, user = _partner_of(ctx, email), ctx.users[email]
        outlet = _outlet(ctx, email, name)
        starts, ends = add_months(start, months[0]), add_months(start, months[1]) - timedelta(days=1)
        data = {"outlet_id": outlet.id, "landlord": landlord, "monthly_rent": rent, "starts_on": starts,
                "ends_on": ends}
        file = _lease_file(partner, outlet, landlord, Decimal(rent), starts, ends)
        with acting_as(user), _dated(moment, LeaseProof, StoredFile):
            proofs[key] = subsidies.upload(partner, data, file, user)

    def decide(moment, key, outcome, note):
        proof = proofs[key]
        manager = proof.partner.manager
        with acting_as(manager), _dated(moment) as before:
            (subsidies.accept if outcome == "accepted" else subsidies.reject)(proof, manager, note)
        _touch(proof, reviewed_at=moment, updated_at=moment)
        _restate(before, "reviewed_at", moment)

    def open_store(moment):
        spec = LAOWAITAN_OUTLET
        with acting_as(grace), _dated(moment, Outlet):
            partner_services.add_outlet(partner2, {
                "name": LAOWAITAN, "address": spec["address"], "city": ctx.areas[spec["city"]].city,
                "kind": spec["kind"], "opened_on": _day(moment)}, grace, today=_day(moment))

    def report(moment, month, share):
        """The store's figures of ``month``, entered by form the day after the partner's import."""
        outlet, lines = _outlet(ctx, PARTNER2, LAOWAITAN), {p.code: p for p in ctx.products}
        for code, base in LAOWAITAN_SALES.items():
            purchases, units, amount, returns, stock = _psi_figures(rng, code, base * share * rng.uniform(0.9, 1.1),
                                                                    stock_left.get(code, 0))
            stock_left[code] = stock
            figures = {"purchases": purchases, "sales": units, "sales_amount": str(amount),
                       "returns_amount": str(returns), "closing_inventory": stock}
            with acting_as(grace), _dated(moment, PsiEntry):
                psi.submit_report(partner2, outlet.id, lines[code].id, month, figures, grace, now=moment)

    def close_store(moment):
        outlet, (month, day) = _outlet(ctx, PARTNER2, LAOWAITAN), LAOWAITAN_OUTLET["closed_on"]
        with acting_as(grace), _dated(moment):
            subsidies.set_closed_on(outlet, add_months(start, month) + timedelta(days=day - 1), _day(moment))
            partner_services.set_outlet_active(outlet, False, grace)
            db.session.flush()
        _touch(outlet, updated_at=moment)

    proofs, stock_left = {}, {}
    for key, (email, name, landlord, rent, months, sent, review) in enumerate(LEASES):
        steps.append((_when(ctx, sent), send, key, email, name, landlord, rent, months))
        if review is not None:
            when, outcome, note = review
            steps.append((_when(ctx, when), decide, key, outcome, note))
    steps.append((_when(ctx, LAOWAITAN_OUTLET["opened"]), open_store))
    for month, share in ((1, 0.7), (2, 1.0), (3, 1.05), (4, 0.8)):  # opened on the 8th, closed on the 26th
        steps.append((_when(ctx, ("m", month + 1, 3, 9, 30)), report, add_months(start, month), share))
    steps.append((_when(ctx, LAOWAITAN_OUTLET["recorded"]), close_store))
    return steps


# ---- inspections and rectification orders -----------------------------------------------------------

CHECKLIST = {"name_zh": "网点检查标准（宣传、服务、合规）", "name_en": "Outlet inspection standard (publicity, service, compliance)"}
CHECKLIST_ITEMS = (  # each scored 0–10, passed from 6
    ("门头、店招整洁完好，灯箱正常", "Shopfront and sign clean and intact, light box working"),
    ("海报、资费牌为本季度最新版本，摆放规范", "Posters and tariff boards are this quarter's and properly displayed"),
    ("店员主动接待，统一着装、佩戴工牌", "Staff greet customers, in uniform and with name badges"),
    ("准确介绍资费和合约期，不夸大宣传", "Tariffs and contract terms explained correctly, nothing oversold"),
    ("实名制：现场核验身份证并完成人像比对", "Real-name rule: ID checked in person, with the face match"),
    ("业务单由客户本人签字确认", "Order forms signed by the customer"),
    ("有价卡、赠品逐笔登记，账实相符", "Prepaid cards and gifts recorded one by one; the register matches the stock"),
    ("按指导价销售，明码标价", "Sold at the guide price, with prices displayed"),
)
# Inspections by the outlet's channel manager, in the order made: (when, partner, outlet, kind,
# notes, photo taken, failed items). A failed item is {position: (score, note, required action,
# follow-up)}; the follow-up steps are ("answer", days after, hour, minute, who, text) and
# ("reinspect", days after, hour, minute, score, note, decision).
INSPECTIONS = (
    (("m", 0, 12, 10, 30), PARTNER, "鹏程通讯华强北旗舰店", "planned",
     "签约后首次巡店：门头已按我司标准更换，客流大，在岗店员6人，业务单和有价卡台账规范。", True, {}),
    (("m", 0, 19, 15, 0), PARTNER2, "Sanjiang Mobile Tianyi Square", "planned",
     "First visit since signing: tidy store, five staff on duty, stock and gift registers in order.", True, {}),
    (("m", 0, 26, 14, 20), PARTNER, "鹏程通讯南山科技园店", "mystery",
     "暗访员以咨询宽带为由进店：店员主动接待，畅享59介绍清楚，但未主动介绍融合169宽带。", False, {}),
    (("m", 1, 9, 10, 0), PARTNER, "鹏程通讯龙华地铁站专柜", "planned",
     "专柜空间有限，宣传品摆放较乱，资费牌仍为上季度版本。", True,
     {2: (4, "资费牌、海报仍为上季度版本", "更换为本季度的资费牌和海报并摆放整齐，完成后上传照片。", (
         ("answer", 4, 17, 40, STAFF, "已更换本季度资费牌和海报，旧版已回收，照片见附件。"),
         ("reinspect", 11, 10, 15, 9, "已更换为本季度版本，摆放整齐。", "复查合格，整改完成。")))}),
    (("m", 1, 15, 14, 0), PARTNER2, "Sanjiang Mobile Yinzhou Wanda", "planned",
     "Good footfall from the mall; only two staff on duty at lunchtime, so customers waited about ten minutes.",
     False, {}),
    (("m", 1, 23, 11, 10), PARTNER2, "Sanjiang Mobile Tianyi Square", "mystery",
     "Shopper asked about moving to Enjoy 99: clear explanation of the fee and the 24-month term; the broadband "
     "bundle was offered unprompted.", False, {}),
    (("m", 2, 7, 10, 0), PARTNER, "深圳大学校园营业点", "planned",
     "开学季客流大，校园39办理量高；有价卡台账缺少部分发放记录。", True,
     {7: (4, "有价卡台账缺少上月下旬的12笔发放记录", "补齐有价卡、赠品台账，逐笔登记发放对象和日期；此后每日闭店前盘点一次。", (
         ("answer", 5, 18, 5, PARTNER, "已补齐12笔发放记录，并安排店长每日闭店前盘点有价卡，台账照片见附件。"),
         ("reinspect", 12, 15, 30, 8, "台账已补齐，抽查10张有价卡账实相符。", "复查合格，结案。")))}),
    (("m", 2, 14, 15, 30), PARTNER2, LAOWAITAN, "planned",
     "First visit to the new Laowaitan store: shopfront and posters to standard; the staff are still learning the "
     "broadband tariffs.", True, {}),
    (("m", 2, 21, 14, 0), PARTNER2, "Sanjiang Mobile Yinzhou Wanda", "mystery",
     "Shopper asked about data: the salesperson said Enjoy 99 has unlimited data and did not mention the 24-month "
     "term.", False,
     {4: (3, "Told the shopper Enjoy 99 has unlimited data; the 24-month term was not mentioned",
          "Brief every salesperson on the Enjoy 99 terms (80 GB, 500 minutes, 24 months) and explain the contract "
          "term on every sale. Send the signed briefing sheet.", (
              ("answer", 6, 11, 20, PARTNER2, "All six salespeople were briefed on the Enjoy 99 terms; the signed "
                                              "briefing sheet is attached."),
              ("reinspect", 12, 16, 0, 8, "Terms explained correctly on the follow-up visit.",
               "Passed on re-inspection: closed.")))}),
    (("m", 2, 27, 10, 40), PARTNER, "鹏程通讯华强北旗舰店", "mystery",
     "暗访：排队约5分钟，店员介绍融合169宽带准确，主动说明合约期和违约责任。", False, {}),
    (("m", 3, 8, 10, 0), PARTNER, "鹏程通讯南山科技园店", "planned",
     "写字楼午休时段客流集中，宽带咨询较多；门头、资费牌规范。", True, {}),
    (("m", 3, 15, 15, 0), PARTNER2, "Sanjiang Mobile Tianyi Square", "planned",
     "Checked this week's order forms: two had neither the ID copy nor the face-match record.", True,
     {5: (5, "2 of 40 order forms this week without the ID copy or the face-match record",
          "Retrain the staff on the real-name rule and check every order form before filing it; send the training "
          "record.", (
              ("answer", 7, 17, 30, PARTNER2, "Staff retrained on the real-name rule; the store manager now checks "
                                              "every order form at closing. Training record attached."),
              ("reinspect", 14, 10, 30, 4, "Another order form without the face-match record this week.",
               "Failed again on re-inspection: escalated to the Ningbo branch. A further breach will be ruled as a "
               "conflict case.")))}),
    (("m", 3, 22, 11, 30), PARTNER, "鹏程通讯龙华地铁站专柜", "mystery",
     "暗访：店员接待热情，按面值销售有价卡，资费牌为最新版本。", False, {}),
    (("m", 4, 10, 10, 30), PARTNER2, "Sanjiang Mobile Yinzhou Wanda", "planned",
     "Passed on every point: shopfront repainted, new counter displays in place.", True, {}),
    (("m", 4, 16, 14, 40), PARTNER, "深圳大学校园营业点", "mystery",
     "暗访：学生咨询校园39，店员要求出示学生证和身份证，办理规范。", False, {}),
    (("m", 4, 22, 15, 0), PARTNER2, LAOWAITAN, "mystery",
     "A quiet afternoon: the mall around the store is half empty since its anchor tenant left.", False, {}),
    (("m", 4, 24, 10, 0), PARTNER, "鹏程通讯华强北旗舰店", "planned",
     "月末巡店：备货充足，促销物料按方案摆放，赠品台账与库存一致。", False, {}),
    (("m", 5, 9, 10, 0), PARTNER2, "Sanjiang Mobile Yinzhou Wanda", "planned",
     "Clean and well staffed, but the tariff board is out of date.", True,
     {2: (3, "The tariff board still shows last quarter's prices; no Family 169 posters",
          "Replace the tariff board and put up this quarter's Family 169 posters; send photos.", ())}),
    (("m", 5, 14, 15, 20), PARTNER, "鹏程通讯南山科技园店", "mystery",
     "暗访：店员准确介绍融合169宽带和新装赠送政策，未夸大宣传。", False, {}),
    (("m", 5, 20, 11, 0), PARTNER2, "Sanjiang Mobile Tianyi Square", "mystery",
     "Shopper asked for a 5G handset on contract: correct price and terms, and the real-name check was done "
     "properly this time.", False, {}),
    (("m", 5, 27, 10, 30), PARTNER, "鹏程通讯龙华地铁站专柜", "planned",
     "资费牌、价签规范；提醒店员有价卡必须按面值销售。", False, {}),
    # The mystery shop behind the price-cutting case (portal.demo_channel.cases), recorded that evening.
    (("ago", 12, 17, 30), PARTNER, "鹏程通讯龙华地铁站专柜", "mystery",
     "第三方暗访员07号试购：店员以95元/张出售100元面值有价卡，并称“买两张还能再便宜”。已另案处理（降价）。", False,
     {8: (0, "以95元/张出售100元面值有价卡", "立即停止折价销售有价卡；全部门店重新张贴最低销售价格通知，对专柜店员进行价格规定培训，"
                                           "上传培训签到表。", (
         ("answer", 3, 10, 40, PARTNER, "已对专柜店员停岗培训，全部门店重新张贴《最低销售价格通知》，培训签到表见附件。"),))}),
    (("ago", 3, 10, 0), PARTNER, "鹏程通讯南山科技园店", "planned",
     "门头灯箱右侧不亮，其余各项规范。", True,
     {1: (4, "门头灯箱右侧约三分之一不亮", "维修门头灯箱，修复后上传夜间照片。", ())}),
)
SIGN_COLOURS = {PARTNER: "#c8102e", PARTNER2: "#1f4e9c"}


def _inspection_steps(ctx):
    """The vendor's checklist (set up by the admin before the agreements started), then every
    month a few planned inspections and mystery shops of the partners' outlets by their channel
    managers, scored item by item with notes and photos. Failed items opened rectification
    orders: most were answered (with photos) and closed after a re-inspection; one failed its
    re-inspection and was escalated; one was never answered and is overdue; one is answered and
    awaits its re-inspection; one is open and not yet due."""
    rng = random.Random("demo-inspections")
    admin, state, orders = ctx.admin, {}, {}
    models = (Inspection, Rectification, StoredFile)

    def set_up(moment):
        with acting_as(admin), _dated(moment, InspectionChecklist):
            state["checklist"] = checklist = inspections.create_checklist(CHECKLIST, admin)
            for position, (zh, en) in enumerate(CHECKLIST_ITEMS, 1):
                inspections.add_item(checklist, {"text_zh": zh, "text_en": en, "max_score": 10, "pass_score": 6,
                                                 "position": position}, admin)

    def inspect(moment, key, email, name, kind, notes, photo, failed):
        checklist, manager = state["checklist"], _partner_of(ctx, email).manager
        scores = {}
        for position, item in enumerate(inspections.active_items(checklist), 1):
            score, note, action, _follow = failed.get(position, (rng.choice((7, 8, 8, 9, 9, 10, 10)), None, None, ()))
            scores[item.id] = {"score": score, "note": note, "action": action}
        photos = _photos(moment, SIGN_COLOURS[email]) if photo else ()
        with acting_as(manager), _dated(moment, *models):
            inspection = inspections.record_inspection(manager, _outlet(ctx, email, name), checklist, kind,
                                                       _day(moment), scores, notes=notes, photos=photos,
                                                       today=_day(moment))
        for order in inspections.rectifications_of(inspection):
            orders[key] = order

    def answer(moment, key, email, text):
        order, user = orders[key], ctx.users[email]
        colour = SIGN_COLOURS[PARTNER if order.partner_id == _partner_of(ctx, PARTNER).id else PARTNER2]
        with acting_as(user), _dated(moment, RectificationPhoto, StoredFile) as before:
            inspections.answer_rectification(order, user, order.partner, text, photos=_photos(moment, colour))
        _touch(order, answered_at=moment, updated_at=moment)
        _restate(before, "answered_at", moment)

    def reinspect(moment, key, score, note, decision):
        order = orders[key]
        manager = order.partner.manager
        with acting_as(manager), _dated(moment, *models) as before:
            inspections.reinspect(order, manager, _day(moment), score, note=note, decision_note=decision,
                                  today=_day(moment))
        _touch(order, decided_at=moment, updated_at=moment)
        _restate(before, "decided_at", moment)

    steps = [(_when(ctx, ("d", -12, 16, 0)), set_up)]
    for key, (when, email, name, kind, notes, photo, failed) in enumerate(INSPECTIONS):
        moment = _when(ctx, when)
        steps.append((moment, inspect, key, email, name, kind, notes, photo, failed))
        for _score, _note, _action, follow in failed.values():
            for action, days, hour, minute, *details in follow:
                at = _at(_day(moment) + timedelta(days=days), hour, minute)
                if action == "answer":
                    steps.append((at, answer, key, *details))
                else:
                    steps.append((at, reinspect, key, *details))
    return steps


# ---- commission statements and scorecards -------------------------------------------------------------

TIER_MINIMUMS = (("bronze", "0.00"), ("silver", "60.00"), ("gold", "80.00"))
# A manual correction on the Shenzhen partner's statement of the third month, entered before it was computed.
ADJUSTMENT = (PARTNER, 2, ("m", 3, 4, 15, 30), "1200.00",
              "经分公司审批：鹏程通讯已按协议特别条款完成华强北旗舰店、南山科技园店的门头形象改造并验收合格，"
              "给予一次性形象改造奖励1,200元。")
# The Shenzhen partner questions the clawback of returns on its latest released statement.
QUERY = (PARTNER, 4, ("ago", 2, 20, 15),
         "本期追回的移动套餐佣金中，有3户是携号转网失败后于次日重新办理入网的同一批用户，号码和套餐均未变化，并非销户。"
         "请核实后退还这3户对应的佣金。")


def _tier_reason(card, current):
    """Why the tier changes, in the manager's words: the month's total against the minimum."""
    proposed, month, total = card.proposed_tier, card.month, card.total
    down = current.min_score is not None and proposed.min_score < current.min_score
    if card.partner.manager.locale == "zh_CN":
        if down:
            return (f"{month.year}年{month.month}月评分卡总分{total}分，低于{current.name_zh}最低分{current.min_score}分，"
                    f"按评分卡建议调整为{proposed.name_zh}；总分重新达到{current.min_score}分后恢复。")
        return f"{month.year}年{month.month}月评分卡总分{total}分，达到{proposed.name_zh}最低分{proposed.min_score}分，按评分卡建议升级。"
    if down:
        return (f"The {month:%B %Y} scorecard totals {total} points, below the {current.name_en} minimum of "
                f"{current.min_score}: moved to {proposed.name_en}, as the scorecard proposes. Back to "
                f"{current.name_en} once the total reaches {current.min_score} again.")
    return (f"The {month:%B %Y} scorecard totals {total} points, at least the {proposed.name_en} minimum of "
            f"{proposed.min_score}: moved up to {proposed.name_en}, as the scorecard proposes.")


def _settlement_steps(ctx):
    """Each ended month's commission statement of each partner, computed by its channel manager
    early the next month (with the rent subsidy lines, the returns clawed back and, once, a manual
    correction with its reason), approved by the manager a few days later and released for
    payment by finance — never the approver — with the bank transfer's reference, by the 20th.
    Of the last month, the Shenzhen partner's statement is approved and awaits release, the
    Ningbo partner's is a draft (with the clawback of the closed store's subsidy). The Shenzhen
    partner's admin queried a clawback line of its latest released statement (a case). The
    admin gave the tiers their minimum scores after the first month; the scorecards of every
    month were computed early the next month (and this month's so far last night), and a
    manager changed a tier as proposed, with the reason."""
    rng = random.Random("demo-commissions")
    start, admin, cashier = _agreement_start(ctx), ctx.admin, ctx.users[FINANCE]
    statements = {}

    def compute(moment, email, month):
        partner = _partner_of(ctx, email)
        with acting_as(partner.manager), _dated(moment, CommissionStatement) as before:
            statements[email, month] = commissions.compute_statement(partner, add_months(start, month),
                                                                     partner.manager)
        _restate(before, "computed_at", moment)
        _touch(statements[email, month], computed_at=moment)

    def approve(moment, email, month):
        statement = statements[email, month]
        with acting_as(statement.partner.manager), _dated(moment) as before:
            commissions.approve(statement, statement.partner.manager)
        _touch(statement, approved_at=moment, updated_at=moment)
        _restate(before, "approved_at", moment)

    def release(moment, email, month):
        statement, day = statements[email, month], _day(moment)
        with acting_as(cashier), _dated(moment) as before:
            commissions.release(statement, cashier, f"ICBC{day:%Y%m%d}{rng.randint(100000, 999999)}", day, today=day)
        _touch(statement, released_at=moment, updated_at=moment)
        _restate(before, "released_at", moment)

    def adjust(moment):
        email, month, _when_, amount, reason = ADJUSTMENT
        partner = _partner_of(ctx, email)
        with acting_as(partner.manager), _dated(moment, CommissionAdjustment):
            commissions.add_adjustment({"partner_id": partner.id, "month": add_months(start, month),
                                        "product_line_id": None, "amount": amount, "reason": reason}, partner.manager)

    def query(moment):
        email, month, _when_, text = QUERY
        statement, user = statements[email, month], ctx.users[email]
        line = next(line for line in statement.lines if line.kind == "returns")
        with acting_as(user), _dated(moment, ConflictCase, CaseStatusChange, CommissionQuery) as before:
            raised = commissions.raise_query(statement, line, text, user)
        _case_due(raised.case_id, before, _day(moment) + timedelta(days=int(get_setting("case_due_days"))))

    def set_minimums(moment):
        with acting_as(admin), _dated(moment):
            for code, score in TIER_MINIMUMS:
                ctx.tiers[code].min_score = Decimal(score)
            db.session.flush()
        for code, _score in TIER_MINIMUMS:
            _touch(ctx.tiers[code], updated_at=moment)

    def score(moment, month):
        with _dated(moment, Scorecard):
            scorecards.compute_scorecards([_partner_of(ctx, e) for e in (PARTNER, PARTNER2)], add_months(start, month),
                                          now=moment)

    def review(moment, month):
        """The first time a month's scorecard proposes another tier, its manager applies it."""
        if db.session.scalar(sa.select(TierChange.id).limit(1)) is not None:
            return
        for email in (PARTNER2, PARTNER):
            partner = _partner_of(ctx, email)
            card = db.session.scalar(sa.select(Scorecard).where(Scorecard.partner_id == partner.id,
                                                                Scorecard.month == add_months(start, month)))
            if card.proposed_tier is not None and card.proposed_tier_id != partner.tier_id:
                with acting_as(partner.manager), _dated(moment) as before:
                    change = scorecards.apply_tier(partner, card.proposed_tier, _tier_reason(card, partner.tier),
                                                   partner.manager, scorecard=card)
                _touch(change, changed_at=moment)
                _restate(before, "changed_at", moment)
                _touch(partner, updated_at=moment)
                return

    steps = [(_when(ctx, ADJUSTMENT[2]), adjust), (_when(ctx, QUERY[2]), query),
             (_when(ctx, ("m", 1, 2, 9, 30)), set_minimums)]
    for month in range(5):
        for email, minute in ((PARTNER, 0), (PARTNER2, 20)):
            steps += [(_when(ctx, ("m", month + 1, 5, 10, minute)), compute, email, month),
                      (_when(ctx, ("m", month + 1, 8, 11, minute)), approve, email, month),
                      (_when(ctx, ("m", month + 1, 18, 15, minute)), release, email, month)]
        steps.append((_when(ctx, ("m", month + 1, 6, 2, 0)), score, month))
        if month:  # not after the first month, which was one of starting up
            steps.append((_when(ctx, ("m", month + 1, 7, 11, 0)), review, month))
    this_month = ((compute, PARTNER, 5), (compute, PARTNER2, 5), (score, 5), (review, 5), (approve, PARTNER, 5),
                  (score, 6))
    moments = _this_month(ctx, ((5, 10, 0), (5, 10, 20), (6, 2, 0), (7, 11, 0), (8, 11, 0), (ctx.today.day, 2, 0)))
    steps += [(moment, *step) for moment, step in zip(moments, this_month)]
    return steps


def money(ctx):
    """The finance user, then the partners' bank accounts, rent subsidies, inspections, commission
    statements and scorecards over the six months (see the functions above), in calendar order."""
    first_notification = _last_id(Notification)
    _user(ctx, FINANCE, created_at=ctx.now - timedelta(days=190))
    db.session.flush()
    _run(ctx, [*_bank_steps(ctx), *_subsidy_steps(ctx), *_inspection_steps(ctx), *_settlement_steps(ctx)])
    _read_older(first_notification, ctx, random.Random("demo-money"))
    db.session.flush()
