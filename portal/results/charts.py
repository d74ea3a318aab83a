"""Geometry for the small server-rendered SVG charts of portal/templates/results/_charts.html.

The functions here turn figures into plain coordinates (no markup, no request); the macros
draw them. A chart only shows figures at a glance: the same figures are always in a table
beside it. Values may be Decimal; they are turned into floats for drawing only.
"""
import math
from decimal import Decimal

from babel.numbers import format_compact_decimal
from flask_babel import get_locale

# Colours with at least 3:1 contrast on white (WCAG 1.4.11), told apart by more than hue.
SERIES_COLOURS = ("#6c757d", "#0b4f6c", "#b45309", "#6f42c1")
NICE_STEPS = (1, 2, 2.5, 5, 10)


def _locale():
    try:
        return str(get_locale() or "en")
    except RuntimeError:
        return "en"


def compact(value):
    """1.2M / 123万: short numbers for axis ticks."""
    return format_compact_decimal(value, locale=_locale(), fraction_digits=1)


def nice_scale(maximum, ticks=4):
    """(top, step): a round top of the axis at or above ``maximum`` in ``ticks`` round steps."""
    maximum = float(maximum or 0)
    if maximum <= 0:
        return 1.0, 0.25
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in NICE_STEPS:
        step = multiple * magnitude
        if step * ticks >= maximum:
            return step * ticks, step
    return 10 * magnitude * ticks, 10 * magnitude


def _series(series):
    return [{"name": s["name"], "colour": s.get("colour") or SERIES_COLOURS[i % len(SERIES_COLOURS)],
             "values": [float(v) if v is not None else None for v in s["values"]],
             "dash": s.get("dash")} for i, s in enumerate(series)]


def line_chart(categories, series, width=520, height=240):
    """A line per series over ``categories`` (e.g. months). ``series``: [{"name", "values"}]."""
    series = _series(series)
    left, right, top, bottom = 56, 12, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s["values"] if v is not None]
    axis_top, step = nice_scale(max(values, default=0))
    count = len(categories)
    x_step = plot_w / max(count - 1, 1)

    def x(i):
        return round(left + i * x_step, 1)

    def y(v):
        return round(top + plot_h - (v / axis_top) * plot_h, 1)

    for s in series:
        s["points"] = [(x(i), y(v)) for i, v in enumerate(s["values"]) if v is not None]
        s["path"] = " ".join(f"{px},{py}" for px, py in s["points"])
    return {
        "width": width, "height": height, "left": left, "right": width - right, "top": top,
        "bottom": top + plot_h, "series": series,
        "ticks": _ticks(axis_top, step, lambda v: y(v)),
        "categories": [{"x": x(i), "label": label[0], "sublabel": label[1] if len(label) > 1 else ""}
                       for i, label in enumerate(categories)],
    }


def bar_chart(categories, series, width=420, band=30, label_width=110):
    """Horizontal bars: one row per category, one bar per series in it (e.g. target and net
    sales of each province). ``categories``: labels; ``series``: [{"name", "values"}]."""
    series = _series(series)
    top, bottom, right = 8, 28, 16
    plot_w = width - label_width - right
    height = top + band * len(categories) + bottom
    values = [v for s in series for v in s["values"] if v is not None]
    axis_top, step = nice_scale(max(values, default=0))
    bar_h = max((band - 8) / max(len(series), 1), 4)

    def x(v):
        return round(label_width + (max(v, 0) / axis_top) * plot_w, 1)

    rows = []
    for i, label in enumerate(categories):
        y0 = top + i * band
        bars = []
        for j, s in enumerate(series):
            value = s["values"][i]
            if value is None:
                continue
            bars.append({"x": label_width, "y": round(y0 + 4 + j * bar_h, 1), "w": round(x(value) - label_width, 1),
                         "h": round(bar_h - 1, 1), "colour": s["colour"], "name": s["name"]})
        text = str(label)
        rows.append({"label": text if len(text) <= 16 else text[:15] + "…", "y": round(y0 + band / 2 + 4, 1),
                     "bars": bars})
    return {
        "width": width, "height": height, "left": label_width, "right": width - right, "top": top,
        "bottom": top + band * len(categories), "series": series, "rows": rows,
        "ticks": _ticks(axis_top, step, lambda v: x(v)),
    }


def _ticks(axis_top, step, position):
    ticks, value, n = [], 0.0, 0
    while value <= axis_top + step / 1000 and n < 12:
        ticks.append({"at": position(value), "label": compact(Decimal(str(round(value, 6))))})
        n += 1
        value = n * step
    return ticks
