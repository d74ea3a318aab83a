"""Configuration classes, picked by the PORTAL_ENV environment variable.

Order of precedence (later wins): the class below, then ``instance/config.py``, then
environment variables named ``PORTAL_<SETTING>`` (see ``portal.create_app``).
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_PATH", BASE_DIR / "instance"))


class BaseConfig:
    SECRET_KEY = None  # must come from instance/ or the environment (see create_app)
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # Languages and time
    LANGUAGES = ["en", "zh_CN"]
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BUSINESS_TIMEZONE = "Asia/Shanghai"  # months of PSI, collections and commissions

    # Files
    UPLOAD_DIR = str(INSTANCE_DIR / "uploads")
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024  # hard ceiling; each route sets its own limit below it
    LICENCE_MAX_BYTES = 10 * 1024 * 1024
    IMPORT_MAX_BYTES = 5 * 1024 * 1024
    ASSET_MAX_BYTES = 50 * 1024 * 1024  # marketing assets: PDF, images, PowerPoint, ZIP
    ASSET_VIDEO_MAX_BYTES = 500 * 1024 * 1024  # marketing videos (MP4); the asset upload pages accept this much

    # Mail: written to instance/outbox unless MAIL_BACKEND is "smtp"
    MAIL_BACKEND = "file"
    MAIL_FILE_PATH = str(INSTANCE_DIR / "outbox")
    MAIL_DEFAULT_SENDER = "Partner Portal <no-reply@portal.example>"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None

    # Links in e-mails are made from this when set (e.g. https://partners.example.com)
    PUBLIC_BASE_URL = None

    # Rate limits (Flask-Limiter); use redis://… in production with several workers
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"  # a fixed window lets a burst straddle the minute boundary
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    RESET_RATE_LIMIT = "5 per minute;20 per hour"
    APPLY_RATE_LIMIT = "5 per minute;30 per hour"

    # The vendor as named in generated agreements (Party A / 甲方)
    VENDOR_NAME_EN = "Example Telecom Co., Ltd."
    VENDOR_NAME_ZH = "示例通信有限公司"
    VERIFY_RATE_LIMIT = "10 per minute;60 per hour"  # public agreement verification
    VERIFY_MAX_BYTES = 20 * 1024 * 1024

    # Reverse proxies in front of the portal (e.g. 1 for nginx): their X-Forwarded-For/-Proto
    # are trusted, so signatures, audit rows and rate limits see the real client address.
    TRUSTED_PROXIES = 0

    # The results dashboard computes the figures asked for in the last minute again after each
    # commit that changes them, in a thread of each process, and looks for other processes'
    # commits every few seconds (portal.results.figures_cache)
    FIGURES_REFRESH = True
    FIGURES_REFRESH_POLL_SECONDS = 2.0

    PASSWORD_TOKEN_MAX_AGE = 48 * 3600
    PASSWORD_HASH_METHOD = "scrypt"
    PER_PAGE = 25


class DevelopmentConfig(BaseConfig):
    pass


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "testing-only-secret"
    RATELIMIT_ENABLED = False
    MAIL_BACKEND = "locmem"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast for tests only; production uses scrypt
    WTF_CSRF_ENABLED = True
    FIGURES_REFRESH = False  # most tests share one connection (tests/conftest.py: rolled_back)


class ProductionConfig(BaseConfig):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    MAIL_BACKEND = "smtp"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
