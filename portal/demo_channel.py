"""Demo data of the channel at work: policies and news, and deal registrations.

One function per area, taking the demo's context (``portal.demo._Ctx``) and called by
``portal.demo.load_demo_data`` after the training, inside its ``acting_as(admin)`` and
``_services_context()`` blocks (so the services can build links, and no e-mail leaves).

As in the rest of the demo, every step goes through the services, acting as the person who would
take it, so that the records, their audit trail and the in-app notifications are what the portal
itself would have made. The services stamp what they write with the current time; each step runs
inside ``_dated(moment)``, which then moves what the step wrote (new records, audit rows,
notifications) to that moment in the past. Deterministic: the texts are fixed, the few random
values come from a seeded RNG per area, and every date is relative to ``ctx.now`` / ``ctx.today``.

The demo content is data, not interface text: written in Chinese or English as a real user would
have typed it, and not translated.
"""
import random
import re
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import sqlalchemy as sa
from flask import url_for

from portal.conflicts.models import CaseStatusChange, ConflictCase
from portal.core.audit import AuditLog, acting_as
from portal.core.i18n import add_months, business_zone
from portal.core.settings import get_setting
from portal.deals import services as deal_services
from portal.deals.models import DealRegistration
from portal.demo import _credit_code, _mobile
from portal.extensions import db
from portal.marketing import announcement_services
from portal.marketing.models import Announcement, AnnouncementAck
from portal.notifications.models import Notification
from portal.partners.models import Partner

PARTNER, PARTNER2, STAFF = "partner@demo.example", "partner2@demo.example", "staff@demo.example"
MANAGER, MANAGER2 = "manager@demo.example", "manager2@demo.example"
ADMIN = "admin@demo.example"


# ---- moving what a step wrote into the past ---------------------------------------------------------


def _moment(ctx, days, hour, minute=0):
    """``days`` (1 or more) before today, at ``hour``:``minute`` Beijing time, in UTC."""
    assert days >= 1, "a step of the demo happens before the day of loading"
    local = ctx.now.astimezone(business_zone()) - timedelta(days=days)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(ctx.now.tzinfo)


def _day(moment):
    """The business day (Beijing time) of a UTC moment."""
    return moment.astimezone(business_zone()).date()


def _set(model, condition, **values):
    """A bulk update that bypasses the audit trail (it only dates what was written). Objects in
    the session keep their old values (see ``_touch``)."""
    db.session.execute(sa.update(model).where(condition).values(**values).execution_options(synchronize_session=False))


def _touch(obj, **values):
    """``_set`` on one object, which then reads its new values."""
    model = type(obj)
    _set(model, model.id == obj.id, **values)
    db.session.expire(obj, list(values))


@contextmanager
def _dated(when, *models):
    """Date ``when`` what the services write inside the block: the audit rows, the notifications
    and the new rows of ``models`` (``created_at``, and ``updated_at`` where there is one). Yields
    the last id of each before the block, for ``_restate``."""
    tracked = (AuditLog, Notification, *models)
    before = {model: db.session.scalar(sa.select(sa.func.max(model.id))) or 0 for model in tracked}
    yield before
    db.session.flush()
    for model in tracked:
        values = {"created_at": when}
        if "updated_at" in model.__table__.c:
            values["updated_at"] = when
        _set(model, model.id > before[model], **values)


def _restate(before, field, value):
    """The audit rows written since ``before`` (see ``_dated``) record the moved ``value`` of
    ``field`` (a time the services took from the clock), not the moment of loading."""
    _set(AuditLog, sa.and_(AuditLog.id > before[AuditLog], AuditLog.field == field), new_value=value.isoformat())


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
