"""Demo data for trying the portal: reference lists, territories, managers and ~200 prospects.

Not for production. Everything is built from ``random.Random(SEED)``, so two loads give the same
companies, codes and histories (dates are relative to the moment of loading). The ~200 prospects
are model objects built directly instead of through the services, so that no notification is
raised in bulk; a handful of notifications is added by hand. The two signed partners are built
through the real services (terms proposed, countered, accepted and locked; the agreement
generated, signed and countersigned; outlets, a deposit payment, a staff member), about six
months ago — their agreements start on the first of the month six months ago — so their records
are exactly what the portal itself would have made, on the days they would have made them (see
``_dated``); the in-app notifications those services raise are kept, but no e-mail is sent. So is
the training: a bilingual onboarding module with an exam and a smaller quarterly one, authored,
published and required through the training services, and the partners' people at various
stages (see ``_training``). The channel at work since the signing (policies, promotional
material, results, cases, deal registrations) is in ``portal.demo_channel``. One commit at the end.

The demo content (company names, pitches, notes) is data, not interface text: it is written in
Chinese or English as a real user would have typed it, and is not translated.
"""
import io
import os
import random
import re
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import force_locale
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash

from portal.accounts.models import User
from portal.agreements import signing
from portal.agreements.models import Agreement, AgreementTemplate
from portal.agreements.services import ensure_default_templates, generate_agreement
from portal.core.audit import AuditLog, acting_as
from portal.core.i18n import add_months, business_zone, local_today_in
from portal.core.models import StoredFile, utcnow
from portal.core.pdf import FONT_STACK, render
from portal.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
from portal.extensions import db
from portal.negotiation import services as negotiation
from portal.negotiation.models import PROSPECT, VENDOR, TermSheet
from portal.notifications.models import Notification
from portal.partners import services as partner_services
from portal.partners.models import DepositAccount, DepositMovement, Outlet, Partner
from portal.recruitment.models import (
    AGREEMENT_SENT, NEGOTIATING, NEW, QUALIFYING, REJECTED, SIGNED, WITHDRAWN, Activity, DuplicateApplication,
    FollowUp, Message, Prospect, StageChange,
)
from portal.reference.models import ChannelType, PartnerTier, ProductLine, Territory
from portal.results.models import PartnerTarget
from portal.training import assignment_services, learning
from portal.training import authoring_services as authoring

SEED = 2026
DEMO_PASSWORD = "demo-pass-2026"

# email -> (name, role, locale, territory codes covered, description for the README).
# The role is the one the account is created with: partner@ and partner2@ start as applicants and
# become their partner's admin when their agreement is countersigned (see SIGNED_PARTNERS).
_ACCOUNTS = {
    "admin@demo.example": ("Helen Xu", "admin", "en", (), "administrator"),
    "manager@demo.example": ("王芳", "manager", "zh_CN", ("GD",),
                             "channel manager, Guangdong province (王芳 Wang Fang; Chinese interface)"),
    "manager2@demo.example": ("Chen Jie", "manager", "en", ("ZJ",), "channel manager, Zhejiang province"),
    "manager3@demo.example": ("李强", "manager", "zh_CN", ("JS", "HB"),
                              "channel manager, Jiangsu and Hubei provinces (李强 Li Qiang; Chinese interface)"),
    "manager4@demo.example": ("Zhao Min", "manager", "en", ("SC-CD",),
                              "channel manager of one city only: Chengdu (the rest of Sichuan is uncovered)"),
    "finance@demo.example": ("Sun Li", "finance", "en", (),
                             "finance: releases the commission statements managers approved, for payment"),
    "applicant@demo.example": ("刘洋", "applicant", "zh_CN", (),
                               "applicant: 东莞市鑫达通讯器材有限公司, negotiating with manager@demo.example"),
    "partner@demo.example": ("黄志明", "applicant", "zh_CN", (),
                             "partner admin of 深圳市鹏程通讯连锁有限公司 (Shenzhen), signed with manager@demo.example "
                             "six months ago; 4 outlets (a fifth, in Dongguan, closed after a cross-territory case), "
                             "deposit partly paid and a ¥2,000 penalty deducted; on track this month; passed the "
                             "onboarding training (Chinese interface)"),
    "partner2@demo.example": ("Grace Lin", "applicant", "en", (),
                              "partner admin of Ningbo Sanjiang Telecom Distribution Co., Ltd., signed with "
                              "manager2@demo.example six months ago; 3 outlets, deposit not paid yet; behind target "
                              "this month, with an overdue complaint; failed the onboarding exam once, and a "
                              "training certificate expires within 30 days"),
    "staff@demo.example": ("周婷", "partner_staff", "zh_CN", (),
                           "partner staff of 深圳市鹏程通讯连锁有限公司 (partner@demo.example's company; Chinese "
                           "interface); has read 2 of 4 onboarding lessons, exam not taken yet"),
}
DEMO_ACCOUNTS = {email: spec[4] for email, spec in _ACCOUNTS.items()}

CHANNEL_TYPES = (
    ("social", "Social channel agent", "社会渠道代理"),
    ("campus", "Campus agent", "校园代理"),
    ("own_store", "Own store", "自有营业厅"),
    ("electronic", "Electronic channel", "电子渠道"),
    ("dealer", "Dealer / distributor", "经销商"),
)
PRODUCT_LINES = (
    ("mobile", "Mobile plans", "移动套餐"),
    ("broadband", "Home broadband", "家庭宽带"),
    ("handsets", "Handsets", "终端手机"),
    ("iot", "IoT and enterprise", "物联网及政企"),
    ("prepaid", "Prepaid cards", "有价卡（充值卡）"),
)
TIERS = (
    ("gold", "Gold partner", "金牌合作伙伴"),
    ("silver", "Silver partner", "银牌合作伙伴"),
    ("bronze", "Bronze partner", "铜牌合作伙伴"),
)
# code, Chinese, English, administrative division code, cities (code, Chinese, English, division)
PROVINCES = (
    ("GD", "广东", "Guangdong", "440000", (("SZ", "深圳", "Shenzhen", "440300"), ("GZ", "广州", "Guangzhou", "440100"),
                                          ("DG", "东莞", "Dongguan", "441900"), ("FS", "佛山", "Foshan", "440600"))),
    ("ZJ", "浙江", "Zhejiang", "330000", (("HZ", "杭州", "Hangzhou", "330100"), ("NB", "宁波", "Ningbo", "330200"),
                                          ("WZ", "温州", "Wenzhou", "330300"))),
    ("JS", "江苏", "Jiangsu", "320000", (("NJ", "南京", "Nanjing", "320100"), ("SZ", "苏州", "Suzhou", "320500"),
                                         ("WX", "无锡", "Wuxi", "320200"))),
    ("SC", "四川", "Sichuan", "510000", (("CD", "成都", "Chengdu", "510100"), ("MY", "绵阳", "Mianyang", "510700"))),
    ("HB", "湖北", "Hubei", "420000", (("WH", "武汉", "Wuhan", "420100"), ("YC", "宜昌", "Yichang", "420500"))),
    # No manager covers Yunnan: its applications wait in the unassigned queue.
    ("YN", "云南", "Yunnan", "530000", (("KM", "昆明", "Kunming", "530100"), ("DL", "大理", "Dali", "532900"))),
)
# How the covered prospects spread over the provinces (Sichuan: only Chengdu is covered).
COVERED_WEIGHTS = (("GD", 40), ("ZJ", 22), ("JS", 14), ("HB", 12), ("SC-CD", 12))

# A realistic funnel: 200 prospects, more in the early stages.
STAGE_QUOTAS = ((NEW, 50), (QUALIFYING, 40), (NEGOTIATING, 32), (AGREEMENT_SENT, 14), (SIGNED, 22),
                (REJECTED, 24), (WITHDRAWN, 18))
UNASSIGNED = 16  # all in stage "new": Yunnan, and Sichuan outside Chengdu
AGE_DAYS = {NEW: (0, 30), QUALIFYING: (7, 100), NEGOTIATING: (20, 150), AGREEMENT_SENT: (35, 170),
            SIGNED: (50, 182), REJECTED: (5, 182), WITHDRAWN: (10, 182)}
ACTIVITY_COUNTS = {NEW: (0, 1), QUALIFYING: (1, 3), NEGOTIATING: (2, 5), AGREEMENT_SENT: (3, 6), SIGNED: (3, 7),
                   REJECTED: (1, 3), WITHDRAWN: (1, 3)}

BRANDS_ZH = (
    ("华通", "huatong"), ("恒信", "hengxin"), ("联创", "lianchuang"), ("瑞丰", "ruifeng"), ("金桥", "jinqiao"),
    ("博源", "boyuan"), ("佳讯", "jiaxun"), ("宏图", "hongtu"), ("易联", "yilian"), ("众合", "zhonghe"),
    ("海纳", "haina"), ("星辰", "xingchen"), ("启明", "qiming"), ("锦程", "jincheng"), ("汇通", "huitong"),
    ("领航", "linghang"), ("信达", "xinda"), ("嘉禾", "jiahe"), ("泰和", "taihe"), ("天润", "tianrun"),
    ("中讯", "zhongxun"), ("新宇", "xinyu"), ("美达", "meida"), ("东信", "dongxin"), ("顺航", "shunhang"),
    ("凯越", "kaiyue"), ("润通", "runtong"), ("盛源", "shengyuan"), ("优讯", "youxun"), ("鼎盛", "dingsheng"),
    ("万联", "wanlian"), ("明德", "mingde"), ("和信", "hexin"), ("安捷", "anjie"), ("百联", "bailian"),
    ("华信", "huaxin"), ("速通", "sutong"), ("智联", "zhilian"), ("宇航", "yuhang"), ("广信", "guangxin"),
)
INDUSTRY_ZH = {
    "social": ("通信", "手机连锁", "数码", "通讯器材"),
    "campus": ("校园通信服务", "文化传播", "青年创业服务"),
    "own_store": ("通信服务", "实业", "营业厅管理"),
    "electronic": ("电子商务", "网络科技", "信息技术"),
    "dealer": ("商贸", "通讯器材", "贸易", "供应链管理"),
}
SUFFIX_ZH = ("有限公司",) * 8 + ("有限责任公司",) * 2 + ("股份有限公司",)
BRANDS_EN = {
    "GD": ("Pearl River", "Lingnan", "Greater Bay", "Kapok", "South Harbour"),
    "ZJ": ("West Lake", "Qiantang", "Tidewater", "Longjing"),
    "JS": ("Yangtze", "Taihu", "Jinling", "Grand Canal"),
    "SC": ("Tianfu", "Panda", "Emei", "Jinjiang"),
    "HB": ("Chutian", "East Lake", "Three Gorges", "Jianghan"),
    "YN": ("Spring City", "Dianchi", "Erhai", "Cangshan"),
    "*": ("Summit", "Orient", "Bluewave", "Evergreen", "Silverline", "Brightpath", "Unity", "Horizon", "Northstar"),
}
INDUSTRY_EN = {
    "social": ("Telecom Trading", "Mobile Communications", "Digital"),
    "campus": ("Campus Services", "Youth Communications"),
    "own_store": ("Telecom Services", "Retail Management"),
    "electronic": ("E-commerce", "Network Technology", "Online Services"),
    "dealer": ("Telecom Distribution", "Electronics Trading", "Supply Chain"),
}
SURNAMES = (("张", "Zhang"), ("李", "Li"), ("王", "Wang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
            ("赵", "Zhao"), ("黄", "Huang"), ("周", "Zhou"), ("吴", "Wu"), ("徐", "Xu"), ("孙", "Sun"),
            ("胡", "Hu"), ("朱", "Zhu"), ("高", "Gao"), ("林", "Lin"), ("何", "He"), ("郭", "Guo"), ("马", "Ma"),
            ("罗", "Luo"), ("梁", "Liang"), ("宋", "Song"), ("郑", "Zheng"), ("谢", "Xie"), ("韩", "Han"),
            ("唐", "Tang"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"), ("彭", "Peng"))
GIVEN_NAMES = (("伟", "Wei"), ("娜", "Na"), ("磊", "Lei"), ("洋", "Yang"), ("静", "Jing"), ("帆", "Fan"),
               ("丽", "Li"), ("勇", "Yong"), ("敏", "Min"), ("强", "Qiang"), ("婷", "Ting"), ("浩", "Hao"),
               ("军", "Jun"), ("琳", "Lin"), ("翔", "Xiang"), ("峰", "Feng"), ("欣", "Xin"), ("涛", "Tao"),
               ("超", "Chao"), ("晓燕", "Xiaoyan"), ("佳", "Jia"), ("凯", "Kai"), ("芳", "Fang"), ("冰", "Bing"),
               ("亮", "Liang"), ("雪", "Xue"), ("文", "Wen"), ("鹏", "Peng"), ("志强", "Zhiqiang"),
               ("建华", "Jianhua"), ("海燕", "Haiyan"), ("国强", "Guoqiang"), ("秀英", "Xiuying"))
ENGLISH_GIVEN = ("Kevin", "Grace", "Jason", "Vivian", "Eric", "Cindy", "Tony", "Amy", "Leo", "Iris", "Frank",
                 "Helen", "Sam", "Joyce")
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "155", "156", "158", "159", "177", "180", "181", "182", "183", "185", "186", "187", "188",
                   "189", "199")
CHANNEL_WEIGHTS = (("social", 40), ("dealer", 25), ("electronic", 13), ("campus", 12), ("own_store", 10))
SOURCE_WEIGHTS = (("online", 45), ("manual", 40), ("import", 15))

PITCHES = {
    "zh": {
        "social": ("我们在{city}经营{n}家手机门店，月均新增用户约{k}户，希望成为贵司{product}的授权代理。",
                   "公司成立{years}年，门店位于{city}核心商圈，店员熟悉套餐办理，希望合作{product}业务。"),
        "campus": ("团队熟悉{city}高校市场，开学季可发展新用户{k}户以上，希望代理{product}。",),
        "own_store": ("我们有{years}年营业厅托管经验，可承接{city}{n}个合作营业厅的日常运营。",),
        "electronic": ("我们运营天猫和抖音店铺，月订单量约{k}单，希望接入贵司{product}线上办理。",),
        "dealer": ("公司成立{years}年，主营通信终端批发，覆盖{city}及周边{n}个网点，希望合作{product}业务。",
                   "我们是{city}地区的手机分销商，下游零售网点{n}家，希望取得{product}的区域分销资格。"),
    },
    "en": {
        "social": ("We run {n} phone shops in {city} and add about {k} new subscribers a month; we would like to "
                   "become an authorised agent for your {product}.",
                   "In business for {years} years with shops in central {city}; our staff know the plans well and "
                   "we want to add {product}."),
        "campus": ("Our student team covers the universities of {city}; we expect {k}+ new lines each September "
                   "and would like to sell {product}.",),
        "own_store": ("We have run stores for operators for {years} years and can take on {n} partner stores in "
                      "{city}.",),
        "electronic": ("We run online shops on Tmall and Douyin with around {k} orders a month and want to sell "
                       "{product} online.",),
        "dealer": ("Handset wholesaler for {years} years, supplying {n} outlets in and around {city}; we want to "
                   "distribute {product}.",
                   "Distributor in {city} with {n} retail outlets downstream, applying for regional distribution "
                   "of {product}."),
    },
}
ACTIVITY_TEXT = {
    "zh": {
        "call": ("电话初步沟通，{contact}介绍了{n}家门店的情况，约定下周上门拜访。",
                 "电话催补营业执照副本，对方表示本周内上传。",
                 "电话跟进佣金方案，对方希望提高{product}的首月佣金比例。"),
        "meeting": ("在分公司会议室商务洽谈，讨论区域独家与信誉保证金，对方接受5万元保证金。",
                    "与{contact}及财务负责人逐条过协议条款，分歧在房补标准。",
                    "介绍{product}新政策和季度考核指标，对方认可目标。"),
        "visit": ("实地走访{n}家门店，门头形象较好，但店员对套餐资费不熟，需要安排培训。",
                  "暗访主店：客流尚可，竞品宣传物料较多。",
                  "巡视仓库与门店，进销存台账规范。"),
        "email": ("发送代理合作政策与佣金标准说明。", "邮件发送协议草稿，请对方法务审阅。"),
        "note": ("对方老板在当地社会渠道资源较多，值得重点跟进。", "注意：该公司与另一代理商存在股东关联，签约前需核实。"),
    },
    "en": {
        "call": ("Intro call with {contact}: {n} outlets, keen on {product}. Agreed to visit next week.",
                 "Called to chase the licence copy; they will upload it this week.",
                 "Follow-up call on commission: they want a higher first-month rate for {product}."),
        "meeting": ("Meeting at the branch office on exclusivity and deposit; they accept a CNY 50,000 credit "
                    "deposit.",
                    "Went through the draft terms with {contact} and their finance lead; the open point is the rent "
                    "subsidy.",
                    "Presented the new {product} policy and quarterly targets; targets accepted."),
        "visit": ("Visited {n} outlets: good shopfronts, but staff unsure of the tariffs; training needed.",
                  "Mystery visit to the main shop: steady footfall, lots of competitor material on display.",
                  "Checked the warehouse and shops; stock records are in order."),
        "email": ("Sent the partner policy and commission schedule.",
                  "Sent the draft agreement for their legal review."),
        "note": ("Owner has a strong network of local agents; worth prioritising.",
                 "Note: shares a shareholder with another agent; check before signing."),
    },
}
EARLY_KINDS = ("call", "call", "email", "note", "visit")
LATE_KINDS = ("meeting", "meeting", "visit", "call", "email", "note")
FOLLOW_UP_NOTES = {
    "zh": ("电话确认资质材料是否补齐", "上门拜访，查看门店", "发送佣金方案", "确认协议条款修改意见", "提醒对方缴纳信誉保证金",
           "安排新代理商培训"),
    "en": ("Call to check the licence documents", "Visit the shops", "Send the commission proposal",
           "Get their comments on the draft terms", "Remind them to pay the credit deposit",
           "Book onboarding training"),
}
REASONS = {
    "zh": {
        REJECTED: ("注册资本不足，未达到代理商准入门槛（100万元）。", "营业执照经营范围不含通信设备销售。",
                   "该区域已有签约代理商，暂不新增。", "近两年有窜货记录，不予合作。"),
        WITHDRAWN: ("对方决定与其他运营商合作。", "资金周转困难，暂缓合作。", "老板转让了门店，不再经营通信业务。",
                    "对方认为佣金比例偏低。"),
        "back": "对方要求重新核实门店数量。",
    },
    "en": {
        REJECTED: ("Registered capital below our CNY 1 million threshold for agents.",
                   "The business licence does not cover selling telecom equipment.",
                   "We already have a signed agent in this area.", "Record of cross-territory selling; not accepted."),
        WITHDRAWN: ("They chose to work with a competing operator.", "Cash-flow problems; they put it on hold.",
                    "The owner sold the shops.", "Commission rates too low for them."),
        "back": "Outlet count to be re-checked before we go on.",
    },
}
MESSAGES = {
    "zh": {
        "hello": "您好，已收到贵司的申请，我是负责该区域的渠道经理{owner}，近期会与您电话联系。",
        "questions": ("请补充近三个月的销售数据（手机销量与新增用户数）。", "请问贵司各门店是否都有独立的营业执照？"),
        "replies": ("好的，谢谢，我们随时可以安排见面。", "数据已整理好，本周内发给您。"),
    },
    "en": {
        "hello": "Hello, we have your application. I am {owner}, the channel manager for your area; I will call you "
                 "shortly.",
        "questions": ("Could you send your sales for the last three months (handsets and new subscribers)?",
                      "Does each of your shops hold its own business licence?"),
        "replies": ("Thank you, we are happy to meet any time.", "The figures are ready; I will send them this week."),
    },
}


# Two partners signed through the real services, one per demo manager, about six months ago: their
# agreements start on the first of the month six months ago (``_agreement_start``), and the
# vendor countersigned ``lead`` days before that. Every time of a partner's story is counted from
# that day of countersignature: ``days`` (applied, qualifying, negotiating) and the activities in
# days before it; ``schedule`` gives (days before, hour, minute; Beijing time) of each term sheet
# version, the acceptance, the lock, the agreement's generation, the partner's signature and the
# countersignature; ``after`` the (days after, hour, minute) of what followed. Each term sheet
# version lists what it changes from the one before; ``accept`` is done by the side that did not
# write the last version, and the lock by its author. Outlets: (name, address, city, kind,
# opening date).
SIGNER_IP = "127.0.0.1"
SIGNER_AGENT = "Demo data loader"
SIGNED_PARTNERS = (
    {
        "email": "partner@demo.example", "manager": "manager@demo.example", "area": "GD-SZ", "channel": "social",
        "english": False, "company": "深圳市鹏程通讯连锁有限公司", "legal_representative": "黄建国",
        "mobile": "13923817465", "outlet_count": 4, "years": 12, "capital": Decimal("3000000.00"),
        "products": ("mobile", "broadband", "prepaid"),
        "pitch": "我们在深圳经营4家通讯门店（含深圳大学校园营业点），月均新增用户约300户，"
                 "希望成为贵司移动套餐、家庭宽带和有价卡的授权代理。",
        "lead": 9,
        "days": (75, 68, 40),  # applied, qualifying, negotiating: days before the countersignature
        "schedule": {"versions": ((27, 10, 30), (20, 15, 5)), "accept": (13, 11, 20), "lock": (13, 16, 40),
                     "generate": (11, 9, 50), "sign": (6, 14, 30), "countersign": (0, 16, 10)},
        "after": {"outlets": (1, 10, 15), "staff": (3, 9, 40), "payment": (12, 15, 30)},
        "activities": (
            ("call", 70, "王芳、黄志明（总经理）",
             "电话初步沟通：深圳4家门店，华强北旗舰店客流最大，希望代理移动套餐、家庭宽带和有价卡。"),
            ("visit", 55, "王芳、黄志明（总经理）",
             "走访华强北旗舰店和南山科技园店：客流大，店员熟悉套餐办理；门头需按我司标准改造。"),
            ("meeting", 30, "王芳、黄志明（总经理）、财务负责人吴敏",
             "商务洽谈：对方接受非独家代理，但认为5万元信誉保证金偏高，希望提高移动套餐佣金比例。"),
        ),
        "terms": {
            "territories": ("GD-SZ",), "exclusive": False, "tier": "silver", "years": 2,
            "deposit": "50000.00", "rent_subsidy_per_outlet": "1500.00",
            "payment_terms": "佣金按月结算：每月10日前双方对账，次月20日前支付至乙方对公账户。",
            "special_clauses": "乙方门店须在协议生效后30日内按甲方标准完成门头形象改造；校园营业点不得跨校区销售。",
            "lines": {"mobile": ("3.00", "150000.00"), "broadband": ("5.00", "40000.00"),
                      "prepaid": ("1.20", "30000.00")},
            "note": "首版条款，依据商务洽谈纪要拟定。",
        },
        "versions": (
            (VENDOR, {}),
            (PROSPECT, {"deposit": "30000.00", "lines": {"mobile": ("3.35", "150000.00")},
                          "note": "信誉保证金调整为3万元；移动套餐佣金比例调整为3.35%，其余条款不变。"}),
        ),
        "language": "zh", "signer_title": "总经理", "manager_title": "渠道经理",
        "profile": {"phone": "0755-83261088", "email": "huang.zhiming@pengcheng-sz.example",
                    "address": "深圳市福田区华强北路1019号华强广场12楼1203室"},
        "outlets": (
            ("鹏程通讯华强北旗舰店", "深圳市福田区华强北路1019号华强广场一楼A12", "GD-SZ", "store", date(2014, 5, 18)),
            ("鹏程通讯南山科技园店", "深圳市南山区科苑路15号科兴科学园B栋一楼", "GD-SZ", "store", date(2017, 9, 1)),
            ("鹏程通讯龙华地铁站专柜", "深圳市龙华区人民路龙华地铁站C出口", "GD-SZ", "kiosk", date(2021, 3, 20)),
            ("深圳大学校园营业点", "深圳市南山区南海大道3688号深圳大学学生活动中心一楼", "GD-SZ", "campus",
             date(2022, 9, 1)),
        ),
        "payment": ("20000.00", "CMB-0755-88031264", "首期信誉保证金，招商银行对公转账。"),
        "staff": "staff@demo.example",
    },
    {
        "email": "partner2@demo.example", "manager": "manager2@demo.example", "area": "ZJ-NB", "channel": "dealer",
        "english": True, "company": "Ningbo Sanjiang Telecom Distribution Co., Ltd.",
        "legal_representative": "Lin Guohua", "mobile": "13857420936", "outlet_count": 3, "years": 9,
        "capital": Decimal("5000000.00"), "products": ("broadband", "handsets"),
        "pitch": "Handset and broadband distributor in Ningbo with three own stores and 24 retail outlets "
                 "downstream; we would like the regional distribution of your handsets and home broadband.",
        "lead": 5,
        "days": (64, 58, 28),
        "schedule": {"versions": ((22, 14, 0), (16, 10, 45), (12, 17, 20)), "accept": (9, 9, 35),
                     "lock": (9, 11, 0), "generate": (8, 15, 20), "sign": (4, 10, 5), "countersign": (0, 14, 30)},
        "after": {"outlets": (1, 16, 0)},
        "activities": (
            ("call", 60, "Chen Jie, Grace Lin",
             "Intro call with Grace Lin: three own stores and 24 retail outlets around Ningbo; keen on handsets and "
             "home broadband."),
            ("meeting", 25, "Chen Jie, Grace Lin (general manager), Lin Guohua",
             "Meeting at the Ningbo branch on exclusivity and the deposit; they want a rent subsidy for their own "
             "stores."),
            ("visit", 18, "Chen Jie, Grace Lin",
             "Visited the Tianyi Square and Yinzhou stores: good shopfronts, stock records in order."),
        ),
        "terms": {
            "territories": ("ZJ-NB",), "exclusive": True, "tier": "gold", "years": 1,
            "deposit": "80000.00", "rent_subsidy_per_outlet": "0.00",
            "payment_terms": "Commission is settled monthly: statement by the 10th, payment by the 20th of the "
                             "following month to the partner's company account.",
            "special_clauses": "Exclusive distribution of handsets and home broadband in Ningbo; at least 20 retail "
                               "outlets supplied by the end of the first quarter.",
            "lines": {"handsets": ("2.50", "500000.00"), "broadband": ("4.00", "60000.00")},
            "note": "First offer, as discussed at the meeting in Ningbo.",
        },
        "versions": (
            (VENDOR, {}),
            (PROSPECT, {"deposit": "50000.00", "rent_subsidy_per_outlet": "800.00",
                          "note": "Deposit lowered to CNY 50,000 and a rent subsidy of CNY 800 per own store."}),
            (VENDOR, {"deposit": "60000.00",
                      "note": "We meet you at a CNY 60,000 deposit; the rent subsidy of CNY 800 is accepted."}),
        ),
        "language": "bilingual", "signer_title": "General Manager", "manager_title": "Channel Manager",
        "profile": {"phone": "0574-87352210", "email": "grace.lin@sanjiang-nb.example",
                    "address": "Room 1506, 88 Zhongshan East Road, Haishu District, Ningbo"},
        "outlets": (
            ("Sanjiang Mobile Tianyi Square", "No. 88 Zhongshan East Road, Haishu District, Ningbo", "ZJ-NB",
             "store", date(2016, 4, 12)),
            ("Sanjiang Mobile Yinzhou Wanda", "Wanda Plaza L1-27, 999 Siming Middle Road, Yinzhou District, Ningbo",
             "ZJ-NB", "franchise", date(2019, 11, 8)),
            ("Sanjiang Mobile Tmall shop", "Online; shipped from 18 Xinqi Road, Beilun District, Ningbo", "ZJ-NB",
             "online", date(2020, 6, 18)),
        ),
        "payment": None,
        "staff": None,
    },
)


@dataclass
class _Area:
    province: Territory
    city: Territory | None
    division: str  # administrative division code, for the credit code

    @property
    def place_zh(self):
        return (self.city or self.province).name_zh

    @property
    def place_en(self):
        return (self.city or self.province).name_en


@dataclass
class _Ctx:
    rng: random.Random
    now: datetime
    today: object
    password_hash: str
    admin: User = None
    users: dict = field(default_factory=dict)
    areas: dict = field(default_factory=dict)
    channels: dict = field(default_factory=dict)
    tiers: dict = field(default_factory=dict)
    products: list = field(default_factory=list)
    coverage: dict = field(default_factory=dict)  # territory code -> manager
    credit_codes: set = field(default_factory=set)
    emails: set = field(default_factory=set)
    company_names: set = field(default_factory=set)
    duplicates: list = field(default_factory=list)


def load_demo_data(only_if_empty=False):
    """Load the demo. Returns True if loaded; False if ``only_if_empty`` and the database has users,
    or if the demo accounts are there already (the demo was loaded before)."""
    if only_if_empty and db.session.scalar(sa.select(User.id).limit(1)) is not None:
        return False
    if db.session.scalar(sa.select(User.id).where(User.email.in_(list(_ACCOUNTS))).limit(1)) is not None:
        return False
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    ctx = _Ctx(rng=random.Random(SEED), now=now, today=local_today_in(None),
               password_hash=generate_password_hash(DEMO_PASSWORD))
    ctx.emails.update(db.session.scalars(sa.select(User.email)).all())
    ctx.credit_codes.update(c for c in db.session.scalars(sa.select(Prospect.credit_code)).all() if c)

    ctx.admin = _user(ctx, "admin@demo.example", created_at=now - timedelta(days=200))
    db.session.flush()
    with acting_as(ctx.admin):
        _reference_lists(ctx)
        _managers_and_applicant(ctx)
        db.session.flush()
        named = _named_applicant_prospect(ctx)
        prospects = _prospects(ctx)
        db.session.flush()
        _duplicates(ctx, prospects)
        _notifications(ctx, named, prospects)
        with _services_context():
            _signed_partners(ctx)
            _training(ctx)
            from portal import demo_channel, demo_money  # (here: they import helpers of this module)

            demo_channel.announcements(ctx)
            demo_channel.materials(ctx)
            demo_channel.results(ctx)
            demo_channel.cases(ctx)
            demo_channel.deals(ctx)
            demo_money.money(ctx)
        _not_emailed(ctx)
    db.session.commit()
    return True


# ---- moving what a step wrote into the past ------------------------------------------------------
#
# The services stamp what they write with the clock. A step of the demo that happened in the past
# runs inside ``_dated(moment)``, which then moves what the step wrote (its new records, audit
# rows and notifications) to that moment; the other times a service took from the clock (an
# acceptance, a decision) are set with ``_touch`` and restated in the audit rows with ``_restate``.


def _at(day, hour, minute=0):
    """``day`` at ``hour``:``minute`` Beijing time, as an aware UTC datetime."""
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=business_zone())
    return local.astimezone(timezone.utc)


def _moment(ctx, days, hour, minute=0):
    """``days`` (1 or more) before today, at ``hour``:``minute`` Beijing time, in UTC."""
    assert days >= 1, "a step of the demo happens before the day of loading"
    return _at(ctx.today - timedelta(days=days), hour, minute)


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
    ``field`` (a time the services took from the clock), not the moment of loading: the changes
    of that field, and the values listed in the rows of the records created."""
    _set(AuditLog, sa.and_(AuditLog.id > before[AuditLog], AuditLog.field == field), new_value=value.isoformat())
    rows = db.session.execute(sa.select(AuditLog.id, AuditLog.new_value).where(
        AuditLog.id > before[AuditLog], AuditLog.action == "create",
        AuditLog.new_value.contains(f"{field}="))).all()
    for log_id, summary in rows:
        _set(AuditLog, AuditLog.id == log_id,
             new_value=re.sub(rf"\b{field}=[^;]*", f"{field}={value.isoformat()}", summary))


# ---- reference lists, territories and people -----------------------------------------------------


def _get_or_create(model, code, **values):
    row = db.session.scalar(sa.select(model).where(model.code == code))
    if row is None:
        row = model(code=code, **values)
        db.session.add(row)
    return row


def _reference_lists(ctx):
    for position, (code, en, zh) in enumerate(CHANNEL_TYPES, 1):
        ctx.channels[code] = _get_or_create(ChannelType, code, name_en=en, name_zh=zh, position=position)
    for position, (code, en, zh) in enumerate(PRODUCT_LINES, 1):
        ctx.products.append(_get_or_create(ProductLine, code, name_en=en, name_zh=zh, position=position))
    for position, (code, en, zh) in enumerate(TIERS, 1):
        ctx.tiers[code] = _get_or_create(PartnerTier, code, name_en=en, name_zh=zh, position=position)
    for code, zh, en, division, cities in PROVINCES:
        province = _get_or_create(Territory, code, level="province", name_en=en, name_zh=zh)
        ctx.areas[code] = _Area(province, None, division)
        for city_code, city_zh, city_en, city_division in cities:
            full = f"{code}-{city_code}"
            city = _get_or_create(Territory, full, level="city", name_en=city_en, name_zh=city_zh, parent=province)
            ctx.areas[full] = _Area(province, city, city_division)


def _user(ctx, email, created_at, name=None, role=None, locale=None, password=True):
    if email in _ACCOUNTS:
        name, role, locale, _codes, _description = _ACCOUNTS[email]
    user = User(email=email, name=name, role=role, locale=locale, timezone="Asia/Shanghai", active=True,
                session_version=1, password_hash=ctx.password_hash if password else None,
                created_at=created_at, updated_at=created_at)
    db.session.add(user)
    ctx.emails.add(email)
    ctx.users[email] = user
    return user


def _managers_and_applicant(ctx):
    for email, (_name, role, _locale, codes, _description) in _ACCOUNTS.items():
        if role == "manager":
            user = _user(ctx, email, created_at=ctx.now - timedelta(days=190))
            user.territories = [(ctx.areas[code].city or ctx.areas[code].province) for code in codes]
            for code in codes:
                ctx.coverage[code] = user


def _owner_for(ctx, area_code):
    """As the routing does: the manager of the city, else of the province, else nobody."""
    if area_code in ctx.coverage:
        return ctx.coverage[area_code]
    return ctx.coverage.get(area_code.split("-")[0])


# ---- generators of plausible values ----------------------------------------------------------------


def _weighted(rng, pairs):
    return rng.choices([k for k, _w in pairs], weights=[w for _k, w in pairs])[0]


ORG_LETTERS = CREDIT_CODE_ALPHABET[10:]  # letters allowed in a credit code (no I, O, S, V, Z)


def _org_code_check(body):
    """The check character of a 9-character organisation code (GB 11714)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body, weights))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def _credit_code(ctx, division):
    rng = ctx.rng
    while True:
        if rng.random() < 0.4:  # codes issued since 2015 carry "MA" and letters
            body = "MA" + "".join(rng.choice("0123456789" + ORG_LETTERS) for _ in range(6))
        else:
            body = "".join(rng.choice("0123456789") for _ in range(8))
        first17 = "91" + division + body + _org_code_check(body)
        code = first17 + credit_code_check_char(first17)
        if code not in ctx.credit_codes:
            ctx.credit_codes.add(code)
            return code


def _mobile(rng):
    return rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))


def _person(rng, english):
    """(display name, e-mail local part, display name of someone else in the company)."""
    surname, surname_py = rng.choice(SURNAMES)
    given, given_py = rng.choice(GIVEN_NAMES)
    if not english:
        return surname + given, f"{surname_py}.{given_py}".lower()
    if rng.random() < 0.5:
        first = rng.choice(ENGLISH_GIVEN)
        return f"{first} {surname_py}", f"{first}.{surname_py}".lower()
    return f"{surname_py} {given_py}", f"{surname_py}.{given_py}".lower()


def _unique_email(ctx, local, domain):
    email = f"{local}@{domain}"
    n = 2
    while email in ctx.emails:
        email = f"{local}{n}@{domain}"
        n += 1
    ctx.emails.add(email)
    return email


def _company(ctx, area_code, channel, english):
    rng = ctx.rng
    area = ctx.areas[area_code]
    province_code = area_code.split("-")[0]
    for _attempt in range(50):
        if english:
            brand = rng.choice(BRANDS_EN[province_code] + BRANDS_EN["*"])
            name = f"{area.place_en} {brand} {rng.choice(INDUSTRY_EN[channel])} Co., Ltd."
            slug = brand.lower().replace(" ", "")
        else:
            brand, slug = rng.choice(BRANDS_ZH)
            place = area.place_zh + ("市" if area.city else "省")
            name = f"{place}{brand}{rng.choice(INDUSTRY_ZH[channel])}{rng.choice(SUFFIX_ZH)}"
        if name not in ctx.company_names:
            break
    ctx.company_names.add(name)
    domain = f"{slug}-{area_code.lower()}.example"
    return name, domain


def _pitch(rng, lang, channel, area, product, years, outlets):
    template = rng.choice(PITCHES[lang][channel])
    return template.format(city=area.place_zh if lang == "zh" else area.place_en, n=max(outlets, 1),
                           k=rng.choice((80, 120, 150, 200, 300, 500)), years=years,
                           product=product.name_zh if lang == "zh" else product.name_en)


def _capital(rng, channel):
    low, high = {"social": (50, 500), "campus": (10, 100), "own_store": (100, 1000), "electronic": (100, 2000),
                 "dealer": (200, 5000)}[channel]
    return Decimal(rng.randint(low, high) * 10000).quantize(Decimal("0.01"))


def _outlets(rng, channel):
    low, high = {"social": (1, 30), "campus": (1, 5), "own_store": (1, 8), "electronic": (0, 2),
                 "dealer": (5, 120)}[channel]
    return rng.randint(low, high)


def _lang(user):
    return "zh" if user is not None and (user.locale or "").startswith("zh") else "en"


# ---- prospects -------------------------------------------------------------------------------------


def _stage_path(rng, stage):
    base = {NEW: [NEW], QUALIFYING: [NEW, QUALIFYING], NEGOTIATING: [NEW, QUALIFYING, NEGOTIATING],
            AGREEMENT_SENT: [NEW, QUALIFYING, NEGOTIATING, AGREEMENT_SENT],
            SIGNED: [NEW, QUALIFYING, NEGOTIATING, AGREEMENT_SENT, SIGNED]}
    if stage == NEGOTIATING and rng.random() < 0.15:
        return [NEW, QUALIFYING, NEGOTIATING, QUALIFYING, NEGOTIATING]  # sent back once to re-check
    if stage == REJECTED:
        return rng.choice((base[NEW], base[QUALIFYING], base[QUALIFYING], base[NEGOTIATING])) + [REJECTED]
    if stage == WITHDRAWN:
        return rng.choice((base[QUALIFYING], base[NEGOTIATING], base[NEGOTIATING], base[AGREEMENT_SENT])) + [WITHDRAWN]
    return base[stage]


def _slots(ctx):
    """(area code, stage) for every generated prospect: the unassigned ones first, all new."""
    rng = ctx.rng
    quotas = dict(STAGE_QUOTAS)
    quotas[NEW] -= UNASSIGNED
    quotas[NEGOTIATING] -= 1  # the named applicant's company
    quotas[SIGNED] -= len(SIGNED_PARTNERS)  # signed through the services, see _signed_partners
    uncovered = ["YN-KM"] * 5 + ["YN-DL"] * 3 + ["YN"] * 2 + ["SC-MY"] * 4 + ["SC"] * 2
    slots = [(code, NEW) for code in uncovered]
    stages = [stage for stage, n in quotas.items() for _ in range(n)]
    rng.shuffle(stages)
    for stage in stages:
        code = _weighted(rng, COVERED_WEIGHTS)
        if "-" not in code:
            cities = [c for c in ctx.areas if c.startswith(code + "-")]
            code = rng.choice(cities) if rng.random() < 0.88 else code
        slots.append((code, stage))
    return slots


def _prospects(ctx):
    prospects = []
    for area_code, stage in _slots(ctx):
        prospects.append(_prospect(ctx, area_code, stage))
    return prospects


def _prospect(ctx, area_code, stage, **fixed):
    """One prospect with its history, activities, follow-ups and messages. ``fixed`` overrides."""
    rng = ctx.rng
    area = ctx.areas[area_code]
    owner = fixed.pop("owner", _owner_for(ctx, area_code))
    channel = fixed.pop("channel", _weighted(rng, CHANNEL_WEIGHTS))
    english = fixed.pop("english", rng.random() < 0.35)
    lang = "en" if english else "zh"
    source = fixed.pop("source", None)
    if source is None:  # nobody enters a prospect by hand where no manager works
        source = _weighted(rng, SOURCE_WEIGHTS) if owner else rng.choice(("online", "online", "import"))
    name, domain = _company(ctx, area_code, channel, english)
    name = fixed.pop("company_name", name)
    contact, local = _person(rng, english)
    contact = fixed.pop("contact_name", contact)
    legal, _ = _person(rng, english)
    years = rng.randint(1, 25)
    outlets = _outlets(rng, channel)
    products = rng.sample(ctx.products, rng.choice((1, 1, 2, 2, 3)))
    products.sort(key=lambda p: p.position)
    low, high = AGE_DAYS[stage]
    if stage == NEW and owner and rng.random() < 0.15:
        low, high = 30, 75  # a few stale ones, for "longest in stage"
    created = fixed.pop("created_at", None) or ctx.now - timedelta(minutes=rng.randint(low * 1440 + 30, high * 1440))
    email = fixed.pop("email", None) or _unique_email(ctx, local, domain)

    applicant = None
    if source == "online":
        applicant = ctx.users.get(email) or _user(ctx, email, created_at=created, name=contact, role="applicant",
                                                  locale="en" if english else "zh_CN", password=False)
    mobile = _mobile(rng)
    if applicant is not None:
        applicant.phone = mobile

    prospect = Prospect(
        company_name=name, credit_code=_credit_code(ctx, area.division), legal_representative=legal,
        contact_name=contact, mobile=mobile, email=email, province=area.province, city=area.city,
        channel_type=ctx.channels[channel], outlet_count=outlets,
        registered_capital=_capital(rng, channel), years_in_business=years,
        pitch=_pitch(rng, lang, channel, area, products[0], years, outlets), source=source, stage=stage, owner=owner,
        applicant=applicant, created_at=created,
        consent_at=created if source == "online" else None,
        consent_ip=f"198.51.100.{rng.randint(2, 254)}" if source == "online" else None,
    )
    prospect.product_lines = products
    db.session.add(prospect)

    # Stage history: increasing times from the application to (not quite) now.
    path = fixed.pop("path", None) or _stage_path(rng, stage)
    times = fixed.pop("times", None)
    if times is None:
        span = (ctx.now - created).total_seconds()
        times = [created] + sorted(created + timedelta(seconds=round(span * rng.uniform(0.08, 0.97)))
                                   for _ in path[1:])
    skip_extras = fixed.pop("skip_extras", False)
    first_actor = applicant if source == "online" else (owner or ctx.admin)
    previous = None
    for i, (to_stage, when) in enumerate(zip(path, times)):
        reason = None
        if to_stage in (REJECTED, WITHDRAWN):
            reason = rng.choice(REASONS[_lang(owner)][to_stage])
        elif previous == NEGOTIATING and to_stage == QUALIFYING:
            reason = REASONS[_lang(owner)]["back"]
        db.session.add(StageChange(prospect=prospect, from_stage=previous, to_stage=to_stage,
                                   actor=first_actor if i == 0 else owner, reason=reason, created_at=when))
        previous = to_stage
    prospect.stage_changed_at = times[-1]
    closed = stage in (REJECTED, WITHDRAWN, SIGNED)
    until = times[-1] if closed else ctx.now
    last_touch = times[-1]

    if owner is not None and not skip_extras:
        last_touch = max(last_touch, _activities(ctx, prospect, owner, stage, created, until, contact, products))
        _follow_ups(ctx, prospect, owner, stage, created)
        if applicant is not None and stage != NEW and rng.random() < 0.4:
            last_touch = max(last_touch, _messages(ctx, prospect, owner, applicant, created, until, lang))
    prospect.updated_at = last_touch
    assert not fixed, f"unused demo overrides: {sorted(fixed)}"
    return prospect


def _activities(ctx, prospect, owner, stage, start, until, contact, products):
    rng = ctx.rng
    lang = _lang(owner)
    latest = start
    used = set()
    count = rng.randint(*ACTIVITY_COUNTS[stage])
    for _ in range(count):
        when = start + timedelta(seconds=round((until - start).total_seconds() * rng.uniform(0.05, 0.98)))
        late = stage in (NEGOTIATING, AGREEMENT_SENT, SIGNED) and when > start + (until - start) / 3
        kind = rng.choice(LATE_KINDS if late else EARLY_KINDS)
        texts = [t for t in ACTIVITY_TEXT[lang][kind] if t not in used]
        if not texts:
            continue
        template = rng.choice(texts)
        used.add(template)
        outcome = template.format(
            contact=contact, n=prospect.outlet_count or 1,
            product=products[0].name_zh if lang == "zh" else products[0].name_en)
        if kind == "note":
            participants = None
        elif lang == "zh":
            participants = f"{owner.name}、{contact}" + ("（总经理）" if rng.random() < 0.5 else "")
        else:
            participants = f"{owner.name}, {contact}" + (" (general manager)" if rng.random() < 0.5 else "")
        created = min(when + timedelta(minutes=rng.randint(5, 600)), ctx.now)
        db.session.add(Activity(prospect=prospect, kind=kind, occurred_at=when, participants=participants,
                                outcome=outcome, author=owner, created_at=created))
        latest = max(latest, created)
    return latest


def _follow_ups(ctx, prospect, owner, stage, start):
    """Open follow-ups on open prospects (overdue, today or later); done ones in the past."""
    rng = ctx.rng
    notes = FOLLOW_UP_NOTES[_lang(owner)]
    age = (ctx.now - start).days  # a follow-up is not due before the prospect existed
    if stage in (NEW, QUALIFYING, NEGOTIATING, AGREEMENT_SENT) and rng.random() < 0.55:
        roll = rng.random()
        offset = rng.randint(-12, -1) if roll < 0.25 else 0 if roll < 0.37 else rng.randint(1, 21)
        _follow_up(ctx, prospect, owner, ctx.today + timedelta(days=max(offset, -age)), rng.choice(notes), start)
    if stage != NEW and age >= 2 and rng.random() < 0.4:
        due = ctx.today - timedelta(days=rng.randint(1, age - 1))
        _follow_up(ctx, prospect, owner, due, rng.choice(notes), start, done=True)


def _follow_up(ctx, prospect, owner, due, note, start, done=False):
    rng = ctx.rng
    due_noon = datetime(due.year, due.month, due.day, 4, tzinfo=timezone.utc)  # noon in China
    created = max(start, min(ctx.now, due_noon - timedelta(days=rng.randint(1, 10))))
    done_at = min(ctx.now, max(created, due_noon + timedelta(hours=rng.randint(-20, 30)))) if done else None
    follow_up = FollowUp(prospect=prospect, assignee=owner, due_date=due, note=note, done_at=done_at,
                         created_by_id=owner.id, created_at=created)
    db.session.add(follow_up)
    return follow_up


def _messages(ctx, prospect, owner, applicant, start, until, lang):
    rng = ctx.rng
    texts = MESSAGES[lang]
    when = start + timedelta(seconds=round((until - start).total_seconds() * rng.uniform(0.05, 0.3)))
    db.session.add(Message(prospect=prospect, author=owner, body=texts["hello"].format(owner=owner.name),
                           created_at=when))
    if rng.random() < 0.6:
        when = when + (until - when) * rng.uniform(0.2, 0.6)
        db.session.add(Message(prospect=prospect, author=owner, body=rng.choice(texts["questions"]),
                               is_question=True, created_at=when))
    if rng.random() < 0.7:
        when = when + (until - when) * rng.uniform(0.1, 0.5)
        db.session.add(Message(prospect=prospect, author=applicant, body=rng.choice(texts["replies"]),
                               created_at=when))
    return when


# ---- the named applicant's company -----------------------------------------------------------------


def _named_applicant_prospect(ctx):
    """东莞市鑫达通讯器材有限公司: applied 40 days ago, negotiating with manager@ since 18 days."""
    now = ctx.now
    manager = ctx.users["manager@demo.example"]
    created = now - timedelta(days=40, hours=3)
    applicant = _user(ctx, "applicant@demo.example", created_at=created)
    times = [created, now - timedelta(days=33, hours=5), now - timedelta(days=18, hours=2)]
    prospect = _prospect(
        ctx, "GD-DG", NEGOTIATING, owner=manager, channel="social", english=False, source="online",
        company_name="东莞市鑫达通讯器材有限公司", contact_name=applicant.name, email=applicant.email,
        created_at=created, path=[NEW, QUALIFYING, NEGOTIATING], times=times, skip_extras=True,
    )
    prospect.mobile = applicant.phone = "13826451379"
    prospect.outlet_count = 6
    prospect.years_in_business = 8
    prospect.registered_capital = Decimal("2000000.00")
    prospect.legal_representative = "刘建华"
    prospect.pitch = ("我们在东莞经营6家手机门店，集中在南城和长安，月均新增用户约150户。"
                      "希望成为贵司移动套餐和家庭宽带的授权代理，并可承接有价卡销售。")
    prospect.product_lines = [p for p in ctx.products if p.code in ("mobile", "broadband", "prepaid")]
    activities = (
        ("call", now - timedelta(days=38), "王芳、刘洋（总经理）",
         "电话初步沟通：6家门店，集中在南城和长安，店员共14人，约定下周上门拜访。"),
        ("visit", now - timedelta(days=31), "王芳、刘洋（总经理）、店长陈静",
         "走访南城主店和长安2家门店：门头形象好，客流稳定；店员对宽带资费不熟，签约后需安排培训。"),
        ("meeting", now - timedelta(days=17), "王芳、刘洋（总经理）、财务负责人何欣",
         "商务洽谈：对方希望长安镇区域独家，信誉保证金5万元可以接受；分歧在房补标准和首月佣金比例。"),
        ("call", now - timedelta(days=6), "王芳、刘洋（总经理）",
         "电话跟进佣金方案：对方希望移动套餐首月佣金提高到套餐费的80%，我方回复需报分公司审批。"),
    )
    for kind, when, participants, outcome in activities:
        db.session.add(Activity(prospect=prospect, kind=kind, occurred_at=when, participants=participants,
                                outcome=outcome, author=manager, created_at=when + timedelta(hours=1)))
    messages = (
        (manager, now - timedelta(days=39), False,
         "刘总您好，已收到贵司的申请，我是负责广东区域的渠道经理王芳，近期会与您电话联系。"),
        (applicant, now - timedelta(days=39) + timedelta(hours=2), False, "王经理好，谢谢，随时欢迎来门店看看。"),
        (manager, now - timedelta(days=16), False,
         "感谢昨天的洽谈。会议纪要和佣金标准说明已发到您的邮箱，请查收。"),
        (manager, now - timedelta(days=2, hours=4), True,
         "刘总，为了报批长安镇的区域独家，请问：6家门店中有几家能在下月底前完成店面形象改造？"
         "另请提供近三个月各门店的手机销量和新增用户数。"),
    )
    for author, when, question, body in messages:
        db.session.add(Message(prospect=prospect, author=author, body=body, is_question=question,
                               created_at=when))
    _follow_up(ctx, prospect, manager, ctx.today - timedelta(days=20), "上门拜访，查看门店", created, done=True)
    _follow_up(ctx, prospect, manager, ctx.today, "把佣金方案报分公司审批，并回复鑫达", created)
    _follow_up(ctx, prospect, manager, ctx.today + timedelta(days=7), "确认店面形象改造计划", created)
    prospect.updated_at = now - timedelta(days=2, hours=4)
    return prospect


# ---- duplicates and notifications ------------------------------------------------------------------


def _duplicates(ctx, prospects):
    """A few second applications with a credit code already on file, two of them in Guangdong."""
    rng = ctx.rng
    manager = ctx.users["manager@demo.example"]
    gd = [p for p in prospects if p.owner is manager and p.stage in (NEW, QUALIFYING, NEGOTIATING)]
    others = [p for p in prospects if p.owner is not None and p.owner is not manager and p.stage != SIGNED]
    chosen = gd[:2] + rng.sample(others, 3)
    for prospect in chosen:
        english = not any("\u4e00" <= ch <= "\u9fff" for ch in prospect.company_name)
        contact, local = _person(rng, english)
        when = prospect.created_at + (ctx.now - prospect.created_at) * rng.uniform(0.3, 0.95)
        duplicate = DuplicateApplication(
            prospect=prospect, company_name=prospect.company_name, contact_name=contact,
            email=f"{local}@{prospect.email.split('@')[1]}", mobile=_mobile(rng),
            pitch=("我们之前提交过申请，一直没有回复，所以再次申请。" if not english
                   else "We applied before but heard nothing, so we are applying again."),
            ip_address=f"203.0.113.{rng.randint(2, 254)}", created_at=when,
        )
        db.session.add(duplicate)
        ctx.duplicates.append(duplicate)


def _notifications(ctx, named, prospects):
    """A handful for manager@ and applicant@, as the services would have raised them."""
    now = ctx.now
    manager = ctx.users["manager@demo.example"]
    applicant = ctx.users["applicant@demo.example"]

    def add(user, kind, params, link, when, read=False):
        db.session.add(Notification(user_id=user.id, kind=kind, params=params, link=link, created_at=when,
                                    read_at=when + timedelta(hours=2) if read else None))

    link = f"/pipeline/prospects/{named.id}"
    company = named.company_name
    add(manager, "application_received", {"company": company}, link, named.created_at, read=True)
    newest = max((p for p in prospects if p.owner is manager and p.stage == NEW and p.source == "online"),
                 key=lambda p: p.created_at, default=None)
    if newest is not None:
        add(manager, "application_received", {"company": newest.company_name},
            f"/pipeline/prospects/{newest.id}", newest.created_at)
    for duplicate in ctx.duplicates:
        if duplicate.prospect.owner is manager:
            add(manager, "duplicate_application", {"company": duplicate.prospect.company_name},
                f"/pipeline/prospects/{duplicate.prospect.id}", duplicate.created_at)
    add(manager, "follow_up_due", {"company": company, "due": ctx.today.isoformat(),
                                   "note": "把佣金方案报分公司审批，并回复鑫达"},
        f"{link}#follow-ups", now - timedelta(hours=1))
    add(manager, "message_received", {"company": company, "author": applicant.name}, f"{link}#messages",
        now - timedelta(days=39) + timedelta(hours=2), read=True)

    add(applicant, "stage_changed", {"company": company, "stage": QUALIFYING}, "/my-application",
        now - timedelta(days=33, hours=5), read=True)
    add(applicant, "stage_changed", {"company": company, "stage": NEGOTIATING}, "/my-application",
        now - timedelta(days=18, hours=2))
    add(applicant, "message_received", {"company": company, "author": manager.name}, "/my-application#messages",
        now - timedelta(days=2, hours=4))


# ---- signed partners, through the services -----------------------------------------------------------


@contextmanager
def _services_context():
    """What the services need outside a web request (the CLI): a request context, for url_for.
    E-mail goes to flask_mailman's "dummy" backend meanwhile: the services notify, and the in-app
    notifications are welcome, but nobody is e-mailed about demo data. flask_mailman reads the
    backend from its state (set from MAIL_BACKEND by init_app) each time it sends."""
    state = current_app.extensions["mailman"]
    backend = state.backend
    state.backend = "dummy"
    try:
        # Links made while loading (certificates, e-mails) point where `make run` serves.
        base_url = current_app.config.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
        with nullcontext() if has_request_context() else current_app.test_request_context(base_url=base_url):
            yield
    finally:
        state.backend = backend


def _not_emailed(ctx):
    """The services stamp their notifications as e-mailed; the demo's were not (see above)."""
    ids = [user.id for user in ctx.users.values() if user.id is not None]
    db.session.execute(sa.update(Notification).where(Notification.user_id.in_(ids), Notification.emailed_at.isnot(None))
                       .values(emailed_at=None).execution_options(synchronize_session=False))


def _signed_partners(ctx):
    ensure_default_templates(ctx.admin)
    template = db.session.scalar(
        sa.select(AgreementTemplate).where(AgreementTemplate.code == "distributor", AgreementTemplate.active.is_(True))
    )
    for spec in SIGNED_PARTNERS:
        _signed_partner(ctx, spec, template)


def _agreement_start(ctx):
    """The demo partners' agreements start on the first of the month six months ago."""
    return add_months(ctx.today.replace(day=1), -6)


def _term_values(ctx, terms):
    """The term sheet ``terms`` of a SIGNED_PARTNERS entry as propose_terms takes them."""
    start = _agreement_start(ctx)
    end = start.replace(year=start.year + terms["years"]) - timedelta(days=1)
    products = {p.code: p for p in ctx.products}
    return {
        "territory_ids": [(ctx.areas[code].city or ctx.areas[code].province).id for code in terms["territories"]],
        "exclusive": terms["exclusive"],
        "channel_type_id": terms["channel_type"].id,
        "tier_id": ctx.tiers[terms["tier"]].id,
        "start_date": start,
        "end_date": end,
        "deposit": Decimal(terms["deposit"]),
        "rent_subsidy_per_outlet": Decimal(terms["rent_subsidy_per_outlet"]),
        "payment_terms": terms["payment_terms"],
        "special_clauses": terms["special_clauses"],
        "note": terms["note"],
        "lines": [{"product_line_id": products[code].id, "commission_rate": Decimal(rate),
                   "monthly_target": Decimal(target)} for code, (rate, target) in terms["lines"].items()],
    }


def _signed_partner(ctx, spec, template):
    """A prospect in negotiation, two or three versions of the terms, the agreement generated,
    signed and countersigned (so it becomes a partner), then the partner's profile and outlets,
    a deposit payment and a staff member — each step by the person who would take it, on its
    day about six months ago (see SIGNED_PARTNERS). The notifications of those days are read."""
    manager = ctx.users[spec["manager"]]
    signed_on = _agreement_start(ctx) - timedelta(days=spec["lead"])  # the day of the countersignature

    def before(days, hour, minute=0):
        return _at(signed_on - timedelta(days=days), hour, minute)

    def after(days, hour, minute=0):
        return _at(signed_on + timedelta(days=days), hour, minute)

    first_notification = db.session.scalar(sa.select(sa.func.max(Notification.id))) or 0
    created = before(spec["days"][0], 20, 15)  # applied online, in the evening
    applicant = _user(ctx, spec["email"], created_at=created)
    times = [created, before(spec["days"][1], 11), before(spec["days"][2], 15, 30)]
    prospect = _prospect(
        ctx, spec["area"], NEGOTIATING, owner=manager, channel=spec["channel"], english=spec["english"],
        source="online", company_name=spec["company"], contact_name=applicant.name, email=applicant.email,
        created_at=created, path=[NEW, QUALIFYING, NEGOTIATING], times=times, skip_extras=True,
    )
    ctx.company_names.add(spec["company"])
    prospect.mobile = applicant.phone = spec["mobile"]
    prospect.legal_representative = spec["legal_representative"]
    prospect.outlet_count = spec["outlet_count"]
    prospect.years_in_business = spec["years"]
    prospect.registered_capital = spec["capital"]
    prospect.pitch = spec["pitch"]
    prospect.product_lines = [p for p in ctx.products if p.code in spec["products"]]
    for kind, days, participants, outcome in spec["activities"]:
        when = before(days, 10, 30)
        db.session.add(Activity(prospect=prospect, kind=kind, occurred_at=when, participants=participants,
                                outcome=outcome, author=manager, created_at=when + timedelta(hours=1)))
    prospect.updated_at = times[-1]
    db.session.flush()  # the services check sides and permissions by id

    people = {VENDOR: manager, PROSPECT: applicant}
    terms = dict(spec["terms"], channel_type=ctx.channels[spec["channel"]])
    schedule = spec["schedule"]
    sheet = None
    with force_locale(manager.locale or "en"):  # texts the services store are in the manager's language
        for (side, changes), when in zip(spec["versions"], schedule["versions"], strict=True):
            terms = {**terms, **changes, "lines": {**terms["lines"], **changes.get("lines", {})}}
            with acting_as(people[side]), _dated(before(*when), TermSheet):
                sheet = negotiation.propose_terms(prospect, _term_values(ctx, terms), people[side],
                                                  based_on=sheet.number if sheet else 0)
        author, other = people[sheet.author_side], people[PROSPECT if sheet.author_side == VENDOR else VENDOR]
        at = before(*schedule["accept"])
        with acting_as(other), _dated(at):
            negotiation.accept_terms(sheet, other)
        _touch(sheet, accepted_at=at)
        at = before(*schedule["lock"])
        with acting_as(author), _dated(at):
            negotiation.lock_terms(sheet, author)
        _touch(sheet, locked_at=at)
        at = before(*schedule["generate"])
        with acting_as(manager), _dated(at, Agreement, StoredFile, StageChange):
            agreement = generate_agreement(prospect, template, spec["language"], manager, today=_day(at))
        _touch(prospect, stage_changed_at=at, updated_at=at)
        at = before(*schedule["sign"])
        with acting_as(applicant), _dated(at):
            signing.sign(agreement, applicant, document_sha256=agreement.document.sha256,
                         signer_name=applicant.name, signer_title=spec["signer_title"], authorised=True,
                         ip_address=SIGNER_IP, user_agent=SIGNER_AGENT, now=at)
        _touch(agreement, updated_at=at)
        at = before(*schedule["countersign"])
        with acting_as(manager), _dated(at, StoredFile, StageChange, Partner, DepositAccount, DepositMovement,
                                        PartnerTarget) as written:
            signing.countersign(agreement, manager, signer_name=manager.name, signer_title=spec["manager_title"],
                                authorised=True, ip_address=SIGNER_IP, user_agent=SIGNER_AGENT, now=at)
        partner = agreement.partner  # the applicant is now its partner admin
        _touch(partner, signed_at=at)
        _restate(written, "signed_at", at)
        _touch(agreement, updated_at=at)
        _touch(prospect, stage_changed_at=at, updated_at=at)

        at = after(*spec["after"]["outlets"])
        with acting_as(applicant), _dated(at, Outlet):
            partner_services.update_profile(partner, dict(spec["profile"], contact_name=applicant.name), applicant)
            for name, address, city, kind, opened_on in spec["outlets"]:
                partner_services.add_outlet(partner, {"name": name, "address": address, "city": ctx.areas[city].city,
                                                      "kind": kind, "opened_on": opened_on}, applicant,
                                            today=_day(at))
        _touch(partner, updated_at=at)
        if spec["payment"]:
            amount, reference, note = spec["payment"]
            with acting_as(manager), _dated(after(*spec["after"]["payment"]), DepositMovement):
                partner_services.record_payment(partner, Decimal(amount), reference, note, manager)
        if spec["staff"]:
            name, _role, locale, _codes, _description = _ACCOUNTS[spec["staff"]]
            with acting_as(applicant), _dated(after(*spec["after"]["staff"]), User):
                staff = partner_services.invite_staff(partner, spec["staff"], name, locale, applicant)
            staff.password_hash = ctx.password_hash  # as if they had followed the invitation
            staff.timezone = "Asia/Shanghai"
            ctx.users[staff.email] = staff
    db.session.flush()
    _read_since(first_notification)  # months ago: what the services told the two sides then was read
    return partner


def _read_since(first_id, delay=timedelta(hours=2)):
    """The notifications written after ``first_id`` were read ``delay`` after they came."""
    rows = db.session.execute(sa.select(Notification.id, Notification.created_at)
                              .where(Notification.id > first_id, Notification.read_at.is_(None))).all()
    for notification_id, created_at in rows:
        _set(Notification, Notification.id == notification_id, read_at=created_at + delay)


# ---- training: two modules, a curriculum, and partner users at various stages ----------------------

# The onboarding module (required of the demo partners' channel types) and a smaller quarterly
# module (optional). Lesson bodies are HTML as a manager would type it; the authoring services
# sanitise it. Questions: (kind, text_zh, text_en, options) with options (zh, en, correct); a
# true-or-false question gives its answer instead of options.
ONBOARDING = {
    "title_zh": "新入网代理商上岗培训：产品、政策与规则",
    "title_en": "New partner onboarding: products, policies and rules",
    "description_zh": "面向新签约代理商的老板、店长和营业员：我司主要产品与资费、佣金与房补的结算、信誉保证金、"
                      "渠道管理规则和门店服务规范。\n学完四课后参加考试：每次随机抽取5题，80分及格，限时20分钟，"
                      "共3次机会；通过后获得有效期一年的培训合格证书。",
    "description_en": "For the owners, store managers and sales staff of newly signed partners: our main products "
                      "and tariffs, how commission and rent subsidies are settled, the credit deposit, the channel "
                      "rules and the store service standards.\nRead the four lessons, then take the exam: 5 questions "
                      "drawn at random, pass mark 80%, 20 minutes, 3 attempts. A pass earns a certificate valid for "
                      "one year.",
    "pass_mark": 80, "questions_per_attempt": 5, "max_attempts": 3, "time_limit_minutes": 20,
    "certificate_validity_days": 365,
}
ONBOARDING_LESSONS = (
    {
        "title_zh": "产品与资费概览",
        "title_en": "Our products and tariffs",
        "body_zh": (
            "<h3>您可以办理的业务</h3>"
            "<ul><li><strong>移动套餐</strong>：新入网开户、套餐变更、携号转网咨询；</li>"
            "<li><strong>家庭宽带</strong>：新装、续约，以及宽带＋手机的融合套餐；</li>"
            "<li><strong>有价卡</strong>：充值卡一律按面值销售，不得折价。</li></ul>"
            "<h3>本年度主推套餐</h3>"
            "<table><thead><tr><th scope=\"col\">套餐</th><th scope=\"col\">月费</th><th scope=\"col\">国内流量</th>"
            "<th scope=\"col\">国内通话</th><th scope=\"col\">适合人群</th></tr></thead><tbody>"
            "<tr><td>畅享59</td><td>59元</td><td>30GB</td><td>200分钟</td><td>普通个人用户</td></tr>"
            "<tr><td>畅享99</td><td>99元</td><td>80GB</td><td>500分钟</td><td>商务人士</td></tr>"
            "<tr><td>校园39</td><td>39元</td><td>40GB</td><td>100分钟</td><td>在校学生（凭学生证办理）</td></tr>"
            "<tr><td>融合169</td><td>169元</td><td>100GB，2张副卡共享</td><td>1000分钟</td><td>家庭（含500M宽带）</td></tr>"
            "</tbody></table>"
            "<h4>办理要点</h4>"
            "<ol><li>新入网必须现场核验用户本人的有效身份证件，并完成人像比对（实名制）；</li>"
            "<li>同一用户在我司名下的号卡不得超过5张；</li>"
            "<li>向用户讲清月费、合约期和违约责任，并请用户在业务单上签字确认。</li></ol>"
        ),
        "body_en": (
            "<h3>What your outlets may sell</h3>"
            "<ul><li><strong>Mobile plans</strong>: new lines, plan changes, advice on number porting;</li>"
            "<li><strong>Home broadband</strong>: new installations, renewals, and bundles of broadband and "
            "mobile;</li>"
            "<li><strong>Prepaid cards</strong>: always sold at face value, never at a discount.</li></ul>"
            "<h3>This year's main plans</h3>"
            "<table><thead><tr><th scope=\"col\">Plan</th><th scope=\"col\">Monthly fee</th>"
            "<th scope=\"col\">Domestic data</th><th scope=\"col\">Domestic calls</th><th scope=\"col\">For</th>"
            "</tr></thead><tbody>"
            "<tr><td>Enjoy 59</td><td>CNY 59</td><td>30 GB</td><td>200 minutes</td>"
            "<td>Most individual customers</td></tr>"
            "<tr><td>Enjoy 99</td><td>CNY 99</td><td>80 GB</td><td>500 minutes</td><td>Business customers</td></tr>"
            "<tr><td>Campus 39</td><td>CNY 39</td><td>40 GB</td><td>100 minutes</td>"
            "<td>Students (with a student card)</td></tr>"
            "<tr><td>Family 169</td><td>CNY 169</td><td>100 GB, shared with 2 extra SIMs</td><td>1,000 minutes</td>"
            "<td>Families (includes 500 Mbps broadband)</td></tr>"
            "</tbody></table>"
            "<h4>When you open a line</h4>"
            "<ol><li>Check the customer's own valid ID in person and complete the face match (real-name rule);</li>"
            "<li>one customer may hold at most 5 of our SIM cards;</li>"
            "<li>explain the monthly fee, the contract term and the early-termination charge, and have the customer "
            "sign the order form.</li></ol>"
        ),
    },
    {
        "title_zh": "佣金、房补与信誉保证金",
        "title_en": "Commission, rent subsidy and the credit deposit",
        "body_zh": (
            "<h3>佣金</h3>"
            "<p>佣金按协议约定的各产品线佣金比例计算。每月10日前双方对账，次月20日前支付至贵司对公账户。"
            "用户入网后3个月内销户或欠费停机的，对应佣金将在下期结算中<strong>追回</strong>。</p>"
            "<h3>结算一览</h3>"
            "<table><thead><tr><th scope=\"col\">项目</th><th scope=\"col\">计算方式</th><th scope=\"col\">支付时间</th>"
            "</tr></thead><tbody>"
            "<tr><td>佣金</td><td>有效用户实收金额 × 协议佣金比例</td><td>次月20日前</td></tr>"
            "<tr><td>房补</td><td>协议约定的每网点月补贴标准，仅限当月检查合格的网点</td><td>次月20日前</td></tr>"
            "<tr><td>信誉保证金</td><td>协议约定金额，开展业务前缴纳</td><td>合作终止、清退结算后无息退还</td></tr>"
            "</tbody></table>"
            "<h3>信誉保证金</h3>"
            "<ul><li>违反渠道规则的罚款，从信誉保证金中扣除，扣除后须在15日内补足；</li>"
            "<li>合作终止时，结清应付款项后退还余额。</li></ul>"
            "<p>附件《佣金结算速查表》可打印张贴在后台。</p>"
        ),
        "body_en": (
            "<h3>Commission</h3>"
            "<p>Commission is the rate your agreement sets for each product line. Statements are agreed by the 10th "
            "of each month and paid to your company account by the 20th of the following month. If a customer "
            "cancels, or is cut off for not paying, within 3 months of joining, the commission for them is "
            "<strong>clawed back</strong> in the next settlement.</p>"
            "<h3>Settlement at a glance</h3>"
            "<table><thead><tr><th scope=\"col\">Item</th><th scope=\"col\">How it is calculated</th>"
            "<th scope=\"col\">When it is paid</th></tr></thead><tbody>"
            "<tr><td>Commission</td><td>Amount paid by active customers × the agreed rate</td>"
            "<td>By the 20th of the following month</td></tr>"
            "<tr><td>Rent subsidy</td><td>The agreed monthly amount per outlet, only for outlets that passed that "
            "month's inspection</td><td>By the 20th of the following month</td></tr>"
            "<tr><td>Credit deposit</td><td>The agreed amount, paid before you start selling</td>"
            "<td>Refunded without interest after the exit settlement</td></tr>"
            "</tbody></table>"
            "<h3>The credit deposit</h3>"
            "<ul><li>Fines for breaking the channel rules are taken from the deposit, which must be topped up "
            "within 15 days;</li>"
            "<li>when the partnership ends, the balance is refunded once everything owed is settled.</li></ul>"
            "<p>Print the attached quick reference and put it up in your back office.</p>"
        ),
        "attachment": ("commission-quick-reference.pdf", "佣金结算速查表 / Commission quick reference (PDF)"),
    },
    {
        "title_zh": "渠道规则：窜货、降价与抢单",
        "title_en": "Channel rules: cross-territory selling, price cutting and deal poaching",
        "body_zh": (
            "<h3>禁止的行为</h3>"
            "<ul><li><strong>窜货</strong>：在协议约定区域以外销售，或把号卡、终端批给其他区域的商户；</li>"
            "<li><strong>降价</strong>：未经书面批准，低于我司指导价销售套餐、终端或有价卡；</li>"
            "<li><strong>抢单</strong>：挖走其他代理商正在洽谈或已经签约的客户；</li>"
            "<li>未经批准自行开展促销、使用未经审核的宣传品。</li></ul>"
            "<h3>处理方式</h3>"
            "<p>渠道经理调查核实后，视情节作出处理：</p>"
            "<ol><li>书面警告；</li><li>从信誉保证金中扣除罚款；</li><li>调整授权区域；</li><li>终止合作。</li></ol>"
            "<p>发现其他代理商进入您的区域，请在门户中向渠道经理报告并附上证据（照片、单据），"
            "<strong>不要</strong>以降价或进入对方区域的方式报复。观看下方视频了解一个真实案例的处理过程。</p>"
        ),
        "body_en": (
            "<h3>What is not allowed</h3>"
            "<ul><li><strong>Cross-territory selling</strong>: selling outside the territory in your agreement, or "
            "passing SIM cards or handsets on to shops in another territory;</li>"
            "<li><strong>Price cutting</strong>: selling plans, handsets or prepaid cards below our guide price "
            "without written approval;</li>"
            "<li><strong>Deal poaching</strong>: taking a customer another partner is negotiating with or has "
            "signed;</li>"
            "<li>running your own promotions, or using publicity material we have not approved.</li></ul>"
            "<h3>What happens</h3>"
            "<p>The channel manager investigates and, depending on how serious it is, decides on:</p>"
            "<ol><li>a written warning;</li><li>a fine taken from the credit deposit;</li>"
            "<li>a change of territory;</li><li>ending the partnership.</li></ol>"
            "<p>If you find another partner selling in your territory, report it to your channel manager in the "
            "portal with evidence (photos, receipts). Do <strong>not</strong> answer by cutting prices or selling "
            "in their territory. The video below walks through a real case.</p>"
        ),
        "video_url": "https://video.example.com/partner-training/channel-rules-case",
    },
    {
        "title_zh": "门店服务规范与检查",
        "title_en": "Store service standards and inspections",
        "body_zh": (
            "<h3>检查什么</h3>"
            "<p>渠道经理会定期巡视门店，并不定期安排暗访，从三个方面评分：</p>"
            "<table><thead><tr><th scope=\"col\">方面</th><th scope=\"col\">检查内容</th></tr></thead><tbody>"
            "<tr><td>宣传</td><td>门头、海报和资费牌是否为最新版本，摆放是否规范</td></tr>"
            "<tr><td>服务</td><td>店员是否主动接待、准确介绍资费、不夸大宣传</td></tr>"
            "<tr><td>合规</td><td>实名制登记、业务单签字、有价卡和赠品台账</td></tr>"
            "</tbody></table>"
            "<h3>整改</h3>"
            "<ul><li>检查不合格的，渠道经理会下发整改意见并规定完成期限；</li>"
            "<li>门店须在期限内完成整改，渠道经理将复查；</li>"
            "<li>未完成整改的网点，当月房补暂停发放。</li></ul>"
            "<h4>小贴士</h4><p>每月初对照资费牌检查一次，并把赠品、有价卡的领用和发放逐笔登记。</p>"
        ),
        "body_en": (
            "<h3>What is checked</h3>"
            "<p>Your channel manager visits your outlets regularly, and mystery shoppers visit unannounced. They "
            "score three things:</p>"
            "<table><thead><tr><th scope=\"col\">Area</th><th scope=\"col\">What they look at</th></tr></thead><tbody>"
            "<tr><td>Publicity</td><td>Are the shopfront, posters and tariff boards the latest version, and "
            "properly displayed?</td></tr>"
            "<tr><td>Service</td><td>Do staff greet customers, explain the tariffs correctly and avoid "
            "overselling?</td></tr>"
            "<tr><td>Compliance</td><td>Real-name registration, signed order forms, the register of prepaid cards "
            "and gifts</td></tr>"
            "</tbody></table>"
            "<h3>Rectification</h3>"
            "<ul><li>After a failed inspection the channel manager issues a rectification order with a "
            "deadline;</li>"
            "<li>the outlet fixes the problems by the deadline, and the channel manager checks again;</li>"
            "<li>an outlet that has not finished its rectification gets no rent subsidy for that month.</li></ul>"
            "<h4>Tip</h4><p>Check your tariff boards at the start of each month, and record every prepaid card and "
            "gift received and handed out.</p>"
        ),
    },
)
ONBOARDING_QUESTIONS = (
    ("single", "为新用户办理入网时，必须做什么？", "What must you do when you open a new line for a customer?", (
        ("现场核验用户本人的有效身份证件并完成人像比对", "Check the customer's own valid ID in person and complete "
                                                          "the face match", True),
        ("只需登记用户的手机号码", "Only write down the customer's phone number", False),
        ("由用户口头报出身份证号即可", "Let the customer say their ID number aloud", False),
        ("先开卡，三天内再补登记", "Open the line first and register the customer within three days", False))),
    ("single", "“校园39”套餐面向哪类用户？", "Who is the Campus 39 plan for?", (
        ("在校学生，凭学生证办理", "Students, with a student card", True),
        ("商务人士", "Business customers", False),
        ("家庭用户", "Families", False),
        ("所有用户", "Everyone", False))),
    ("single", "当月的佣金在什么时候支付？", "When is a month's commission paid?", (
        ("次月20日前", "By the 20th of the following month", True),
        ("当月月底", "At the end of the same month", False),
        ("每季度末", "At the end of each quarter", False),
        ("用户缴费后立即支付", "As soon as the customer pays", False))),
    ("single", "发现其他代理商在您的区域销售，应该怎么做？",
     "You find another partner selling in your territory. What should you do?", (
        ("在门户中向渠道经理报告，并附上证据", "Report it to your channel manager in the portal, with evidence", True),
        ("降价把客户抢回来", "Cut your prices to win the customers back", False),
        ("到对方的区域去销售作为回应", "Sell in their territory in return", False),
        ("不予理会", "Ignore it", False))),
    ("multiple", "以下哪些行为违反渠道规则？（多选）", "Which of these break the channel rules? (tick all that apply)", (
        ("在协议约定区域以外销售（窜货）", "Selling outside your agreed territory", True),
        ("未经批准低于指导价销售（降价）", "Selling below the guide price without approval", True),
        ("挖走其他代理商正在洽谈的客户（抢单）", "Taking a customer another partner is negotiating with", True),
        ("在本店按指导价销售移动套餐", "Selling mobile plans at the guide price in your own outlet", False))),
    ("multiple", "暗访时会从哪些方面给门店评分？（多选）", "What does a mystery shopping visit score? (tick all that apply)", (
        ("宣传：海报和资费牌是否最新", "Publicity: are posters and tariff boards up to date", True),
        ("服务：是否准确介绍资费", "Service: are the tariffs explained correctly", True),
        ("合规：实名制和台账", "Compliance: real-name registration and registers", True),
        ("店员个人社交账号的粉丝数", "The number of followers of the staff's social media accounts", False))),
    ("multiple", "办理套餐时，必须向用户讲清哪些内容？（多选）",
     "What must you explain to a customer who takes a plan? (tick all that apply)", (
        ("月费", "The monthly fee", True),
        ("合约期", "The contract term", True),
        ("违约责任", "The early-termination charge", True),
        ("其他代理商的报价", "Other partners' prices", False))),
    ("true_false", "为吸引客户，有价卡可以低于面值折价销售。",
     "Prepaid cards may be sold below face value to attract customers.", "false"),
    ("true_false", "用户入网后3个月内销户的，对应佣金将在下期结算中追回。",
     "If a customer cancels within 3 months of joining, the commission for them is clawed back in the next "
     "settlement.", "true"),
    ("true_false", "收到整改意见后，门店须在规定期限内完成整改，渠道经理会复查。",
     "After a rectification order, the outlet must fix the problems by the deadline, and the channel manager "
     "checks again.", "true"),
)

QUARTERLY = {
    "title_zh": "季度销售政策与促销物料",
    "title_en": "Quarterly sales policy and promotional material",
    "description_zh": "本季度的促销政策，以及促销物料、赠品和有价卡的申领与登记。政策每季度更新，证书有效期90天，"
                      "请在新季度重新学习并参加考试。",
    "description_en": "This quarter's promotions, and how to request and record promotional material, gifts and "
                      "prepaid cards. The policy changes every quarter, so the certificate lasts 90 days: take the "
                      "module again each new quarter.",
    "pass_mark": 75, "questions_per_attempt": 4, "max_attempts": 3, "time_limit_minutes": None,
    "certificate_validity_days": 90,
}
QUARTERLY_LESSONS = (
    {
        "title_zh": "本季度促销政策",
        "title_en": "This quarter's promotions",
        "body_zh": (
            "<h3>促销活动</h3>"
            "<table><thead><tr><th scope=\"col\">活动</th><th scope=\"col\">内容</th><th scope=\"col\">条件</th>"
            "</tr></thead><tbody>"
            "<tr><td>宽带新装送月费</td><td>融合169套餐新装宽带，赠送2个月宽带月费</td><td>合约期24个月</td></tr>"
            "<tr><td>校园迎新</td><td>校园39套餐首月免费</td><td>凭学生证，每人限1张</td></tr>"
            "<tr><td>老用户升档</td><td>升级到畅享99，赠送10GB流量包，连送3个月</td><td>在网满12个月</td></tr>"
            "</tbody></table>"
            "<p>活动内容以我司发布的政策文件为准，不得自行增加赠品或折扣。</p>"
        ),
        "body_en": (
            "<h3>Promotions</h3>"
            "<table><thead><tr><th scope=\"col\">Promotion</th><th scope=\"col\">What the customer gets</th>"
            "<th scope=\"col\">Conditions</th></tr></thead><tbody>"
            "<tr><td>Broadband welcome</td><td>Two months of broadband free with a new Family 169 bundle</td>"
            "<td>24-month contract</td></tr>"
            "<tr><td>Back to campus</td><td>The first month of Campus 39 free</td>"
            "<td>With a student card; one per person</td></tr>"
            "<tr><td>Upgrade offer</td><td>A 10 GB data pack for 3 months on moving up to Enjoy 99</td>"
            "<td>Customer for 12 months or more</td></tr>"
            "</tbody></table>"
            "<p>Only the published policy counts: do not add gifts or discounts of your own.</p>"
        ),
    },
    {
        "title_zh": "促销物料、赠品与有价卡",
        "title_en": "Promotional material, gifts and prepaid cards",
        "body_zh": (
            "<h3>申领与登记</h3>"
            "<ol><li>在门户中提交物料申请，写明用途和数量；</li>"
            "<li>收货时清点数量，与发货单核对后签收；</li>"
            "<li>赠品和有价卡逐笔登记发放对象和日期，渠道经理巡视时会核对台账。</li></ol>"
            "<p><strong>注意</strong>：赠品不得转售，有价卡不得折价销售。</p>"
        ),
        "body_en": (
            "<h3>Requesting and recording</h3>"
            "<ol><li>Request material in the portal, saying what it is for and how much you need;</li>"
            "<li>count it on delivery, check it against the delivery note, then sign for it;</li>"
            "<li>record each gift and prepaid card handed out, with the customer and the date: your channel manager "
            "checks the register on visits.</li></ol>"
            "<p><strong>Note</strong>: gifts may not be resold, and prepaid cards are never sold at a discount.</p>"
        ),
    },
)
QUARTERLY_QUESTIONS = (
    ("single", "融合169套餐新装宽带，本季度赠送什么？", "What does a new Family 169 broadband customer get this quarter?", (
        ("2个月宽带月费", "Two months of broadband free", True),
        ("一部新手机", "A new handset", False),
        ("100元有价卡", "A CNY 100 prepaid card", False))),
    ("single", "收到促销物料时应该怎么做？", "What do you do when promotional material arrives?", (
        ("清点数量，与发货单核对后签收", "Count it, check it against the delivery note, then sign for it", True),
        ("直接签收，有问题再说", "Sign for it straight away and sort out problems later", False),
        ("交给店员自行保管，不用登记", "Give it to the staff to keep, without recording it", False))),
    ("multiple", "赠品和有价卡发放时需要登记哪些信息？（多选）",
     "What do you record when you hand out a gift or a prepaid card? (tick all that apply)", (
        ("发放对象", "Who received it", True),
        ("发放日期", "The date", True),
        ("用户的家庭住址", "The customer's home address", False))),
    ("true_false", "门店可以在公司政策之外自行增加赠品。", "An outlet may add gifts of its own on top of the published policy.",
     "false"),
    ("true_false", "校园迎新活动每位学生限办1张。", "The back-to-campus offer is limited to one line per student.", "true"),
)

ATTACHMENT_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 18mm; }} body {{ font-family: {fonts}; font-size: 11pt; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #999; padding: 4pt 6pt; text-align: left; }}
</style></head><body>
<h1>佣金结算速查表 / Commission settlement quick reference</h1>
<table><thead><tr><th>日期 / Date</th><th>事项 / What happens</th></tr></thead><tbody>
<tr><td>每月10日前 / By the 10th</td><td>双方核对上月对账单 / Both sides agree last month's statement</td></tr>
<tr><td>次月20日前 / By the 20th of the next month</td><td>佣金和房补支付至对公账户 / Commission and rent subsidy paid to
the company account</td></tr>
<tr><td>入网3个月内销户 / Cancelled within 3 months</td><td>佣金在下期追回 / Commission clawed back next time</td></tr>
<tr><td>违规罚款后15日内 / Within 15 days of a fine</td><td>补足信誉保证金 / Top up the credit deposit</td></tr>
</tbody></table>
<p>有疑问请联系您的渠道经理。 / Questions? Ask your channel manager.</p>
</body></html>"""


def _training(ctx):
    """The modules are authored by manager@ through the authoring services (HTML sanitised, the
    attachment checked by content and stored with its hash), published, and the onboarding module
    required of the demo partners' channel types by the admin (the partners' people are notified).
    Then, through the learning services: partner@ read every lesson and passed (one wrong answer,
    80%: a certificate); partner2@ read every lesson and failed once (40%); staff@ read two
    lessons and has all three attempts left (the browser test takes the exam). partner2@ also
    passed the quarterly module 62 days ago: its 90-day certificate expires within 30 days and
    she has been reminded to re-certify."""
    manager, admin = ctx.users["manager@demo.example"], ctx.admin
    onboarding = _module(ONBOARDING, ONBOARDING_LESSONS, ONBOARDING_QUESTIONS, manager)
    quarterly = _module(QUARTERLY, QUARTERLY_LESSONS, QUARTERLY_QUESTIONS, manager)
    for code in sorted({spec["channel"] for spec in SIGNED_PARTNERS}):
        with acting_as(admin):
            assignment_services.create_rule(onboarding, ctx.channels[code], None, 30, admin)
    db.session.flush()

    rng = random.Random(SEED)
    partner, partner2, staff = (ctx.users[e] for e in ("partner@demo.example", "partner2@demo.example",
                                                       "staff@demo.example"))
    now = utcnow()
    for user, read, right in ((partner, 4, 4), (partner2, 4, 2), (staff, 2, None)):
        _read(user, onboarding.lessons[:read], now - timedelta(minutes=50))
        if right is not None:
            _take_exam(user, onboarding, ctx.today, right, rng, submitted_at=now - timedelta(minutes=2))

    # The expiring certificate: the quarterly module, taken 62 days ago.
    taken = ctx.now - timedelta(days=62, hours=3)
    _read(partner2, quarterly.lessons, taken - timedelta(minutes=40))
    attempt = _take_exam(partner2, quarterly, assignment_services.local_date(taken), quarterly.questions_per_attempt,
                         rng, submitted_at=taken)
    db.session.execute(  # told when she passed, and read long ago
        sa.update(Notification).where(Notification.user_id == partner2.id, Notification.kind == "certificate_issued",
                                      Notification.link == f"/training/modules/{attempt.module_id}")
        .values(created_at=taken, read_at=taken + timedelta(hours=1)).execution_options(synchronize_session=False)
    )
    learning.send_certificate_reminders(ctx.today)
    db.session.flush()


def _read(user, lessons, start):
    for number, lesson in enumerate(lessons):
        learning.mark_lesson_read(user, lesson, now=start + timedelta(minutes=6 * number))


def _module(spec, lessons, questions, author):
    with acting_as(author):
        module = authoring.create_module(spec, author)
        for lesson_spec in lessons:
            lesson = authoring.add_lesson(module, lesson_spec, author)
            if "attachment" in lesson_spec:
                name, label = lesson_spec["attachment"]
                pdf = render(ATTACHMENT_HTML.format(fonts=FONT_STACK))
                upload = FileStorage(stream=io.BytesIO(pdf), filename=name, content_type="application/pdf")
                authoring.add_attachment(lesson, upload, label, author)
        for kind, text_zh, text_en, options in questions:
            data = {"kind": kind, "text_zh": text_zh, "text_en": text_en, "active": True}
            if kind == "true_false":
                data["tf_answer"] = options
            else:
                data["options"] = [{"text_zh": zh, "text_en": en, "correct": correct} for zh, en, correct in options]
            authoring.save_question(module, data, author)
        authoring.set_status(module, "published", author)
    return module


def _take_exam(user, module, today, right, rng, submitted_at):
    """An attempt through the learning services, answering the first ``right`` questions
    correctly and the rest wrongly (the loader knows the answers, as the server does); graded
    and, on a pass, certified by the services."""
    attempt = learning.start_attempt(user, module, today, now=submitted_at - timedelta(minutes=12), rng=rng)
    options = {o.id: o for item in attempt.items for o in item.question.options}
    answers = {}
    for number, item in enumerate(attempt.items):
        shown = [options[i] for i in item.option_order]
        good = [pos for pos, option in enumerate(shown) if option.correct]
        bad = [pos for pos, option in enumerate(shown) if not option.correct]
        answers[item.position] = good if number < right else bad[:1]
    return learning.submit_attempt(attempt, answers, today, now=submitted_at)
