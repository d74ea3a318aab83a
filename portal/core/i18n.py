"""Locale and time zone choice, and the formatting helpers templates use."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_timezone
from flask_login import current_user

SUPPORTED = ("en", "zh_CN")
LANGUAGE_NAMES = {"en": "English", "zh_CN": "中文"}


def normalise_locale(tag):
    """Map a browser language tag to a supported locale, or None.

    zh, zh-CN, zh-Hans, zh-Hans-CN, zh_CN, zh-SG all mean Simplified Chinese here; en-* English.
    """
    if not tag:
        return None
    tag = tag.strip().replace("_", "-").lower()
    if tag == "zh" or tag.startswith("zh-hans") or tag in ("zh-cn", "zh-sg"):
        return "zh_CN"
    if tag.startswith("zh"):  # zh-TW, zh-Hant: Simplified is closer than English
        return "zh_CN"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def select_locale():
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in SUPPORTED:
        return chosen
    for tag, _quality in request.accept_languages:
        locale = normalise_locale(tag)
        if locale:
            return locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone():
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.timezone:
        return current_user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def html_lang(locale):
    return "zh-CN" if str(locale).startswith("zh") else "en"


def current_zone():
    """The user's time zone as a zoneinfo object (Babel may hand back a pytz zone, whose
    ``replace(tzinfo=…)`` gives the wrong, local-mean-time offset)."""
    return ZoneInfo(str(get_timezone()))


def local_now():
    return datetime.now(timezone.utc).astimezone(current_zone())


def local_to_utc(naive):
    """A wall-clock time the user typed (no zone) as an aware UTC datetime."""
    return naive.replace(tzinfo=current_zone()).astimezone(timezone.utc)


def local_today():
    return local_now().date()


def local_day_bounds_utc(day, tz=None):
    """The UTC instants at which local ``day`` starts and ends (end exclusive)."""
    tz = tz or current_zone()
    start = datetime.combine(day, time.min).replace(tzinfo=tz)
    return start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc)


def zone(name):
    return ZoneInfo(name)


def dt(value, fmt="medium"):
    return format_datetime(value, fmt) if value else ""


def d(value, fmt="medium"):
    return format_date(value, fmt) if value else ""


def money(value):
    if value is None:
        return ""
    sign = "-" if value < 0 else ""  # -¥61.73, not ¥-61.73
    return sign + "¥" + format_decimal(abs(value), format="#,##0.00")


def register_template_helpers(app):
    app.jinja_env.filters["dt"] = dt
    app.jinja_env.filters["d"] = d
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["number"] = lambda v: format_decimal(v) if v is not None else ""


def local_today_in(tz_name=None):
    """Today in ``tz_name`` (default: the portal's default time zone); works outside requests."""
    name = tz_name or current_app.config["BABEL_DEFAULT_TIMEZONE"]
    return datetime.now(ZoneInfo(name)).date()


# ---- business periods ---------------------------------------------------------------------------
# Months and quarters of figures (PSI, collections, commissions, allowances) are the vendor's
# calendar in BUSINESS_TIMEZONE (Beijing time), whatever the reader's own zone.


def business_zone():
    return ZoneInfo(current_app.config.get("BUSINESS_TIMEZONE", "Asia/Shanghai"))


def business_today():
    return datetime.now(business_zone()).date()


def month_start(day):
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def business_month(moment):
    """The first day of the business month an aware datetime falls in (Beijing time): 00:30 on
    1 November in Beijing is November although it is still 31 October in UTC."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use an aware datetime")
    return moment.astimezone(business_zone()).date().replace(day=1)


def add_months(month, n):
    """``month`` (a first-of-month date) moved by ``n`` months."""
    index = month.year * 12 + month.month - 1 + n
    return month.replace(year=index // 12, month=index % 12 + 1, day=1)


def business_quarter(day):
    """'2026Q4' for a date in October–December 2026."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"
