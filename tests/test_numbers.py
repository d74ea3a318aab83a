"""Document numbers (portal/core/numbers.py): the next of the year, and a number taken at the same
moment by someone else is replaced by the next one without losing anything else."""
import pytest
import sqlalchemy as sa

from portal.conflicts.models import ConflictCase
from portal.conflicts.services import open_case
from portal.core.i18n import business_today
from portal.core.numbers import add_numbered, next_number
from portal.partners.models import Partner


def _case(number, partner):
    case = open_case("other", "partner", f"Case {number}", "Description", [(partner, "complainant")],
                     notify_parties=False)
    case.number = number
    return case


def test_the_next_number_follows_the_highest_of_the_year_even_past_9999(partners, db):
    year = business_today().year
    assert next_number(ConflictCase.number, f"CC-{year}-") == f"CC-{year}-0001"
    for number in (f"CC-{year}-0002", f"CC-{year}-9999", f"CC-{year}-10000", f"CC-{year - 1}-20000"):
        _case(number, partners["one"])
    db.session.commit()
    assert next_number(ConflictCase.number, f"CC-{year}-") == f"CC-{year}-10001"
    assert next_number(ConflictCase.number, f"CC-{year + 1}-") == f"CC-{year + 1}-0001"


def test_opened_cases_take_one_number_after_another(partners, db):
    year = business_today().year
    first = open_case("other", "partner", "One", "D", [(partners["one"], "complainant")], notify_parties=False)
    second = open_case("other", "partner", "Two", "D", [(partners["two"], "complainant")], notify_parties=False)
    db.session.commit()
    assert (first.number, second.number) == (f"CC-{year}-0001", f"CC-{year}-0002")


def test_a_number_taken_meanwhile_is_replaced_by_the_next_and_pending_changes_are_kept(partners, db):
    """As when another manager opened a case a moment earlier: the first number offered is taken,
    the insert is refused by the unique index, and the next number is used. A change the caller
    made before (the partner's name here) is not rolled back with the refused insert."""
    taken = _case("CC-2026-0007", partners["one"])
    db.session.commit()
    partners["one"].name = "Partner One Renamed"
    case = ConflictCase(kind="other", origin="partner", status="open", title="New", description="D",
                        due_on=business_today())
    offered = iter([taken.number, "CC-2026-0008"])
    add_numbered(case, lambda: next(offered))
    db.session.commit()
    assert case.number == "CC-2026-0008"
    db.session.expire_all()
    assert db.session.scalar(sa.select(Partner.name).where(Partner.id == partners["one"].id)) == "Partner One Renamed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConflictCase)) == 2


def test_a_record_refused_for_another_reason_is_not_tried_again_with_other_numbers(partners, db):
    case = ConflictCase(kind="other", origin="partner", status="open", title=None, description="D",
                        due_on=business_today())  # a case must have a title
    offered = []
    with pytest.raises(sa.exc.IntegrityError):
        add_numbered(case, lambda: offered.append(1) or f"CC-2026-{len(offered):04d}")
    assert len(offered) == 1
