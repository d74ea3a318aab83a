"""Partner portal with a recruitment CRM."""
import gc
import os
from pathlib import Path

from flask import Flask, g, redirect, request, url_for
from flask_login import current_user

from config import CONFIGS, INSTANCE_DIR
from portal.extensions import babel, bootstrap, csrf, db, limiter, login_manager, mail, migrate


def create_app(config_name=None, overrides=None):
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=True)
    load_config(app, config_name, overrides)
    register_extensions(app)
    register_blueprints(app)
    register_security(app)
    register_templates(app)
    register_cli(app)
    # Objects that live as long as the process (modules, the app, templates) need never be
    # scanned by the cycle collector again; core.pdf collects after each render, and without
    # this every collection walks them all (~+50% on a render).
    gc.freeze()
    return app


def load_config(app, config_name, overrides):
    config_name = config_name or os.environ.get("PORTAL_ENV", "development")
    app.config.from_object(CONFIGS[config_name])
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PORTAL")
    if overrides:
        app.config.update(overrides)
    app.config["PORTAL_ENV_NAME"] = config_name
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app)
    for key in ("UPLOAD_DIR", "MAIL_FILE_PATH"):
        Path(app.config[key]).mkdir(parents=True, exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1
        )


def _instance_secret(app):
    """Development and `make run`: a random key kept in instance/secret_key (never in git)."""
    if app.config["PORTAL_ENV_NAME"] == "production":
        raise RuntimeError("Set PORTAL_SECRET_KEY (or SECRET_KEY in instance/config.py) in production.")
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


def register_extensions(app):
    from portal import models  # noqa: F401  (the whole schema, for Alembic)
    from portal.core import sqlite  # noqa: F401  (connection pragmas)
    from portal.core.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    mail.init_app(app)
    bootstrap.init_app(app)
    app.config.setdefault("BOOTSTRAP_SERVE_LOCAL", True)
    app.config["BOOTSTRAP_SERVE_LOCAL"] = True
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to open this page.")

    @login_manager.user_loader
    def load_user(user_id):
        from portal.accounts.models import User

        try:
            uid, version = (int(part) for part in user_id.split(":"))
        except ValueError:
            return None
        user = db.session.get(User, uid)
        if user is None or not user.active or user.session_version != version:
            return None
        return user


def register_blueprints(app):
    from werkzeug.routing import IntegerConverter

    class DatabaseInteger(IntegerConverter):
        """``<int:…>`` up to the largest id the database holds (a 32-bit integer column on
        PostgreSQL): a larger number in a URL is simply not found (404), never a 500."""

        def __init__(self, map, *args, **kwargs):
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = DatabaseInteger
    from portal.accounts.views import admin_bp as accounts_admin_bp
    from portal.accounts.views import bp as accounts_bp
    from portal.agreements.views import bp as agreements_bp
    from portal.core.views import bp as core_bp
    from portal.negotiation.views import bp as negotiation_bp
    from portal.notifications.views import bp as notifications_bp
    from portal.recruitment import io_views, reports  # noqa: F401  (routes on pipeline_bp)
    from portal.agreements import register as agreements_register  # noqa: F401
    from portal.recruitment.views import applicant_bp, apply_bp, pipeline_bp
    from portal.partners.views import bp as partners_bp
    from portal.partners.views import partners_admin as partners_admin_bp
    from portal.reference.views import bp as reference_bp
    from portal.training.authoring import bp as training_admin_bp
    from portal.training.oversight import bp as training_oversight_bp
    from portal.training.verify import bp as certificates_bp
    from portal.training.views import bp as training_bp

    from portal.partners import directory  # noqa: F401  (routes on partners_admin)
    from portal.marketing import announcements, library  # noqa: F401  (routes on the marketing blueprints)
    from portal.marketing.blueprints import admin_bp as marketing_admin_bp
    from portal.marketing.blueprints import bp as marketing_bp
    from portal.materials import request_views, stock_views  # noqa: F401
    from portal.materials.blueprints import admin_bp as materials_admin_bp
    from portal.materials.blueprints import bp as materials_bp
    from portal.results import dashboard_views, entry_views  # noqa: F401
    from portal.results.blueprints import admin_bp as results_admin_bp
    from portal.results.blueprints import bp as results_bp
    from portal.deals.views import admin_bp as deals_admin_bp
    from portal.deals.views import bp as deals_bp
    from portal.conflicts.views import admin_bp as cases_admin_bp
    from portal.conflicts.views import bp as cases_bp
    from portal.inspections.views import admin_bp as inspections_admin_bp
    from portal.inspections.views import bp as inspections_bp
    from portal.finance.views import admin_bp as finance_admin_bp
    from portal.finance.views import bp as finance_bp
    from portal.commissions.views import admin_bp as commissions_admin_bp
    from portal.commissions.views import bp as commissions_bp
    from portal.subsidies.views import admin_bp as subsidies_admin_bp
    from portal.subsidies.views import bp as subsidies_bp
    from portal.scorecards.views import admin_bp as scorecards_admin_bp
    from portal.scorecards.views import bp as scorecards_bp
    from portal.exits.views import admin_bp as exits_admin_bp

    for bp in (core_bp, accounts_bp, accounts_admin_bp, reference_bp, apply_bp, applicant_bp,
               pipeline_bp, notifications_bp, negotiation_bp, agreements_bp, partners_bp,
               training_bp, training_admin_bp, training_oversight_bp, certificates_bp,
               marketing_bp, marketing_admin_bp, materials_bp, materials_admin_bp, results_bp, results_admin_bp,
               deals_bp, deals_admin_bp, cases_bp, cases_admin_bp, inspections_bp, inspections_admin_bp,
               finance_bp, finance_admin_bp, commissions_bp, commissions_admin_bp, subsidies_bp, subsidies_admin_bp,
               scorecards_bp, scorecards_admin_bp, exits_admin_bp):
        app.register_blueprint(bp)
    app.register_blueprint(partners_admin_bp)

    from portal.core.errors import register_error_handlers

    register_error_handlers(app)


PUBLIC_ENDPOINTS = {"static", "bootstrap.static"}


def register_security(app):
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.before_request
    def require_sign_in():
        """Every route needs a signed-in user unless its view is declared @public."""
        endpoint = request.endpoint
        if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
            return None
        view = app.view_functions.get(endpoint)
        if getattr(view, "is_public", False):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def url_if(endpoint, **values):
    """The URL of ``endpoint``, or None when no such page exists (e.g. a menu entry for a part
    that is switched off)."""
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def register_templates(app):
    from flask_babel import get_locale

    from portal.core import permissions
    from portal.core.i18n import LANGUAGE_NAMES, html_lang, register_template_helpers

    register_template_helpers(app)

    @app.context_processor
    def inject():
        unread = 0
        if current_user.is_authenticated:
            from portal.notifications.services import unread_count

            unread = unread_count(current_user)
        locale = str(get_locale())
        return {
            "url_if": url_if,
            "has_permission": lambda perm: permissions.has_permission(current_user, perm),
            "can": permissions.can,
            "current_locale": locale,
            "html_lang": html_lang(locale),
            "language_names": LANGUAGE_NAMES,
            "unread_notifications": unread,
        }


def register_cli(app):
    from portal.cli import register

    register(app)
