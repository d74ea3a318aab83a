"""Demo data of the channel at work, over the six months since the demo partners signed: policies
and news, promotional material, targets and results, conflict cases and complaints, and deal
registrations.

One function per area, taking the demo's context (``portal.demo._Ctx``) and called by
``portal.demo.load_demo_data`` after the training, inside its ``acting_as(admin)`` and
``_services_context()`` blocks (so the services can build links, and no e-mail leaves), in the
order ``announcements``, ``materials``, ``results``, ``cases``, ``deals`` (so that the cases are
numbered in the order they were opened).

As in the rest of the demo, every step goes through the services, acting as the person who would
take it, so that the records, their audit trail and the in-app notifications are what the portal
itself would have made. The services stamp what they write with the current time; each step runs
inside ``_dated(moment)`` (``portal.demo``), which then moves what the step wrote (new records,
audit rows, notifications) to that moment in the past. Where steps share a ledger or a numbering
(stock, cases), ``_run`` runs them in calendar order. Deterministic: the texts are fixed, the few
random values come from a seeded RNG per area, and every date is relative to ``ctx.now`` /
``ctx.today`` (a load on another day has the same story on other dates).

The demo content is data, not interface text: written in Chinese or English as a real user would
have typed it, and not translated.
"""
import io
import random
import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import sqlalchemy as sa
from flask import url_for
from werkzeug.datastructures import FileStorage

from portal.conflicts.models import CaseEntry, CaseStatusChange, ConflictCase
from portal.core.audit import AuditLog, acting_as
from portal.core.i18n import add_months
from portal.core.settings import get_setting
from portal.deals import services as deal_services
from portal.deals.models import DealRegistration
from portal.demo import (
    _agreement_start, _at, _credit_code, _dated, _day, _mobile, _moment, _restate, _set, _touch,
)
from portal.extensions import db
from portal.marketing import announcement_services
from portal.marketing.models import Announcement, AnnouncementAck
from portal.notifications.models import Notification
from portal.partners.models import Outlet, Partner

PARTNER, PARTNER2, STAFF = "partner@demo.example", "partner2@demo.example", "staff@demo.example"
MANAGER, MANAGER2 = "manager@demo.example", "manager2@demo.example"
ADMIN = "admin@demo.example"


def _partner_of(ctx, email):
    return db.session.get(Partner, ctx.users[email].partner_id)


def _zh(day):
    return f"{day.year}年{day.month}月{day.day}日"


def _en(day):
    return f"{day.day} {day:%B} {day.year}"


# ---- policies and news ------------------------------------------------------------------------------


def _announcement_specs(ctx):
    """Seven announcements. ``created``, ``published`` and each of ``acks`` are (days ago, hour,
    minute) in Beijing time, ``published`` None for a draft; ``expires`` is days from today
    (negative: in the past), None for no expiry; ``edit`` is a change made after publishing
    (when, and the new text); ``audience`` names channel type codes, territory codes and the
    e-mail of a partner's user (an empty audience reaches every partner)."""
    today = ctx.today
    quarter = (today.month - 1) // 3 + 1
    q_start = today.replace(month=3 * quarter - 2, day=1)
    q_end = add_months(q_start, 3) - timedelta(days=1)
    floor_from = today - timedelta(days=17)
    launch = today + timedelta(days=9)
    visits = [today + timedelta(days=n) for n in (4, 5, 7, 8)]
    renew_from = add_months(today.replace(day=1), 1)
    floor_rows = (
        "<tr><td>有价卡（充值卡）</td><td>按面值销售，不得折价</td></tr>"
        "<tr><td>终端手机（所有型号）</td><td>不低于我司发布的指导价的95%</td></tr>"
        "<tr><td>融合169宽带装机费</td><td>不得减免（促销政策另有规定的除外）</td></tr>"
    )
    floor_rows_en = (
        "<tr><td>Prepaid cards</td><td>Face value; never at a discount</td></tr>"
        "<tr><td>Handsets (every model)</td><td>At least 95% of our published guide price</td></tr>"
        "<tr><td>Family 169 installation fee</td><td>Never waived (unless a published promotion says so)</td></tr>"
    )
    contract_row = "<tr><td>合约机</td><td>不得以返现、加送话费或赠品等方式变相降价</td></tr>"
    contract_row_en = ("<tr><td>Handsets on contract</td><td>No hidden discounts: no cash back, extra call credit "
                       "or gifts</td></tr>")

    def floor_body(zh_rows, en_rows):
        return (
            f"<h3>最低销售价格</h3><p>为维护市场秩序，自{_zh(floor_from)}起，所有代理商及其网点按以下价格执行：</p>"
            f"<table><thead><tr><th scope=\"col\">项目</th><th scope=\"col\">最低价格</th></tr></thead>"
            f"<tbody>{zh_rows}</tbody></table>"
            "<p>低于以上价格销售的，按渠道规则中的<strong>降价</strong>处理：首次书面警告，再次从信誉保证金中扣除罚款。"
            "如需针对竞品开展价格活动，请先向渠道经理书面申请。</p>"
            f"<h3>Minimum selling prices</h3><p>From {_en(floor_from)}, every partner and outlet sells at no less "
            "than:</p>"
            f"<table><thead><tr><th scope=\"col\">Item</th><th scope=\"col\">Minimum price</th></tr></thead>"
            f"<tbody>{en_rows}</tbody></table>"
            "<p>Selling below these prices is <strong>price cutting</strong> under the channel rules: a written "
            "warning the first time, then a fine from the credit deposit. To answer a competitor's offer, ask your "
            "channel manager in writing first.</p>"
        )

    policy_rows = (
        ("畅享59", "套餐月费的60%", "月实收的8%", "在网满3个月"),
        ("畅享99", "套餐月费的80%", "月实收的10%", "在网满3个月"),
        ("校园39", "30元/户", "月实收的5%", "凭学生证办理，在网满3个月"),
        ("融合169", "150元/户", "月实收的8%", "宽带装机完成，合约期24个月"),
    )
    return (
        {
            "key": "commission", "author": ADMIN, "kind": "policy", "language": "zh_CN", "requires_ack": True,
            "title": f"{q_start.year}年第{quarter}季度移动套餐佣金政策",
            "body": (
                f"<h3>执行期</h3><p>{_zh(q_start)}至{_zh(q_end)}。本政策适用于所有签约代理商，上季度政策同时废止。</p>"
                "<h3>佣金标准</h3><table><thead><tr><th scope=\"col\">套餐</th><th scope=\"col\">首月佣金</th>"
                "<th scope=\"col\">分成佣金（第2–12个月）</th><th scope=\"col\">条件</th></tr></thead><tbody>"
                + "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td><td>{d}</td></tr>" for a, b, c, d in policy_rows)
                + "</tbody></table>"
                "<h3>考核与追回</h3><ul>"
                "<li>用户入网后3个月内销户、欠费停机或被认定为虚假用户的，首月佣金在下期结算中全额追回；</li>"
                "<li>季度新增有效用户达到协议月度目标合计的100%及以上的，分成佣金上浮1个百分点；</li>"
                "<li>佣金按月结算：每月10日前对账，次月20日前支付至贵司对公账户。</li></ul>"
                "<p>如有疑问，请联系您的渠道经理。</p>"
            ),
            "audience": {}, "created": (39, 16, 20), "published": (38, 9, 30), "expires": (q_end - today).days,
            "acks": {PARTNER: (36, 10, 12), PARTNER2: (30, 14, 47)},
        },
        {
            "key": "campus", "author": ADMIN, "kind": "policy", "language": "zh_CN", "requires_ack": True,
            "title": "校园专项促销：校园39套餐首月免费",
            "body": (
                "<h3>活动内容</h3><p>在校学生凭学生证办理校园39套餐，首月月费全免；每人限办1张。</p>"
                "<h3>执行要求</h3><ol><li>现场核验本人身份证和学生证，并完成人像比对；</li>"
                "<li>校园营业点须张贴统一的活动海报，不得自行加送赠品；</li>"
                "<li>活动期间校园39首月佣金按30元/户结算，在网满3个月后发放。</li></ol>"
                "<p>活动结束后，校园39恢复正常资费，已办理用户不受影响。</p>"
            ),
            "audience": {"channels": ("social", "campus")}, "created": (59, 15, 5), "published": (58, 9, 0),
            "expires": -12, "acks": {PARTNER: (57, 11, 25), STAFF: (55, 18, 3)},
        },
        {
            "key": "price_floor", "author": ADMIN, "kind": "policy", "language": None, "requires_ack": True,
            "title": "关于终端及有价卡最低销售价格的通知 / Minimum selling prices for handsets and prepaid cards",
            "body": floor_body(floor_rows, floor_rows_en),
            "audience": {}, "created": (21, 17, 40), "published": (20, 10, 0), "expires": None,
            "edit": ((18, 15, 30), floor_body(floor_rows + contract_row, floor_rows_en + contract_row_en)),
            "acks": {PARTNER2: (17, 9, 41)},
        },
        {
            "key": "shopfront", "author": MANAGER, "kind": "policy", "language": "zh_CN", "requires_ack": True,
            "title": "关于鹏程通讯门店形象改造验收的安排",
            "body": (
                "<p>黄总您好：按照合作协议的约定，贵司门店须按我司标准完成门头形象改造。验收安排如下：</p>"
                "<table><thead><tr><th scope=\"col\">门店</th><th scope=\"col\">验收日期</th>"
                "<th scope=\"col\">重点</th></tr></thead><tbody>"
                f"<tr><td>华强北旗舰店</td><td>{_zh(visits[0])}</td><td>门头灯箱、资费牌、体验台</td></tr>"
                f"<tr><td>南山科技园店</td><td>{_zh(visits[1])}</td><td>门头灯箱、资费牌</td></tr>"
                f"<tr><td>龙华地铁站专柜</td><td>{_zh(visits[2])}</td><td>专柜形象、价签</td></tr>"
                f"<tr><td>深圳大学校园营业点</td><td>{_zh(visits[3])}</td><td>校园活动海报、资费牌</td></tr>"
                "</tbody></table>"
                "<p>验收不合格的网点，将下发整改意见并规定完成期限；整改完成前，暂停该网点当月房补。"
                "如需调整验收日期，请提前3天告知。</p><p>王芳</p>"
            ),
            "audience": {"partners": (PARTNER,)}, "created": (16, 11, 15), "published": (16, 11, 40),
            "expires": (visits[-1] - today).days + 7, "acks": {PARTNER: (15, 8, 55)},
        },
        {
            "key": "sz_news", "author": MANAGER, "kind": "news", "language": "zh_CN", "requires_ack": False,
            "title": "深圳市场动态：竞争对手在华强北、科技园推出低价流量卡和宽带免费装",
            "body": (
                "<p>据一线门店反馈和上周的暗访，竞争对手近期在深圳有以下动作：</p><ul>"
                "<li><strong>华强北商圈</strong>：推出月租29元、含60GB通用流量的流量卡，首年半价，主要通过档口和地推销售；</li>"
                "<li><strong>南山科技园</strong>：在写字楼内地推宽带“免费装机＋首年每月49元”，须签两年合约；</li>"
                "<li><strong>龙华、宝安</strong>：部分门店旧机换新补贴最高800元。</li></ul>"
                "<h3>应对建议</h3><ul>"
                "<li>流量需求大的用户推荐畅享59，讲清全国通用流量和合约期；</li>"
                "<li>宽带用户推荐融合169（含500M宽带和2张副卡），本季度新装送2个月宽带月费；</li>"
                "<li>请勿自行降价或加送赠品；需要针对性政策的，请向渠道经理申请。</li></ul>"
                "<p>发现竞品新的促销，请通过门户反馈，尽量附上照片。</p>"
            ),
            "audience": {"territories": ("GD",)}, "created": (9, 16, 30), "published": (9, 17, 5), "expires": 20,
            "acks": {STAFF: (8, 12, 40)},
        },
        {
            "key": "handset_launch", "author": MANAGER2, "kind": "news", "language": "en", "requires_ack": True,
            "title": "Nova X5 5G handset launch: pre-orders and allocation for distributors",
            "body": (
                f"<p>The Nova X5, our co-branded 5G handset, goes on sale on {_en(launch)}. Distributors may "
                "pre-order now.</p>"
                "<h3>Models and prices</h3><table><thead><tr><th scope=\"col\">Model</th>"
                "<th scope=\"col\">Guide price</th><th scope=\"col\">Distributor price</th></tr></thead><tbody>"
                "<tr><td>Nova X5 8 GB + 256 GB</td><td>CNY 2,799</td><td>CNY 2,560</td></tr>"
                "<tr><td>Nova X5 12 GB + 512 GB</td><td>CNY 3,299</td><td>CNY 3,020</td></tr>"
                "</tbody></table>"
                "<h3>Pre-orders and allocation</h3><ul>"
                f"<li>Send your pre-order to your channel manager by {_en(launch - timedelta(days=4))}; allocation "
                "is confirmed within 3 working days;</li>"
                "<li>the first allocation is at most 300 units per distributor, in proportion to last quarter's "
                "handset purchases;</li>"
                "<li>launch offer: CNY 500 off the handset with the Enjoy 99 plan on a 24-month contract.</li></ul>"
                "<p>Demo units and posters come with the first delivery. Please confirm that you have read this "
                "notice.</p><p>Chen Jie</p>"
            ),
            "audience": {"channels": ("dealer",)}, "created": (6, 10, 10), "published": (6, 14, 0),
            "expires": (launch - today).days + 30, "acks": {},
        },
        {
            "key": "draft", "author": MANAGER, "kind": "policy", "language": "zh_CN", "requires_ack": True,
            "title": "宽带续约挽留政策（征求意见稿）",
            "body": (
                f"<p>拟自{_zh(renew_from)}起，对合约到期前60天内的宽带用户开展续约挽留：</p><ul>"
                "<li>续约24个月：赠送3个月宽带月费，或免费升级到1000M；</li>"
                "<li>续约并升级融合169：另送1张副卡，首年免月功能费；</li>"
                "<li>代理商续约佣金按首月月费的50%结算。</li></ul>"
                "<p>请各位同事在本周五前反馈意见，定稿后发布。</p>"
            ),
            "audience": {"territories": ("GD-SZ",)}, "created": (2, 17, 25), "published": None, "expires": None,
            "acks": {},
        },
    )


def _audience_rows(ctx, audience):
    areas = [ctx.areas[code] for code in audience.get("territories", ())]
    return {
        "channel_types": [ctx.channels[code] for code in audience.get("channels", ())],
        "tiers": [],
        "territories": [area.city or area.province for area in areas],
        "partners": [_partner_of(ctx, email) for email in audience.get("partners", ())],
    }


def announcements(ctx):
    """Seven policies and pieces of news, written and published by the admin (the vendor's channel
    department) and the two demo managers through the announcement services, for different
    audiences (every partner; Guangdong; the social and campus channels; dealers; the Shenzhen
    partner by name), published over the last 60 days: one is still a draft, one has expired, one
    was corrected after publishing. Publishing notified the partners' people in the portal. The
    demo partner users have confirmed reading some and not others (the notification of what they
    confirmed is read), so their home pages and the managers' read statistics show both."""
    for spec in _announcement_specs(ctx):
        author = ctx.users[spec["author"]]
        rows = _audience_rows(ctx, spec["audience"])
        data = {"title": spec["title"], "kind": spec["kind"], "body": spec["body"],
                "language": spec["language"] or "", "requires_ack": spec["requires_ack"],
                "expires_on": ctx.today + timedelta(days=spec["expires"]) if spec["expires"] is not None else None}
        created = _moment(ctx, *spec["created"])
        with acting_as(author), _dated(created, Announcement):
            announcement = announcement_services.save_announcement(None, data, rows, author, on=_day(created))
        if spec["published"] is None:
            continue
        published = _moment(ctx, *spec["published"])
        with acting_as(author), _dated(published) as before:
            announcement_services.publish(announcement, author, on=_day(published))
        _restate(before, "published_at", published)
        _touch(announcement, published_at=published, updated_at=published)
        if "edit" in spec:
            (days, hour, minute), body = spec["edit"]
            edited = _moment(ctx, days, hour, minute)
            with acting_as(author), _dated(edited):
                announcement_services.save_announcement(announcement, {**data, "body": body}, rows, author,
                                                        on=_day(edited))
            _touch(announcement, updated_at=edited)
        link = url_for("marketing.announcement", announcement_id=announcement.id)
        for email, when in spec["acks"].items():
            user, at = ctx.users[email], _moment(ctx, *when)
            assert at > published, spec["key"]
            with acting_as(user), _dated(at, AnnouncementAck):
                announcement_services.acknowledge(announcement, user)
            _set(Notification, sa.and_(Notification.user_id == user.id, Notification.link == link),
                 read_at=at - timedelta(minutes=3))
    db.session.flush()


# ---- deal registrations -----------------------------------------------------------------------------

# Registrations in the order they were made (by the user ``by`` of the partner of ``partner``).
# ``days``: when (days ago, hour, minute, Beijing time); ``code``: whether the partner had the
# customer's credit code (generated in the customer's city); ``phone``: as typed, or "mobile" for a
# generated mobile number; ``close``: the expected close, days after registering; ``steps``: what
# happened next, each (action, days ago, hour, minute, e-mail of who did it[, reason]) with action
# "approve", "reject", "won" or "lost".
DEALS = (
    {"partner": PARTNER2, "by": PARTNER2, "days": (33, 10, 5), "customer": "宁波北仑港顺物流有限公司",
     "code": True, "phone": "0574-86875210", "city": "ZJ-NB", "product": "broadband", "value": "96000.00",
     "close": 45,
     "description": "Broadband for the Beilun warehouse (3 buildings) and the head office: 2 x 1000M dedicated "
                    "lines and Wi-Fi for 40 handheld scanners. Decision by the IT manager, Mr Zhou.",
     "steps": (("approve", 31, 9, 40, MANAGER2),)},
    {"partner": PARTNER, "by": PARTNER, "days": (32, 15, 20), "customer": "深圳市前海云帆科技有限公司",
     "code": True, "phone": "mobile", "city": "GD-SZ", "product": "mobile", "value": "86400.00", "close": 30,
     "description": "员工120人，拟统一办理畅享99企业统付套餐，公司统一付费；行政部刘经理负责，已报价。",
     "steps": (("approve", 31, 11, 5, MANAGER), ("won", 6, 16, 30, PARTNER))},
    {"partner": PARTNER, "by": PARTNER, "days": (27, 9, 50), "customer": "深圳市安居宝物业服务有限公司",
     "code": True, "phone": "0755-29876631", "city": "GD-SZ", "product": "broadband", "value": "128000.00",
     "close": 75,
     "description": "龙华区3个小区（约900户）光纤入户改造，物业统一推荐我司融合169；需物业公司盖章的进场协议。",
     "steps": (("approve", 26, 14, 15, MANAGER),)},
    {"partner": PARTNER, "by": STAFF, "days": (24, 16, 0), "customer": "深圳市蓝湾酒店管理有限公司",
     "code": True, "phone": "mobile", "city": "GD-SZ", "product": "broadband", "value": "72000.00", "close": 20,
     "description": "南山区蓝湾酒店160间客房宽带及大堂Wi-Fi改造，客户同时在比较两家报价。",
     "steps": (("approve", 23, 10, 30, MANAGER), ("lost", 3, 11, 10, STAFF))},
    {"partner": PARTNER2, "by": PARTNER2, "days": (15, 11, 30), "customer": "宁波博纳电子有限公司",
     "code": True, "phone": "0574-87713520", "city": "ZJ-NB", "product": "handsets", "value": "560000.00",
     "close": 40,
     "description": "200 5G handsets for the sales and field service staff, with a 2-year service contract. "
                    "Met the purchasing director at their Ningbo head office; formal quotation sent.",
     "steps": (("approve", 14, 9, 15, MANAGER2),)},
    {"partner": PARTNER, "by": STAFF, "days": (12, 14, 45), "customer": "深圳市华强北鑫悦电子商行",
     "code": False, "phone": "mobile", "city": "GD-SZ", "product": "mobile", "value": "18000.00", "close": 14,
     "description": "商行老板想给店里15个员工办理畅享59，希望给一些优惠。",
     "steps": (("reject", 11, 10, 20, MANAGER,
                "该客户是分公司政企部直接服务的存量集团客户，不接受代理商报备。如客户有新增需求，请联系王芳转政企部。"),)},
    {"partner": PARTNER2, "by": PARTNER2, "days": (9, 15, 10), "customer": "宁波东钱湖旅游度假区开发有限公司",
     "code": True, "phone": "0574-88498012", "city": "ZJ-NB", "product": "broadband", "value": "150000.00",
     "close": 60,
     "description": "Wi-Fi for the scenic area's visitor centre and 6 car parks, with broadband for the ticket "
                    "offices. Tender expected next month.",
     "steps": (("approve", 8, 16, 40, MANAGER2),)},
    # The same customer as 宁波博纳电子有限公司 above, written as the purchasing manager's business card
    # gives it: it is held behind the Ningbo partner's approved registration, and a case opens.
    {"partner": PARTNER, "by": PARTNER, "days": (5, 10, 35), "customer": "宁波博纳电子有限责任公司",
     "code": False, "phone": "mobile", "city": "ZJ-NB", "product": "mobile", "value": "216000.00", "close": 30,
     "description": "客户采购部陈经理在深圳高交会上与我司接洽：宁波总部约300名员工需要办理企业套餐，希望由我司统一服务。",
     "steps": ()},
    {"partner": PARTNER, "by": STAFF, "days": (2, 11, 20), "customer": "深圳市优选便利店连锁有限公司",
     "code": True, "phone": "0755-26613348", "city": "GD-SZ", "product": "prepaid", "value": "60000.00",
     "close": 21,
     "description": "35家便利店代售有价卡（50元、100元面值），每月预计进货约2万元。",
     "steps": ()},
    {"partner": PARTNER2, "by": PARTNER2, "days": (1, 9, 45), "customer": "宁波海曙天一酒店有限公司",
     "code": True, "phone": "0574-87302266", "city": "ZJ-NB", "product": "broadband", "value": "88000.00",
     "close": 35,
     "description": "Broadband and Wi-Fi for 220 rooms and the conference centre; the hotel's contract with the "
                    "current provider ends in two months.",
     "steps": ()},
)


def deals(ctx):
    """Ten deal registrations by the two demo partners, through the deal services, over the last
    five weeks: customers in their cities, each step by the person who would take it — approved
    (protected) by their channel managers, one won, one lost, one rejected with the reason, some
    awaiting approval. One is held: the Shenzhen partner registered a Ningbo customer the Ningbo
    partner had registered (and had approved) ten days earlier, under another spelling of its
    name (有限责任公司 / 有限公司); the services held it and opened a deal poaching case."""
    rng = random.Random("demo-deals")
    codes = SimpleNamespace(rng=rng, credit_codes=ctx.credit_codes)
    products = {p.code: p for p in ctx.products}
    due_days = int(get_setting("case_due_days"))
    for spec in DEALS:
        user, partner = ctx.users[spec["by"]], _partner_of(ctx, spec["partner"])
        area = ctx.areas[spec["city"]]
        at = _moment(ctx, *spec["days"])
        data = {"customer_name": spec["customer"], "city": area.city, "product_line": products[spec["product"]],
                "credit_code": _credit_code(codes, area.division) if spec["code"] else None,
                "phone": _mobile(rng) if spec["phone"] == "mobile" else spec["phone"],
                "expected_value": Decimal(spec["value"]),
                "expected_close_on": _day(at) + timedelta(days=spec["close"]), "description": spec["description"]}
        with acting_as(user), _dated(at, DealRegistration, ConflictCase, CaseStatusChange) as before:
            registration = deal_services.register(partner, data, user, today=_day(at))
        if registration.case_id is not None:  # the services opened it today: due as if opened then
            _case_due(registration.case_id, before, _day(at) + timedelta(days=due_days))
        for step, days, hour, minute, email, *reason in spec["steps"]:
            actor, when = ctx.users[email], _moment(ctx, days, hour, minute)
            with acting_as(actor), _dated(when) as before:
                if step == "approve":
                    deal_services.approve(registration, actor, today=_day(when))
                elif step == "reject":
                    deal_services.reject(registration, actor, reason[0])
                else:
                    deal_services.mark_outcome(registration, step, actor, today=_day(when))
            _touch(registration, updated_at=when, decided_at=when)
            _restate(before, "decided_at", when)
    # What is a few days old has been seen; the latest news is still unread.
    seen_before = ctx.now - timedelta(days=3)
    kinds = ("deal_submitted", "deal_held", "deal_held_manager", "deal_approved", "deal_rejected", "deal_won",
             "deal_lost", "case_opened")
    unread = db.session.execute(sa.select(Notification.id, Notification.created_at).where(
        Notification.kind.in_(kinds), Notification.created_at < seen_before, Notification.read_at.is_(None))
        .order_by(Notification.id)).all()
    for notification_id, created_at in unread:
        _set(Notification, Notification.id == notification_id,
             read_at=created_at + timedelta(hours=rng.randint(1, 20)))
    db.session.flush()


def _case_due(case_id, before, due_on):
    """Set the due day of the case opened since ``before``, and say so in its audit row."""
    _touch(db.session.get(ConflictCase, case_id), due_on=due_on)
    rows = db.session.execute(sa.select(AuditLog.id, AuditLog.new_value).where(
        AuditLog.id > before[AuditLog], AuditLog.entity_type == "ConflictCase", AuditLog.action == "create")).all()
    for log_id, summary in rows:
        _set(AuditLog, AuditLog.id == log_id,
             new_value=re.sub(r"\bdue_on=[0-9-]+", f"due_on={due_on.isoformat()}", summary or ""))


# ---- a few helpers shared by the areas below ----------------------------------------------------------


def _run(ctx, steps):
    """Run ``steps`` — (moment, function, *arguments), each called as function(moment, *arguments)
    — in the order they happened, so that ledgers and numbers follow the calendar."""
    ordered = sorted(enumerate(steps), key=lambda item: (item[1][0], item[0]))
    for _n, (when, function, *arguments) in ordered:
        assert when < ctx.now, f"a step of the demo in the future: {function.__name__} at {when}"
        function(when, *arguments)


def _read_older(first_id, ctx, rng, days=3):
    """Of the notifications written since ``first_id``, those more than ``days`` old were read a
    few hours after they came; the latest news is still unread."""
    rows = db.session.execute(sa.select(Notification.id, Notification.created_at).where(
        Notification.id > first_id, Notification.read_at.is_(None),
        Notification.created_at < ctx.now - timedelta(days=days)).order_by(Notification.id)).all()
    for notification_id, created_at in rows:
        _set(Notification, Notification.id == notification_id,
             read_at=created_at + timedelta(hours=rng.randint(1, 20)))


def _last_id(model):
    return db.session.scalar(sa.select(sa.func.max(model.id))) or 0


def _upload(data, name, content_type):
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)


# ---- promotional material ---------------------------------------------------------------------------

WAREHOUSES = (
    {"code": "SZ-CENTRAL", "name": "深圳中心库 / Shenzhen central store", "territory": "GD-SZ",
     "address": "深圳市宝安区福永街道凤凰第四工业区12栋一楼"},
    {"code": "NB-STORE", "name": "宁波仓库 / Ningbo store", "territory": "ZJ-NB",
     "address": "宁波市北仑区新碶街道明州路18号3号库"},
)
# code, Chinese name, English name, category, unit, unit value (CNY), serial-tracked, description
ITEMS = (
    ("POSTER-A2", "A2促销海报（融合169）", "A2 promotional poster (Family 169)", "poster", "张", "3.50", False,
     "A2（420×594毫米）铜版纸海报，每季度按主推套餐更新。 / A2 (420 × 594 mm) coated paper, updated each quarter."),
    ("DISPLAY-COUNTER", "亚克力柜台展示架", "Acrylic counter display", "poster", "个", "128.00", False,
     "放置资费单页和新品介绍，含A4插页。 / Holds tariff leaflets and new-product cards; A4 inserts included."),
    ("GIFT-UMBRELLA", "品牌折叠雨伞", "Branded folding umbrella", "gift", "把", "25.00", False,
     "新装宽带、升档套餐客户赠品，发放须登记。 / A gift for new broadband and upgrade customers; record each one."),
    ("GIFT-POWERBANK", "10000mAh充电宝", "10,000 mAh power bank", "gift", "个", "59.00", False,
     "合约客户赠品，发放须登记。 / A gift for customers on contract; record each one."),
    ("CARD-50", "有价卡（50元面值）", "Prepaid card, CNY 50", "prepaid_card", "张", "50.00", True,
     "按面值销售，逐张登记序列号。 / Sold at face value; each serial number is recorded."),
    ("CARD-100", "有价卡（100元面值）", "Prepaid card, CNY 100", "prepaid_card", "张", "100.00", True,
     "按面值销售，逐张登记序列号。 / Sold at face value; each serial number is recorded."),
    ("CAMPUS-KIT", "校园促销物料包", "Campus promotion kit", "campus_kit", "套", "260.00", False,
     "易拉宝1个、桌布1块、传单500张。 / A roll-up banner, a table cover and 500 leaflets."),
)
# Receipts (入库), in days after the agreements' start (``after``) or days ago (``ago``):
# (when, hour, minute, warehouse, item, quantity, or the serial range (prefix, first, last, digits)).
RECEIPTS = (
    (("after", 5), 10, 0, "SZ-CENTRAL", "POSTER-A2", 1000),
    (("after", 5), 10, 20, "SZ-CENTRAL", "DISPLAY-COUNTER", 20),
    (("after", 5), 10, 40, "SZ-CENTRAL", "GIFT-UMBRELLA", 300),
    (("after", 5), 11, 0, "SZ-CENTRAL", "GIFT-POWERBANK", 200),
    (("after", 5), 11, 20, "SZ-CENTRAL", "CAMPUS-KIT", 20),
    (("after", 6), 9, 30, "SZ-CENTRAL", "CARD-50", ("YJK", 10001, 10500, 8)),
    (("after", 6), 9, 50, "SZ-CENTRAL", "CARD-100", ("YJK", 50001, 50300, 8)),
    (("after", 7), 14, 0, "NB-STORE", "POSTER-A2", 600),
    (("after", 7), 14, 20, "NB-STORE", "DISPLAY-COUNTER", 12),
    (("after", 7), 14, 40, "NB-STORE", "GIFT-UMBRELLA", 150),
    (("after", 7), 15, 0, "NB-STORE", "GIFT-POWERBANK", 150),
    (("ago", 60), 10, 30, "SZ-CENTRAL", "POSTER-A2", 500),
    (("ago", 60), 10, 50, "SZ-CENTRAL", "GIFT-POWERBANK", 100),
    (("ago", 30), 15, 10, "NB-STORE", "GIFT-POWERBANK", 100),
)
# Requests, in the order they were made. ``days``: when (days ago, hour, minute); ``runs``: the
# campaign's first and last day, in days after the request; ``steps``: what happened next, each
# (action, (days ago, hour, minute), e-mail of who did it, details).
MATERIAL_REQUESTS = (
    {"partner": PARTNER, "by": PARTNER, "days": (150, 10, 20), "runs": (2, 30),
     "campaign": "门店开业形象布置",
     "plan": "协议生效后各门店按我司标准更换店内宣传：华强北旗舰店、南山科技园店各张贴海报80张并摆放展示架2个，"
             "龙华地铁站专柜和深圳大学校园营业点各张贴海报20张。",
     "outlets": ("鹏程通讯华强北旗舰店", "鹏程通讯南山科技园店", "鹏程通讯龙华地铁站专柜", "深圳大学校园营业点"),
     "lines": {"POSTER-A2": 200, "DISPLAY-COUNTER": 4},
     "steps": (("decide", (149, 9, 30), MANAGER, {"decision": "all"}),
               ("ship", (147, 15, 0), ADMIN, {"carrier": "顺丰速运", "tracking": "SF1402661730215"}),
               ("receive", (145, 11, 10), STAFF, {}),
               ("usage", (118, 17, 30), PARTNER, {"lines": {"POSTER-A2": (185, 15, "15张留作破损更换"),
                                                            "DISPLAY-COUNTER": (4, 0, None)},
                                                  "note": "海报和展示架已按计划布置完毕。"}),
               ("review", (116, 10, 0), MANAGER, {"outcome": "accepted",
                                                  "note": "巡店时已核对四家门店，张贴和摆放规范，与台账一致。"}))},
    {"partner": PARTNER2, "by": PARTNER2, "days": (100, 14, 5), "runs": (3, 75),
     "campaign": "Home broadband campaign in Yinzhou",
     "plan": "Posters in both own stores and in the 20 retail outlets we supply; counter displays at Tianyi Square "
             "and Yinzhou Wanda; one power bank for each customer who signs up for Family 169 broadband on a "
             "24-month contract, written in the gift register.",
     "outlets": ("Sanjiang Mobile Tianyi Square", "Sanjiang Mobile Yinzhou Wanda"),
     "lines": {"POSTER-A2": 150, "DISPLAY-COUNTER": 3, "GIFT-POWERBANK": 100},
     "steps": (("decide", (99, 10, 40), MANAGER2, {"decision": "all"}),
               ("ship", (97, 16, 15), MANAGER2, {"carrier": "ZTO Express", "tracking": "78541236985214"}),
               ("receive", (95, 10, 30), PARTNER2, {"note": "All received in good condition."}),
               ("usage", (20, 15, 45), PARTNER2, {
                   "lines": {"POSTER-A2": (140, 10, None), "DISPLAY-COUNTER": (3, 0, None),
                             "GIFT-POWERBANK": (92, 8, "8 left at Tianyi Square")},
                   "note": "92 power banks went to new Family 169 customers, each in the gift register."}))},
    {"partner": PARTNER, "by": STAFF, "days": (40, 16, 30), "runs": (2, 50),
     "campaign": "宽带新装促销（南山科技园店）",
     "plan": "南山科技园店周边写字楼地推：新装融合169宽带的客户赠送雨伞或充电宝一份，登记客户姓名和号码；"
             "50元有价卡在店内按面值代售，逐张登记。",
     "outlets": ("鹏程通讯南山科技园店",),
     "lines": {"GIFT-UMBRELLA": 150, "GIFT-POWERBANK": 60, "CARD-50": 100},
     "steps": (("decide", (39, 11, 15), MANAGER, {"decision": "all"}),
               ("ship", (37, 14, 20), ADMIN, {"carrier": "顺丰速运", "tracking": "SF1403228566190"}),
               ("receive", (35, 10, 5), STAFF, {"note": "雨伞到货150把，其中1把伞骨损坏，已拍照留存。"}))},
    {"partner": PARTNER2, "by": PARTNER2, "days": (15, 16, 40), "runs": (5, 6),
     "campaign": "Ningbo University student services fair",
     "plan": "A stand at the student services fair: campus kits for the stand, leaflets for the students.",
     "outlets": ("Sanjiang Mobile Tianyi Square",),
     "lines": {"CAMPUS-KIT": 5},
     "steps": (("decide", (14, 9, 50), MANAGER2, {
         "decision": "none",
         "reason": "Campus kits are only for partners with a campus channel and outlets on campus; your agreement "
                   "covers handsets and home broadband in your own stores. I can send posters for your stores "
                   "instead."}),)},
    {"partner": PARTNER, "by": PARTNER, "days": (12, 9, 40), "runs": (1, 60),
     "campaign": "深圳大学校园营业点有价卡代售",
     "plan": "校园营业点按面值代售50元、100元有价卡，每张登记售出日期和购买人手机号，月底与门户台账核对。",
     "outlets": ("深圳大学校园营业点",),
     "lines": {"CARD-50": 200, "CARD-100": 100},
     "steps": (("decide", (11, 10, 10), MANAGER, {"decision": "all"}),
               ("pickup", (8, 15, 30), MANAGER, {}))},
    {"partner": PARTNER2, "by": PARTNER2, "days": (9, 11, 25), "runs": (8, 40),
     "campaign": "New 5G handset launch",
     "plan": "Counter displays and posters for the launch of the new 5G handset at Tianyi Square and Yinzhou Wanda "
             "(the Tmall shop's orders are collected at Tianyi Square).",
     "outlets": ("Sanjiang Mobile Tianyi Square", "Sanjiang Mobile Yinzhou Wanda"),
     "lines": {"DISPLAY-COUNTER": 3, "POSTER-A2": 100},
     "steps": (("decide", (8, 15, 50), MANAGER2, {"decision": "all"}),
               ("ship", (6, 10, 30), MANAGER2, {"carrier": "SF Express", "tracking": "SF1405773104821"}))},
    {"partner": PARTNER, "by": PARTNER, "days": (6, 14, 10), "runs": (4, 35),
     "campaign": "融合169宽带推广（龙华、南山）",
     "plan": "龙华地铁站专柜和南山科技园店开展为期一个月的融合169推广：张贴海报，新装客户赠送雨伞或充电宝一份，"
             "逐笔登记。",
     "outlets": ("鹏程通讯龙华地铁站专柜", "鹏程通讯南山科技园店"),
     "lines": {"POSTER-A2": 300, "GIFT-UMBRELLA": 200, "GIFT-POWERBANK": 100},
     "steps": (("decide", (5, 10, 25), MANAGER, {
         "decision": "part", "approved": {"POSTER-A2": 300, "GIFT-UMBRELLA": 80, "GIFT-POWERBANK": 50},
         "reason": "中心库雨伞库存不足150把，需兼顾其他代理商，本次批80把；充电宝按上次活动的实际发放量批50个。"
                   "海报全部批准。"}),)},
    {"partner": PARTNER, "by": STAFF, "days": (3, 11, 0), "runs": (5, 30),
     "campaign": "深圳大学校园营业点周末宣传",
     "plan": "周末在学生活动中心门口摆放易拉宝和桌布，宿舍区发放传单，介绍校园39套餐。",
     "outlets": ("深圳大学校园营业点",),
     "lines": {"CAMPUS-KIT": 2},
     "steps": (("decide", (1, 16, 20), MANAGER, {"decision": "all"}),)},
    {"partner": PARTNER2, "by": PARTNER2, "days": (2, 10, 15), "runs": (10, 17),
     "campaign": "Tianyi Square store anniversary week",
     "plan": "Anniversary week at Tianyi Square: an umbrella for each customer who signs a broadband contract, "
             "and a power bank for each handset bought with the Enjoy 99 plan; all written in the gift register.",
     "outlets": ("Sanjiang Mobile Tianyi Square",),
     "lines": {"GIFT-UMBRELLA": 100, "GIFT-POWERBANK": 50},
     "steps": ()},
)


def materials(ctx):
    """Promotional material over the six months of the partnerships, through the materials
    services: the catalogue of seven items and two warehouses (set up by the admin before the
    agreements started), receipts into stock (prepaid cards by serial range, YJK00010001–…),
    a write-off of water-damaged posters and a stocktake that found two umbrellas missing; a
    default quarterly allowance and a larger one for the Shenzhen partner, which sells prepaid
    cards; and nine requests by the two partners, one in each state a request can be in —
    awaiting approval, approved, partly approved (with the reason), rejected (with the reason),
    shipped (carrier and tracking number), picked up (prepaid cards, issued by serial range),
    received, usage reported and usage reviewed. Every step runs on its day, in calendar order."""
    from portal.materials import allowances, catalogue, request_services, stock
    from portal.materials.models import (
        MaterialAllowance, MaterialItem, MaterialRequest, StockMovement, UsageReport, Warehouse,
    )

    rng = random.Random("demo-materials")
    first_notification = _last_id(Notification)
    admin, start = ctx.admin, _agreement_start(ctx)
    items, warehouses, requests = {}, {}, []

    def at(when, hour, minute=0):
        """A moment given as ("after", days after the agreements' start) or ("ago", days ago)."""
        kind, days = when
        day = start + timedelta(days=days) if kind == "after" else ctx.today - timedelta(days=days)
        return _at(day, hour, minute)

    def set_up(moment):
        with acting_as(admin), _dated(moment, MaterialItem, Warehouse):
            for code, zh, en, category, unit, value, tracked, description in ITEMS:
                items[code] = catalogue.create_item({
                    "code": code, "name_zh": zh, "name_en": en, "category": category, "unit": unit,
                    "unit_value": value, "serial_tracked": tracked, "description": description}, admin)
            for spec in WAREHOUSES:
                area = ctx.areas[spec["territory"]]
                warehouses[spec["code"]] = catalogue.create_warehouse({
                    "code": spec["code"], "name": spec["name"], "territory_id": area.city.id,
                    "address": spec["address"]}, admin)

    def allow(moment, actor, partner_email, value, note):
        partner = _partner_of(ctx, partner_email) if partner_email else None
        with acting_as(actor), _dated(moment, MaterialAllowance):
            allowances.save_allowance(actor, {"partner": partner, "item": None, "max_value": value, "note": note})

    def receive(moment, number, warehouse, item, quantity):
        actor = admin if warehouse == "SZ-CENTRAL" else ctx.users[MANAGER2]
        note = f"DN-{_day(moment):%Y%m%d}-{number:02d}"  # the supplier's delivery note
        serial_range = None
        if isinstance(quantity, tuple):
            prefix, first, last, digits = quantity
            serial_range, quantity = {"prefix": prefix, "first": first, "last": last, "digits": digits}, None
        with acting_as(actor), _dated(moment, StockMovement):
            stock.receive(items[item], warehouses[warehouse], actor, quantity=quantity, reference=note,
                          serial_range=serial_range,
                          reason="供应商到货，已清点" if warehouse == "SZ-CENTRAL" else "Delivered by the supplier; counted")

    def write_off(moment):
        manager2 = ctx.users[MANAGER2]
        with acting_as(manager2), _dated(moment, StockMovement):
            stock.adjust(items["POSTER-A2"], warehouses["NB-STORE"], -20,
                         "20 posters water-damaged by a roof leak in bay 3; written off.", manager2)

    def count(moment):
        manager = ctx.users[MANAGER]
        item, warehouse = items["GIFT-UMBRELLA"], warehouses["SZ-CENTRAL"]
        counted = stock.level(item.id, warehouse.id).on_hand - 2
        with acting_as(manager), _dated(moment, StockMovement):
            stock.stocktake(item, warehouse, counted, "季度盘点：雨伞少2把，原因待查。", manager)

    def submit(moment, spec):
        user, partner = ctx.users[spec["by"]], _partner_of(ctx, spec["partner"])
        outlets = {outlet.name: outlet.id for outlet in partner.outlets}
        day = _day(moment)
        data = {"quantities": {items[code].id: str(quantity) for code, quantity in spec["lines"].items()},
                "outlet_ids": [outlets[name] for name in spec["outlets"]], "campaign": spec["campaign"],
                "plan": spec["plan"], "starts_on": day + timedelta(days=spec["runs"][0]),
                "ends_on": day + timedelta(days=spec["runs"][1])}
        with _dated(moment, MaterialRequest):
            requests.append(request_services.submit_request(partner, user, data, today=day))

    def step(moment, index, action, email, details):
        request_, actor = requests[index], ctx.users[email]
        lines = {line.item.code: line for line in request_.lines}
        warehouse = warehouses["SZ-CENTRAL" if request_.partner_id == _partner_of(ctx, PARTNER).id else "NB-STORE"]
        with _dated(moment, StockMovement, UsageReport) as before:
            if action == "decide":
                approved = {lines[code].id: str(n) for code, n in details.get("approved", {}).items()}
                request_services.decide_request(request_, actor, details["decision"], warehouse=warehouse,
                                                approved=approved, reason=details.get("reason"))
            elif action in ("ship", "pickup"):
                request_services.fulfil_request(request_, actor, "ship" if action == "ship" else "pickup",
                                                carrier=details.get("carrier"), tracking_number=details.get("tracking"))
            elif action == "receive":
                request_services.confirm_receipt(request_, actor, details.get("note"))
            elif action == "usage":
                figures = {lines[code].id: {"handed_out": str(out), "remaining": str(left), "note": note}
                           for code, (out, left, note) in details["lines"].items()}
                request_services.report_usage(request_, actor, figures, details.get("note"))
            else:
                request_services.review_usage(request_, actor, details["outcome"], details.get("note"))
        field = {"decide": "decided_at", "ship": "fulfilled_at", "pickup": "fulfilled_at",
                 "receive": "received_at"}.get(action)
        if field:
            _touch(request_, **{field: moment})
            _restate(before, field, moment)
        if action == "review":
            _touch(request_.usage_report, reviewed_at=moment, updated_at=moment)
            _restate(before, "reviewed_at", moment)
        _touch(request_, updated_at=moment)

    steps = [(at(("after", -25), 10, 0), set_up),
             (at(("after", -3), 16, 30), allow, admin, None, "20000.00",
              "每家代理商每季度可获批物料的总值（有价卡按面值计）。"),
             (at(("after", 2), 11, 0), allow, ctx.users[MANAGER], PARTNER, "50000.00",
              "鹏程通讯代售有价卡，经分公司批准，每季度额度提高到5万元。"),
             (at(("ago", 50), 17, 10), write_off),
             (at(("ago", 25), 18, 0), count)]
    for number, (when, hour, minute, warehouse, item, quantity) in enumerate(RECEIPTS, 1):
        steps.append((at(when, hour, minute), receive, number, warehouse, item, quantity))
    for index, spec in enumerate(MATERIAL_REQUESTS):
        steps.append((_moment(ctx, *spec["days"]), submit, spec))
        for action, when, email, details in spec["steps"]:
            steps.append((_moment(ctx, *when), step, index, action, email, details))
    _run(ctx, steps)
    _read_older(first_notification, ctx, rng)
    db.session.flush()


# ---- targets and results ----------------------------------------------------------------------------

# Each outlet's share of its partner's sales of a product line (the shares of a line add up to 1).
PSI_OUTLETS = {
    PARTNER: {
        "鹏程通讯华强北旗舰店": {"mobile": 0.36, "broadband": 0.45, "prepaid": 0.34},
        "鹏程通讯南山科技园店": {"mobile": 0.30, "broadband": 0.55, "prepaid": 0.24},
        "鹏程通讯龙华地铁站专柜": {"mobile": 0.18, "prepaid": 0.26},
        "深圳大学校园营业点": {"mobile": 0.16, "prepaid": 0.16},
    },
    PARTNER2: {
        "Sanjiang Mobile Tianyi Square": {"handsets": 0.40, "broadband": 0.55},
        "Sanjiang Mobile Yinzhou Wanda": {"handsets": 0.32, "broadband": 0.45},
        "Sanjiang Mobile Tmall shop": {"handsets": 0.28},
    },
}
# Monthly sales (CNY) of each partner and product line once under way, and how the months of the
# partnership ramp up to it (the first month of the agreement first).
PSI_DEMAND = {
    PARTNER: {"mobile": (160000, (0.94, 1.02, 1.06, 1.08, 1.1, 1.12, 1.12)),
              "broadband": (40000, (0.6, 0.85, 1.0, 1.05, 1.1, 1.1, 1.1)),
              "prepaid": (31000, (0.8, 1.0, 1.0, 1.0, 1.02, 1.02, 1.02))},
    PARTNER2: {"handsets": (500000, (0.75, 0.9, 1.0, 1.0, 1.0, 0.98, 0.98)),
               "broadband": (58000, (0.5, 0.8, 0.95, 1.0, 1.05, 1.05, 1.05))},
}
# The seasons, by calendar month: the Spring Festival, the summer holidays and the start of the
# academic year, and the online shopping festivals of June (618) and November (Double 11).
SEASON = {1: 1.08, 2: 0.82, 3: 0.96, 4: 0.98, 5: 1.0, 6: 1.04, 7: 0.94, 8: 0.97, 9: 1.1, 10: 1.04, 11: 1.08,
          12: 1.06}
CAMPUS_SEASON = {1: 0.5, 2: 0.15, 3: 1.3, 4: 1.05, 5: 1.0, 6: 0.85, 7: 0.1, 8: 0.35, 9: 2.4, 10: 1.3, 11: 1.1,
                 12: 1.0}
ONLINE_SEASON = {1: 1.1, 2: 0.7, 6: 1.9, 11: 2.1, 12: 1.2}
UNIT_PRICE = {"mobile": 168, "broadband": 1180, "prepaid": 78, "handsets": 2350}  # average CNY per unit sold
# The Shenzhen partner's outlet in Dongguan, outside its territory: open for a few weeks two months ago.
DONGGUAN_OUTLET = ("鹏程通讯东莞长安店", "东莞市长安镇长安中路168号万科广场一楼", "GD-DG", "store")
DONGGUAN_SALES = {"mobile": 24000, "prepaid": 5200}
PSI_HEADERS = {
    PARTNER: ("月份", "网点", "产品线", "进货", "销量", "销售额", "退货额", "库存"),
    PARTNER2: ("Month", "Outlet", "Product line", "Purchases", "Sales", "Sales amount", "Returns amount",
               "Closing inventory"),
}
BEHIND_FROM_DAY = 10  # the Ningbo partner reports this month's figures from the 10th on (see ``results``)
MOBILE_TARGET_RAISE = ("180000.00", "华强北旗舰店完成门头改造后客流明显提升，移动套餐销售持续高于目标。经与黄总沟通确认，"
                                    "自下月起移动套餐月度目标由15万元上调至18万元。")


def _psi_figures(rng, line, amount, stock):
    """(purchases, units sold, sales amount, returns amount, closing inventory) of one outlet and
    product line for a month of sales ``amount``; ``stock`` is the inventory carried over."""
    amount = Decimal(str(round(amount, 2))).quantize(Decimal("0.01"))
    units = max(1, round(float(amount) / UNIT_PRICE[line])) if amount > 0 else 0
    returns = Decimal("0.00")
    if line == "mobile":  # lines cancelled within three months: their commission is clawed back
        returns = (amount * Decimal(str(round(rng.uniform(0.004, 0.018), 4)))).quantize(Decimal("0.01"))
    elif line == "handsets" and rng.random() < 0.5:
        returns = Decimal(UNIT_PRICE[line]).quantize(Decimal("0.01"))
    kept = round(units * rng.uniform(0.3, 0.6))  # what the outlet keeps in stock
    purchases = max(0, units + kept - stock)
    return purchases, units, amount, returns, stock + purchases - units


def results(ctx):
    """Six months of results of the two partners since their agreements started, through the
    results services: each month's purchase-sales-inventory (进销存) report per outlet and
    product line, imported as a spreadsheet by the partner early the next month, with the
    seasons (the Spring Festival, the campus year, 618 and Double 11 online) and the ramp-up of
    a new partner; this month's figures so far — the Shenzhen partner on track, the Ningbo
    partner well behind (customers wait for the new 5G handset; before the 10th it has not
    reported at all, which also counts as behind). Two months ago the Shenzhen partner sold for a
    few weeks from an outlet in Dongguan, outside its territory: its report opened a
    cross-territory case automatically, which its channel manager investigated, ruled (a
    warning; the outlet closed) and closed. The Shenzhen partner's mobile target was raised
    mid-way with a reason, and the managers record the money collected (回款) each month."""
    from portal.conflicts import services as case_services
    from portal.core.spreadsheets import write_csv
    from portal.partners import services as partner_services
    from portal.results import collections, psi, targets
    from portal.results.models import PartnerTarget, PaymentCollection, PsiEntry

    rng = random.Random("demo-results")
    first_notification = _last_id(Notification)
    manager, partner_user = ctx.users[MANAGER], ctx.users[PARTNER]
    partners = {email: _partner_of(ctx, email) for email in (PARTNER, PARTNER2)}
    lines = {p.code: p for p in ctx.products}
    start, current = _agreement_start(ctx), ctx.today.replace(day=1)
    months = [add_months(start, n) for n in range(7)]
    assert months[-1] == current
    days_in_month = (add_months(current, 1) - current).days
    so_far = ctx.today.day / days_in_month  # the share of this month gone by, today included
    # This month's figures so far were sent a few minutes ago (today, unless the day has just begun).
    now_import = min(max(ctx.now - timedelta(minutes=10), _at(ctx.today, 0, 1)), ctx.now - timedelta(seconds=30))
    dongguan = add_months(current, -2)
    state = {}  # what one step leaves for the next: the Dongguan outlet and its case

    # The figures, made up front (the seeded generator gives the same ones in every load).
    reports, net = {}, {}  # (email, month) -> CSV rows; net sales
    stock = {}
    for offset, month in enumerate(months):
        season = SEASON[month.month]
        for email, outlets in PSI_OUTLETS.items():
            if month == current and email == PARTNER2 and ctx.today.day < BEHIND_FROM_DAY:
                continue  # not reported yet this month
            rows, total = [], Decimal("0.00")
            shares = [(name, line, share) for name, split in outlets.items() for line, share in split.items()]
            if email == PARTNER and month == dongguan:
                shares += [(DONGGUAN_OUTLET[0], line, None) for line in DONGGUAN_SALES]
            for name, line, share in shares:
                if share is None:
                    amount = DONGGUAN_SALES[line] * rng.uniform(0.9, 1.1)
                else:
                    base, ramp = PSI_DEMAND[email][line]
                    amount = base * ramp[offset] * share * rng.uniform(0.94, 1.06)
                if month == current:  # the month so far, on track (the seasons show in the months past)
                    amount *= so_far
                    if email == PARTNER2:  # customers wait for the new handset; broadband slows too
                        amount *= {"handsets": 0.2, "broadband": 0.55}[line]
                elif name == "深圳大学校园营业点":
                    amount *= CAMPUS_SEASON[month.month]
                elif name == "Sanjiang Mobile Tmall shop":
                    amount *= season * ONLINE_SEASON.get(month.month, 1.0)
                elif share is not None:
                    amount *= season
                purchases, units, amount, returns, stock[name, line] = _psi_figures(
                    rng, line, amount, stock.get((name, line), 0))
                product = lines[line].name_zh if email == PARTNER else lines[line].name_en
                rows.append((f"{month:%Y-%m}", name, product, purchases, units, amount, returns, stock[name, line]))
                total += amount - returns
            reports[email, month], net[email, month] = rows, total

    def report(moment, email, month, user):
        partner = partners[email]
        data = write_csv(PSI_HEADERS[email], reports[email, month])
        with acting_as(user), _dated(moment, PsiEntry, ConflictCase, CaseStatusChange) as before:
            outcome = psi.import_reports(data, f"psi-{month:%Y-%m}.csv", partner, user)
        assert outcome.ok, outcome.errors
        for case in outcome.saved.cases:  # opened today by the services: due as if opened then
            _case_due(case.id, before, _day(moment) + timedelta(days=int(get_setting("case_due_days"))))
            state["case"] = case

    def open_outlet(moment):
        name, address, city, kind = DONGGUAN_OUTLET
        with acting_as(partner_user), _dated(moment, Outlet):
            state["outlet"] = partner_services.add_outlet(
                partners[PARTNER], {"name": name, "address": address, "city": ctx.areas[city].city, "kind": kind,
                                    "opened_on": _day(moment)}, partner_user, today=_day(moment))

    def close_outlet(moment):
        with acting_as(partner_user), _dated(moment):
            partner_services.set_outlet_active(state["outlet"], False, partner_user)
            db.session.flush()
        _touch(state["outlet"], updated_at=moment)

    def case_step(moment, action, email, text):
        case, actor = state.get("case"), ctx.users[email]
        assert case is not None, "the report from the Dongguan outlet opened no cross-territory case"
        with acting_as(actor), _dated(moment, CaseStatusChange, CaseEntry) as before:
            if action == "investigate":
                case_services.move_status(case, "investigating", actor, text)
            elif action == "answer":
                case_services.post_entry(case, actor, text, partner=partners[PARTNER])
            elif action == "note":
                case_services.post_entry(case, actor, text, internal=True)
            elif action == "rule":
                case_services.rule_case(case, actor, text, "warning", target=partners[PARTNER], today=_day(moment))
            else:
                case_services.move_status(case, "closed", actor, text)
        if action in ("rule", "close"):
            field = "ruled_at" if action == "rule" else "closed_at"
            _touch(case, **{field: moment})
            _restate(before, field, moment)
        _touch(case, updated_at=moment)

    def adjust(moment):
        with acting_as(manager), _dated(moment, PartnerTarget):
            targets.adjust_target(partners[PARTNER], lines["mobile"], add_months(current, -3), MOBILE_TARGET_RAISE[0],
                                  MOBILE_TARGET_RAISE[1], manager, today=_day(moment))

    def collect(moment, email, month):
        partner = partners[email]
        actor = partner.manager
        previous = add_months(month, -1)
        amount = (net[email, previous] * Decimal(str(round(rng.uniform(0.9, 1.0), 3)))).quantize(Decimal("1"))
        if email == PARTNER:
            reference, note = f"CMB{_day(moment):%Y%m%d}{rng.randint(1000, 9999)}", f"{previous.month}月进货款及有价卡结算款"
        else:
            reference, note = f"NBCB{_day(moment):%Y%m%d}{rng.randint(1000, 9999)}", \
                f"Payment for the {previous:%B %Y} purchases"
        with acting_as(actor), _dated(moment + timedelta(minutes=40), PaymentCollection):
            collections.record_collection(partner, f"{amount}.00", moment, reference, note, actor)

    steps = []
    for month in months:
        for email, hour in ((PARTNER, 10), (PARTNER2, 14)):
            if (email, month) not in reports:
                continue
            if month == current:
                moment = now_import - timedelta(minutes=5 if email == PARTNER2 else 0)
            else:
                moment = min(_at(add_months(month, 1) + timedelta(days=1), hour, 30), now_import - timedelta(hours=1))
            reporter = ctx.users[STAFF if email == PARTNER and month.month % 2 else email]
            steps.append((moment, report, email, month, reporter))
        for email, day, hour in ((PARTNER, 18, 11), (PARTNER2, 20, 15)):
            moment = _at(month + timedelta(days=day - 1), hour)
            if month != start and moment < ctx.now - timedelta(hours=2):
                steps.append((moment, collect, email, month))
    after = add_months(current, -1)  # the Dongguan case is handled the month after the sales
    steps += [
        (_at(dongguan + timedelta(days=5), 11, 0), open_outlet),
        (_at(after + timedelta(days=2), 9, 30), case_step, "investigate", MANAGER, "已联系黄总核实东莞长安店的经营情况。"),
        (_at(after + timedelta(days=2), 16, 20), case_step, "answer", PARTNER,
         "长安店是我司与当地合作方开设的临时促销点，开业时未意识到东莞不在协议区域内。我们愿意尽快停业，请经理指导。"),
        (_at(after + timedelta(days=4), 11, 0), case_step, "note", MANAGER,
         "东莞长安镇正在与鑫达通讯洽谈独家代理，鹏程在长安设点会影响签约，需尽快处理。"),
        (_at(after + timedelta(days=7), 10, 0), case_step, "rule", MANAGER,
         "鹏程通讯在协议区域（深圳市）以外的东莞市长安镇设点销售，属于窜货。鉴于系首次、销售额较小且主动配合，"
         "给予书面警告：长安店须于本月15日前停业，其在东莞的销售不计入业绩。"),
        (_at(after + timedelta(days=13), 18, 0), close_outlet),
        (_at(after + timedelta(days=14), 10, 30), case_step, "close", MANAGER, "经巡店核实，长安店已于本月14日停业，结案。"),
        (_at(add_months(current, -4) + timedelta(days=24), 15, 20), adjust),
    ]
    _run(ctx, steps)
    _read_older(first_notification, ctx, rng)
    db.session.flush()


# ---- conflict cases and complaints ------------------------------------------------------------------

MYSTERY_SHOPPING_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 18mm; }} body {{ font-family: {fonts}; font-size: 11pt; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #999; padding: 4pt 6pt; text-align: left; }} th {{ width: 30%; background: #f0f0f0; }}
</style></head><body>
<h1>{title}</h1>
<table><tbody>{rows}</tbody></table>
<p>{note}</p>
</body></html>"""


def _record_pdf(title, rows, note):
    """A one-page record (a mystery shopping sheet, a test purchase) as PDF bytes."""
    from markupsafe import escape

    from portal.core.pdf import FONT_STACK, render

    cells = "".join(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>" for label, value in rows)
    return render(MYSTERY_SHOPPING_HTML.format(fonts=FONT_STACK, title=escape(title), rows=cells, note=escape(note)))


def _screenshot_png(lines, colour):
    """A small PNG standing for a phone screenshot: a coloured bar and a few lines of text."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (720, 400), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 720, 64), fill=colour)
    for number, (text, size) in enumerate(lines):
        font = ImageFont.load_default(size=size)
        draw.text((28, 18 if number == 0 else 70 + 52 * number), text, fill="white" if number == 0 else "#222222",
                  font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def cases(ctx):
    """Channel conflict cases and a complaint, through the case services, besides the automatic
    ones (the deal poaching case of ``deals`` and the cross-territory case of ``results``):

    - a complaint from the Ningbo partner about the vendor (its rent subsidy not paid), under
      investigation and now overdue: answered once, checked with finance in an internal note;
    - a price-cutting case (降价) the Guangdong manager opened after mystery shopping found the
      Shenzhen partner's kiosk selling prepaid cards below face value, with the shopping record
      (PDF) shared with the partner, its answer, and a ruling that debits a ¥2,000 penalty from
      the partner's deposit;
    - a price-cutting case the Shenzhen partner opened about the Ningbo partner's Tmall shop
      (cash back on contract handsets, shipped to Shenzhen), with a screenshot (PNG) and a test
      order (PDF); the manager added the Ningbo partner, which answered with evidence of its own,
      and noted internally what is still to be checked: under investigation."""
    from portal.conflicts import services as case_services
    from portal.conflicts.models import CaseEvidence
    from portal.core.models import StoredFile
    from portal.partners.models import DepositMovement

    rng = random.Random("demo-cases")
    first_notification = _last_id(Notification)
    partner1, partner2 = _partner_of(ctx, PARTNER), _partner_of(ctx, PARTNER2)
    manager, manager2 = ctx.users[MANAGER], ctx.users[MANAGER2]
    opened = {}
    models = (ConflictCase, CaseStatusChange, CaseEntry, CaseEvidence, StoredFile, DepositMovement)

    def open_(moment, key, function, due_setting):
        with _dated(moment, *models) as before:
            case = opened[key] = function(moment)
        due = _day(moment) + timedelta(days=int(get_setting(due_setting)))
        _case_due(case.id, before, due)

    def act(moment, key, actor, function, stamped=None):
        """``function(case, moment)`` by ``actor``; ``stamped``: the case's field it sets to the clock."""
        case = opened[key]
        with acting_as(actor), _dated(moment, *models) as before:
            function(case, moment)
        if stamped:
            _touch(case, **{stamped: moment})
            _restate(before, stamped, moment)
        _touch(case, updated_at=moment)

    # The complaint about the vendor.
    def complain(moment):
        user = ctx.users[PARTNER2]
        with acting_as(user):
            return case_services.file_complaint(
                partner2, user, "Rent subsidy for the Yinzhou Wanda store not paid",
                "Our agreement gives a rent subsidy of CNY 800 a month for each of our own stores. Last month's "
                "settlement paid the subsidy for Tianyi Square but not for Yinzhou Wanda, although the store passed "
                "its inspection and nothing was said to us. Please check, and pay it with the next settlement.")

    # The case the Guangdong manager opened after mystery shopping.
    shopped = _day(_moment(ctx, 12, 15))

    def mystery_case(moment):
        with acting_as(manager):
            case = case_services.open_case(
                "price_cutting", "manager", "龙华地铁站专柜低于面值销售有价卡",
                f"{_zh(shopped)}暗访鹏程通讯龙华地铁站专柜：店员以95元的价格出售100元面值有价卡，并称“买两张还能再便宜”。"
                "违反《关于终端及有价卡最低销售价格的通知》（有价卡按面值销售，不得折价）。暗访记录见附件。",
                [(partner1, "respondent")], opened_by=manager)
            pdf = _record_pdf("暗访记录表 / Mystery shopping record", (
                ("网点 / Outlet", "鹏程通讯龙华地铁站专柜"), ("日期 / Date", f"{shopped:%Y-%m-%d} 15:10"),
                ("暗访人 / Shopper", "第三方暗访员 07号"), ("商品 / Item", "有价卡（100元面值）× 2"),
                ("成交价 / Price paid", "190元（每张95元） / CNY 190 (CNY 95 each)"),
                ("宣传 / Publicity", "资费牌为最新版本 / Tariff board up to date"),
                ("服务 / Service", "店员主动接待，但主动提出折价 / Friendly, but offered a discount unasked")),
                "结论：低于面值销售有价卡，违反最低销售价格规定。 / Finding: prepaid cards sold below face value.")
            case_services.add_evidence(case, manager, [_upload(pdf, "暗访记录-龙华地铁站专柜.pdf", "application/pdf")],
                                       note="暗访记录表", shared=True)
        return case

    # The case the Shenzhen partner opened about the Tmall shop.
    def partner_case(moment):
        user = ctx.users[PARTNER]
        screenshot = _screenshot_png((
            ("Sanjiang Mobile Tmall shop", 28), ("5G handset + Enjoy 99 plan, 24-month contract", 24),
            ("CNY 2,799   |   CNY 600 cash back on delivery", 24), ("Free shipping nationwide", 24),
            (f"Screenshot {_day(moment) - timedelta(days=1):%Y-%m-%d} 21:14", 18)), "#d9381e")
        order = _record_pdf("试购订单记录 / Test purchase", (
            ("店铺 / Shop", "三江移动天猫店 / Sanjiang Mobile Tmall shop"),
            ("下单日期 / Ordered", f"{_day(moment) - timedelta(days=3):%Y-%m-%d}"),
            ("商品 / Item", "5G手机 + 畅享99合约（24个月） / 5G handset + Enjoy 99, 24 months"),
            ("价格 / Price", "2,799元，签收后返现600元 / CNY 2,799, CNY 600 back on delivery"),
            ("收货地址 / Delivered to", "深圳市南山区科苑路15号 / Shenzhen"),
            ("下单人 / Ordered by", "鹏程通讯南山科技园店店员")),
            "说明：订单已于两日后送达深圳，返现已到账。 / The order reached Shenzhen two days later; the cash back was paid.")
        with acting_as(user):
            return case_services.open_partner_case(
                partner1, user, "price_cutting", "宁波三江天猫店以返现方式低价销售合约机，并发货到深圳",
                "我司南山科技园店多位客户反映，宁波三江通讯的天猫店铺销售畅享99合约机，签收后返现600元，并包邮发货到深圳。"
                "按《关于终端及有价卡最低销售价格的通知》，合约机不得以返现等方式变相降价；且该公司的授权区域为宁波。"
                "附店铺页面截图和我司店员的试购订单。",
                files=[_upload(screenshot, "tmall-listing.png", "image/png"),
                       _upload(order, "试购订单.pdf", "application/pdf")])

    def add_respondent(case, moment):
        case_services.add_party(case, partner2, "respondent", manager)

    def share_screenshot(case, moment):
        screenshot = next(e for e in case.evidence if e.file.content_type == "image/png")
        case_services.set_evidence_shared(screenshot, True, manager)

    def investigate(note):
        return lambda case, moment: case_services.move_status(case, "investigating", case.manager, note)

    def message(author, body, partner=None, internal=False):
        return lambda case, moment: case_services.post_entry(case, ctx.users[author], body, internal=internal,
                                                             partner=partner)

    def answer_with_notice(case, moment):
        user = ctx.users[PARTNER2]
        notice = _screenshot_png((
            ("Handset maker: national trade-in subsidy", 26), ("CNY 600 back on every 5G handset of the series", 24),
            ("Offered by all authorised shops, online and offline", 22), ("Funded by the maker, not by the seller", 22),
            (f"Valid until {_day(moment) + timedelta(days=40):%Y-%m-%d}", 18)), "#1f4e9c")
        case_services.post_entry(
            case, user, "The CNY 600 is the handset maker's own national trade-in subsidy, paid by the maker and "
            "offered by every authorised shop: it is not a discount of ours. Our Tmall shop is set to ship within "
            "Zhejiang only; the order delivered to Shenzhen was let through by a new customer-service agent and we "
            "have told the team again.", partner=partner2)
        case_services.add_evidence(case, user, [_upload(notice, "maker-subsidy-notice.png", "image/png")],
                                   note="The maker's subsidy notice", partner=partner2)

    def rule_penalty(case, moment):
        case_services.rule_case(
            case, manager, "经调查，鹏程通讯龙华地铁站专柜低于面值销售有价卡属实，违反《关于终端及有价卡最低销售价格的通知》。"
            "根据渠道规则，从信誉保证金中扣除罚款2,000元；请于15日内补足保证金，并在全部门店完成价格自查。",
            "penalty", amount="2000.00", target=partner1, today=_day(moment))

    steps = [
        (_moment(ctx, 13, 16, 40), open_, "complaint", complain, "complaint_due_days"),
        (_moment(ctx, 12, 10, 15), act, "complaint", manager2,
         investigate("Checking with the finance department why the Yinzhou Wanda subsidy was held back.")),
        (_moment(ctx, 12, 10, 20), act, "complaint", manager2, message(
            MANAGER2, "Thank you, Grace. I have asked our finance department why the Yinzhou Wanda subsidy was held "
                      "back and will come back to you this week.")),
        (_moment(ctx, 10, 17, 45), act, "complaint", manager2, message(
            MANAGER2, "Finance: last month's inspection sheet of the Yinzhou Wanda store is missing from the system, "
                      "so the subsidy was held automatically. Asked the Ningbo branch to upload the sheet.",
            internal=True)),
        (_moment(ctx, 5, 9, 10), act, "complaint", ctx.users[PARTNER2], message(
            PARTNER2, "Is there any news? The store manager keeps asking about the subsidy.", partner=partner2)),

        (_moment(ctx, 11, 14, 30), open_, "mystery", mystery_case, "case_due_days"),
        (_moment(ctx, 11, 14, 40), act, "mystery", manager, investigate("已通知鹏程通讯黄总，请其说明情况。")),
        (_moment(ctx, 10, 11, 5), act, "mystery", ctx.users[PARTNER], message(
            PARTNER, "经查，系龙华专柜新入职店员为冲销量自行折价，门店负责人未及时发现。我司已对该店员停岗培训，"
                     "并在全部门店重新张贴价格规定。恳请从轻处理。", partner=partner1)),
        (_moment(ctx, 9, 9, 20), act, "mystery", manager, message(
            MANAGER, "首次违规，但发生在最低销售价格通知生效之后，且鹏程尚未确认阅读该通知。按渠道规则从保证金扣罚2,000元。",
            internal=True)),
        (_moment(ctx, 7, 10, 0), act, "mystery", manager, rule_penalty, "ruled_at"),

        (_moment(ctx, 8, 15, 20), open_, "tmall", partner_case, "case_due_days"),
        (_moment(ctx, 7, 10, 0), act, "tmall", manager, add_respondent),
        (_moment(ctx, 7, 10, 5), act, "tmall", manager,
         investigate("已通知宁波三江，并请浙江区渠道经理陈杰协助核实天猫店的发货区域。")),
        (_moment(ctx, 7, 10, 10), act, "tmall", manager, share_screenshot),
        (_moment(ctx, 6, 14, 25), act, "tmall", ctx.users[PARTNER2], answer_with_notice),
        (_moment(ctx, 5, 9, 50), act, "tmall", ctx.users[PARTNER], message(
            PARTNER, "对方店铺的商品页面至今仍显示“全国包邮”。我司店员前天再次下单，收货地址为深圳，订单至今未被取消。",
            partner=partner1)),
        (_moment(ctx, 4, 16, 30), act, "tmall", manager, message(
            MANAGER, "已与陈杰沟通：返现确为厂家活动，不构成降价；问题在于天猫店发货区域设为全国。"
                     "待陈杰周五前提供天猫后台近三个月发往广东的订单数据后裁定。", internal=True)),
    ]
    _run(ctx, steps)
    _read_older(first_notification, ctx, rng)
    db.session.flush()
