"""The deposit ledger: append-only movements; balances are sums.

To add a movement safely, the account row is locked first (SELECT … FOR UPDATE on PostgreSQL;
SQLite serialises writers), so that two deductions at once cannot both pass a balance check.
"""
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core.errors import DomainError
from portal.extensions import db
from portal.partners.models import DEPOSIT_KINDS, DepositAccount, DepositMovement

CENT = Decimal("0.01")


def open_account(partner):
    account = DepositAccount(partner=partner)
    db.session.add(account)
    db.session.flush()
    return account


def lock_account(account_id):
    return db.session.execute(
        sa.select(DepositAccount).where(DepositAccount.id == account_id).with_for_update()
    ).scalar_one()


def balances(account_id):
    """{'due', 'paid', 'deducted', 'refunded', 'held', 'outstanding'} as Decimals.

    held = paid - deducted - refunded (what the vendor holds); outstanding = due - paid.
    """
    sums = dict(
        db.session.execute(
            sa.select(DepositMovement.kind, sa.func.coalesce(sa.func.sum(DepositMovement.amount), 0))
            .where(DepositMovement.account_id == account_id)
            .group_by(DepositMovement.kind)
        ).all()
    )
    totals = {kind: Decimal(str(sums.get(kind, 0))).quantize(CENT) for kind in DEPOSIT_KINDS}
    totals["held"] = totals["paid"] - totals["deducted"] - totals["refunded"]
    totals["outstanding"] = max(totals["due"] - totals["paid"], Decimal("0.00"))
    return totals


def record_movement(account, kind, amount, actor, reference=None, note=None):
    """Append a movement after locking the account. Deductions and refunds may not take the
    held balance below zero. The caller commits."""
    if kind not in DEPOSIT_KINDS:
        raise DomainError(_l("Unknown kind of movement."), field="kind")
    amount = Decimal(amount)
    if amount != amount.quantize(CENT) or amount <= 0:
        raise DomainError(_l("Enter an amount greater than zero, in yuan with at most two decimals."), field="amount")
    lock_account(account.id)
    if kind in ("paid", "refunded") and reference and db.session.scalar(
        sa.select(DepositMovement.id).where(DepositMovement.account_id == account.id, DepositMovement.kind == kind,
                                            DepositMovement.reference == reference).limit(1)
    ):  # a form sent twice, or the same bank transfer entered again
        raise DomainError(_l("A movement with this bank reference is already recorded on this account."),
                          field="reference")
    if kind in ("deducted", "refunded"):
        held = balances(account.id)["held"]
        if amount > held:
            raise DomainError(_l("Only ¥%(held)s is held on this deposit account.", held=f"{held:,.2f}"), field="amount")
    movement = DepositMovement(account_id=account.id, kind=kind, amount=amount, reference=reference, note=note,
                               actor_id=actor.id if actor else None)
    db.session.add(movement)
    db.session.flush()
    return movement
