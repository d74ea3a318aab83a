"""Reading the figures people type or import: counts, amounts in yuan, business months, moments.

Each parser takes text (or a number) and returns the value, or raises ``BadValue`` whose
``message`` says what to enter, in the user's language. No database here.
"""
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
MAX_COUNT = 1_000_000_000
EARLIEST_MONTH = date(2000, 1, 1)

MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]\s*(\d{1,2})\s*日?)?$")
COMPACT_MONTH_RE = re.compile(r"^(\d{4})(\d{2})$")
MOMENT_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|T)(\d{1,2})\s*[:：时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2})(?:\.\d+)?)?\s*秒?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


class BadValue(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _clean(value):
    return unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()


def parse_count(value):
    """A whole number of units from 0 to a billion ("1,200" and "12.0" are fine)."""
    if isinstance(value, bool):
        raise BadValue(_l("Enter a whole number of 0 or more."))
    if isinstance(value, int):
        number = Decimal(value)
    else:
        text = re.sub(r"[\s,]", "", _clean(value))
        if not text:
            raise BadValue(_l("Enter a whole number of 0 or more."))
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise BadValue(_l("Enter a whole number of 0 or more.")) from None
    if not number.is_finite() or number < 0 or number != number.to_integral_value():
        raise BadValue(_l("Enter a whole number of 0 or more."))
    if number > MAX_COUNT:
        raise BadValue(_l("Enter a number of at most %(max)s.", max=f"{MAX_COUNT:,}"))
    return int(number)


def parse_money(value, positive=False):
    """An amount in yuan with at most two decimals, as a Decimal (never float): "12,800.50",
    "¥12800", "12800元". 0 is allowed unless ``positive``."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    if isinstance(value, Decimal):
        amount = value
    else:
        text = re.sub(r"[\s,]", "", _clean(value)).casefold()
        for token in ("¥", "￥", "rmb", "cny", "元"):
            text = text.replace(token, "")
        if not text:
            raise BadValue(_l("Enter an amount in yuan."))
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite():
        raise BadValue(_l("Enter an amount in yuan, e.g. 12800.50."))
    if amount < 0 or (positive and amount == 0):
        raise BadValue(_l("Enter an amount greater than zero.") if positive else _l("Enter an amount of 0 or more."))
    # The size is checked before quantize(), which cannot hold "1e100" and would raise.
    if amount > MAX_AMOUNT:
        raise BadValue(_l("Enter an amount of at most %(max)s yuan.", max=f"{MAX_AMOUNT:,}"))
    if amount != amount.quantize(CENT):
        raise BadValue(_l("Give the amount with at most two decimal places."))
    return amount.quantize(CENT) if amount else Decimal("0.00")  # never "-0.00"


def parse_month(value):
    """The first day of a month written "2026-11", "2026/11", "202611", "2026年11月" or as a date
    of that month ("2026-11-05")."""
    if isinstance(value, datetime):
        raise TypeError("give a date or text, not a datetime")
    if isinstance(value, date):
        return value.replace(day=1)
    text = _clean(value)
    match = MONTH_RE.match(text) or COMPACT_MONTH_RE.match(text)
    try:
        if not match:
            raise ValueError
        year, month = int(match.group(1)), int(match.group(2))
        day = int(match.group(3)) if match.re is MONTH_RE and match.group(3) else 1
        date(year, month, day)  # a real date
        first = date(year, month, 1)
    except ValueError:
        raise BadValue(_l("Enter a month as YYYY-MM, e.g. 2026-11.")) from None
    if first < EARLIEST_MONTH:
        raise BadValue(_l("Enter a month from January 2000 on."))
    return first


def parse_moment(value, zone):
    """An aware UTC datetime from a date and time written in ``zone`` (Beijing time for figures),
    unless the text names its own offset ("Z", "+08:00"). A date alone is midnight of that day."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=zone)
        return moment.astimezone(timezone.utc)
    text = _clean(value)
    match = MOMENT_RE.match(text)
    if not match:
        raise BadValue(_l("Enter a date and time as YYYY-MM-DD HH:MM, e.g. 2026-11-01 09:30."))
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        naive = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        raise BadValue(_l("Enter a date and time as YYYY-MM-DD HH:MM, e.g. 2026-11-01 09:30.")) from None
    if naive.date() < EARLIEST_MONTH:
        raise BadValue(_l("Enter a date from January 2000 on."))
    if offset:
        if offset == "Z":
            tz = timezone.utc
        else:
            digits = offset.replace(":", "")
            delta = timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5]))
            if delta > timedelta(hours=14):
                raise BadValue(_l("Enter a date and time as YYYY-MM-DD HH:MM, e.g. 2026-11-01 09:30."))
            tz = timezone(delta if digits[0] == "+" else -delta)
    else:
        tz = zone
    try:
        return naive.replace(tzinfo=tz).astimezone(timezone.utc)
    except OverflowError:  # the last hours of 9999
        raise BadValue(_l("Enter a date and time as YYYY-MM-DD HH:MM, e.g. 2026-11-01 09:30.")) from None


def month_value(month):
    """"2026-11" for the month input and URLs."""
    return f"{month.year:04d}-{month.month:02d}" if month else ""


def month_label(month):
    """"November 2026" / "2026年11月" in the current locale."""
    if month is None:
        return ""
    try:
        locale = str(get_locale() or "en")
    except RuntimeError:
        locale = "en"
    return format_skeleton("yMMMM", month, locale=locale)
