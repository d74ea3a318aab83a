"""The figures cache: the results dashboard's sums of a scope, kept a short while in the process
under the figures version (portal.results.models.FiguresVersion) they were computed with, and
computed again off the request path when the version changes ("refresh ahead").

A whole network's figures take a few hundred milliseconds to add up (bench/dashboard.py). Every
commit that writes PSI lines, collections, targets, partners or outlets replaces the version, so
a cached value is never older than the last commit; without more, the first view after each PSI
report would pay those milliseconds again. So a thread of this process (started with the first
value cached, when ``FIGURES_REFRESH`` is on) watches the version: woken by a commit of this
process, or every ``FIGURES_REFRESH_POLL_SECONDS`` for the commits of other processes, it computes
again the values asked for in the last ``CACHE_SECONDS`` and stores them under the new version.
A request that finds its value being computed waits for it rather than adding it up a second
time. Nothing is served that is older than the version the request read: a page is either
computed for that version or waits for it.

Values are computed by functions registered by name (``computed_by``) from ``(user, key)``, so
the refresher can compute them again from the user's id and the key alone.
"""
import logging
import threading
import time
from collections import OrderedDict

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.core.permissions import MANAGER
from portal.extensions import db
from portal.results.models import FIGURES_CHANGED, VERSION_REPLACED, FiguresVersion

log = logging.getLogger(__name__)

CACHE_SECONDS = 60
CACHE_ENTRIES = 16  # a whole network's partner rows are ~5 MB (5,000 partners)
WAIT_SECONDS = 30  # a request waits this long at most for a value being computed
_MISSING = object()
_COMPUTE = {}


def computed_by(name):
    """Register ``function(user, key)`` as the way to compute the values cached as ``name``."""
    def register(function):
        _COMPUTE[name] = function
        return function
    return register


class _Entry:
    __slots__ = ("expires", "value", "recipe", "used")

    def __init__(self, expires, value, recipe, used):
        self.expires, self.value, self.recipe, self.used = expires, value, recipe, used


class FiguresCache:
    """The figures of the last few scopes asked for, kept in this process for ``seconds`` at
    most (least recently used first out). Keys are (name, version token, scope, key); each entry
    keeps its recipe (name, user id, key) for the refresher. Values are shared between requests
    and threads: nothing may change them."""

    def __init__(self, seconds=CACHE_SECONDS, entries=CACHE_ENTRIES, clock=time.monotonic):
        self.seconds, self.entries, self.clock = seconds, entries, clock
        self._items = OrderedDict()
        self._computing = {}  # full key -> threading.Event set when the value is stored (or given up)
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._items.get(key)
            now = self.clock()
            if entry is None or entry.expires < now:
                self._items.pop(key, None)
                return _MISSING
            entry.used = now
            self._items.move_to_end(key)
            return entry.value

    def put(self, key, value, recipe=None, used=None):
        """Store ``value``, asked for at ``used`` (``clock`` seconds; now when None). A value
        computed ahead keeps the time its predecessor was last asked for: the refresher stops
        computing it again ``seconds`` after that."""
        now = self.clock()
        with self._lock:
            self._items[key] = _Entry(now + self.seconds, value, recipe, now if used is None else used)
            self._items.move_to_end(key)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)

    def clear(self):
        with self._lock:
            self._items.clear()

    def start_computing(self, key):
        """An event to set when ``key`` is stored, or None when another thread computes it."""
        with self._lock:
            if key in self._computing:
                return None
            done = self._computing[key] = threading.Event()
            return done

    def done_computing(self, key):
        with self._lock:
            done = self._computing.pop(key, None)
        if done is not None:
            done.set()

    def wait_computing(self, key, timeout=WAIT_SECONDS):
        """Wait while another thread computes ``key``; True when one was."""
        with self._lock:
            done = self._computing.get(key)
        if done is None:
            return False
        done.wait(timeout)
        return True

    def recipes(self, since):
        """{recipe: (token, asked at)} of the values asked for since ``since`` (``clock``
        seconds); for a recipe cached under several versions, the entry used last."""
        with self._lock:
            found = {}
            for (_name, token, _scope, _key), entry in self._items.items():  # least recently used first
                if entry.recipe is not None and entry.used >= since:
                    found[entry.recipe] = (token, entry.used)
            return found


figures_cache = FiguresCache()


def scope_key(user):
    """Everything visible_partners(user) depends on besides the partners' own rows (nothing for
    figures that are the same whoever asks: ``user`` None)."""
    if user is None:
        return None
    covered = tuple(sorted(user.covered_territory_ids())) if user.role == MANAGER else ()
    return user.role, user.id, user.partner_id, covered


def current_token(session=None):
    session = session or db.session()
    return session.scalar(sa.select(FiguresVersion.token).where(FiguresVersion.id == 1))  # flushes first


def cached(name, user, key):
    """What the function registered as ``name`` returns for ``(user, key)``, computed once per
    figures version and user scope (portal.results.models.FiguresVersion: every commit that
    writes figures replaces it, so a cached value is never older than the last commit). A
    session with figure changes not committed yet computes afresh and keeps nothing; so does a
    database where no figure was ever written through the session (no version yet). One
    statement more than the computation on a miss, all of its statements fewer on a hit; a
    value another thread is computing for the same version is waited for."""
    compute = _COMPUTE[name]
    session = db.session()
    token = current_token(session)
    if token is None or session.info.get(FIGURES_CHANGED):
        return compute(user, key)
    full_key = (name, token, scope_key(user), key)
    value = figures_cache.get(full_key)
    if value is _MISSING and figures_cache.wait_computing(full_key):
        value = figures_cache.get(full_key)
    if value is _MISSING:
        done = figures_cache.start_computing(full_key)
        try:
            value = compute(user, key)
            figures_cache.put(full_key, value, (name, user.id if user is not None else None, key))
        finally:
            if done is not None:
                figures_cache.done_computing(full_key)
        refresher.start(current_app._get_current_object())
    return value


class Refresher:
    """The thread that computes the cached values again when the figures version changes (see
    the module's docstring). One per process, started lazily; it does nothing while the app's
    ``FIGURES_REFRESH`` is off."""

    def __init__(self, cache):
        self.cache = cache
        self.app = None
        self._changed = threading.Condition()
        self._asked = 0  # wake-ups asked for (commits seen)
        self._done = 0  # the wake-ups a finished round had seen when it began
        self.last_seconds = None  # how long the last refresh that computed anything took

    def start(self, app):
        if not app.config.get("FIGURES_REFRESH") or self.app is not None:
            return
        with self._changed:
            if self.app is None:
                self.app = app
                threading.Thread(target=self._run, name="figures-refresh", daemon=True).start()

    def wake(self):
        if self.app is not None:
            with self._changed:
                self._asked += 1
                self._changed.notify_all()

    def wait_idle(self, timeout=WAIT_SECONDS):
        """Wait until a round that began after the last ``wake`` is over; True unless
        ``timeout`` ran out."""
        with self._changed:
            asked = self._asked
            return self._changed.wait_for(lambda: self._done >= asked, timeout)

    def _run(self):
        while True:
            app = self.app
            with self._changed:
                if self._done >= self._asked:
                    self._changed.wait(app.config.get("FIGURES_REFRESH_POLL_SECONDS", 1.0))
                asked = self._asked
            try:
                if app.config.get("FIGURES_REFRESH"):
                    self.refresh(app)
            except Exception:  # a failed refresh leaves the values to the requests
                log.exception("figures refresh failed")
            finally:
                with self._changed:
                    self._done = max(self._done, asked)
                    self._changed.notify_all()

    def refresh(self, app):
        """Compute again, under the current version, the values asked for within the last
        ``CACHE_SECONDS`` that are cached under another one. Returns how many were computed."""
        recipes = self.cache.recipes(self.cache.clock() - self.cache.seconds)
        if not recipes:
            return 0
        from portal.accounts.models import User

        started, computed = time.perf_counter(), 0
        with app.app_context():
            try:
                session = db.session()
                token = current_token(session)
                if token is None:
                    return 0
                for (name, user_id, key), (old_token, used) in recipes.items():
                    if old_token == token:
                        continue
                    user = session.get(User, user_id) if user_id is not None else None
                    if user_id is not None and (user is None or not user.active):
                        continue
                    full_key = (name, token, scope_key(user), key)
                    if self.cache.get(full_key) is not _MISSING:
                        continue
                    done = self.cache.start_computing(full_key)
                    if done is None:  # a request is computing it
                        continue
                    try:
                        self.cache.put(full_key, _COMPUTE[name](user, key), (name, user_id, key), used)
                        computed += 1
                    finally:
                        self.cache.done_computing(full_key)
                    session.rollback()  # end the snapshot (SQLite keeps one per transaction)
                    if current_token(session) != token:  # another commit: the next round will do
                        break
            finally:
                db.session.remove()
        if computed:
            self.last_seconds = time.perf_counter() - started
        return computed


refresher = Refresher(figures_cache)


@event.listens_for(Session, "after_commit")
def _wake_refresher(session):
    if session.info.pop(VERSION_REPLACED, False):
        refresher.wake()
