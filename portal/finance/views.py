"""Bank account pages: ``bp`` for the partner (its payee account and change requests),
``admin_bp`` for the vendor (approving changes)."""
from flask import Blueprint

bp = Blueprint("finance", __name__, url_prefix="/partner/bank-account")
admin_bp = Blueprint("finance_admin", __name__, url_prefix="/bank-accounts")
