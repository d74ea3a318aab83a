"""Safe lesson content: an allow-list HTML sanitiser (nh3) and video links.

Lesson bodies are simple HTML typed by managers. They are cleaned when saved and again when
shown, so a page never carries a script, a style, an event handler or a ``javascript:`` link,
whatever reached the database.
"""
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "a", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "code", "pre",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "th": {"scope", "colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
LINK_SCHEMES = {"http", "https", "mailto"}
# Removed together with everything inside them (other unknown tags are unwrapped, text kept).
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math"}


def _keep_attribute(tag, attribute, value):
    if attribute == "href":
        scheme = urlsplit(value.strip()).scheme.lower()
        return value if scheme in LINK_SCHEMES else None
    if attribute == "scope":
        return value if value in ("col", "row", "colgroup", "rowgroup") else None
    if attribute in ("colspan", "rowspan"):
        return value if value.isdigit() and 0 < int(value) <= 50 else None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags=DROP_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_keep_attribute,
    url_schemes=LINK_SCHEMES,
    link_rel="noopener",
    strip_comments=True,
)


def sanitize_html(html):
    """``html`` with only the allowed formatting kept: p, br, strong, em, lists, h3/h4,
    links (http, https, mailto; rel="noopener"), blockquote, tables, code and pre."""
    if not html:
        return ""
    return _cleaner.clean(str(html)).strip()


def lesson_html(html):
    """For templates: the sanitised body, marked safe."""
    return Markup(sanitize_html(html))


def has_text(html):
    """True if the sanitised HTML shows any words (not only empty tags or spaces)."""
    text = re.sub(r"<[^>]*>", "", sanitize_html(html))
    return bool(text.replace("&nbsp;", "").strip())


# ---- video links ------------------------------------------------------------------------------

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
_BILIBILI_BV = re.compile(r"/video/(BV[0-9A-Za-z]{8,12})")
_BILIBILI_AV = re.compile(r"/video/av(\d{1,12})", re.IGNORECASE)
_YOUKU = re.compile(r"/v_show/id_([0-9A-Za-z=]{6,40})\.html")
_YOUKU_EMBED = re.compile(r"/embed/([0-9A-Za-z=]{6,40})")
_TENCENT = re.compile(r"/x/(?:cover/[0-9A-Za-z]+/|page/)([0-9A-Za-z]{6,20})\.html")


def _host(parts):
    host = (parts.hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def video_embed_url(url):
    """A https player address for a video on YouTube, Bilibili, Youku or Tencent Video, or None
    for any other address (the learner then gets a plain link)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme != "https":
        return None
    host, path = _host(parts), parts.path
    if host in ("youtube.com", "m.youtube.com", "youtube-nocookie.com", "youtu.be"):
        if host == "youtu.be":
            video = path.strip("/").split("/")[0]
        elif path.startswith(("/embed/", "/shorts/", "/live/")):
            video = path.split("/")[2]
        else:
            video = (parse_qs(parts.query).get("v") or [""])[0]
        return f"https://www.youtube-nocookie.com/embed/{video}" if _YOUTUBE_ID.match(video or "") else None
    if host in ("bilibili.com", "m.bilibili.com"):
        match = _BILIBILI_BV.search(path)
        if match:
            return "https://player.bilibili.com/player.html?" + urlencode({"bvid": match.group(1), "autoplay": 0})
        match = _BILIBILI_AV.search(path)
        if match:
            return "https://player.bilibili.com/player.html?" + urlencode({"aid": match.group(1), "autoplay": 0})
        return None
    if host == "player.bilibili.com" and path == "/player.html":
        query = parse_qs(parts.query)
        for key in ("bvid", "aid"):
            value = (query.get(key) or [""])[0]
            if re.match(r"^[0-9A-Za-z]{1,20}$", value):
                return "https://player.bilibili.com/player.html?" + urlencode({key: value, "autoplay": 0})
        return None
    if host in ("v.youku.com", "player.youku.com"):
        match = _YOUKU.search(path) or _YOUKU_EMBED.search(path)
        return f"https://player.youku.com/embed/{match.group(1)}" if match else None
    if host == "v.qq.com":
        match = _TENCENT.search(path)
        if match:
            return "https://v.qq.com/txp/iframe/player.html?" + urlencode({"vid": match.group(1)})
        vid = (parse_qs(parts.query).get("vid") or [""])[0]
        if re.match(r"^[0-9A-Za-z]{6,20}$", vid):
            return "https://v.qq.com/txp/iframe/player.html?" + urlencode({"vid": vid})
        return None
    return None
