"""Where a request may send the user next: a path on this site, never another host."""
from urllib.parse import urlsplit


def local_path(target):
    """``target`` if it is a path on this site ("/pipeline/…"), else None.

    A browser drops tabs and newlines from a URL and reads a backslash as a slash, so
    "/\\tevil.example" or "/\\\\evil.example" would take the user to another host even though
    they start with a single "/": anything with a control character, a space or a backslash is
    refused, as is anything with a scheme or a host.
    """
    if not target or not isinstance(target, str):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    if any(ch == "\\" or ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


ID_MAX = 2 ** 31 - 1  # ids are 32-bit integers (PostgreSQL): a larger number is no id at all


def id_arg(args, name):
    """A positive id from the query string ``args``, or None: not a number, or too large to be
    an id (it would overflow the database integer: a 500 rather than an empty list)."""
    value = args.get(name, type=int)
    return value if value is not None and 0 < value <= ID_MAX else None
