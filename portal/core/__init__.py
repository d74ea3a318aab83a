"""Shared base: model helpers, audit, permissions, storage, errors, i18n. No domain knowledge."""
