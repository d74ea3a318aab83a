"""Score computation, and ``inspection_scores`` for the scorecard against figures worked out by
hand."""
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.models import User
from portal.inspections import services
from portal.inspections.services import inspection_scores

TODAY = date(2026, 12, 31)  # "today" for the services, so that the dates below are in the past


def test_the_score_is_the_sum_of_the_items_and_the_percentage_is_rounded(inspect):
    inspection = inspect(marks=(3, 8, 15), today=TODAY, inspected_on=date(2026, 3, 10))
    assert (inspection.score, inspection.max_score) == (26, 40)
    assert inspection.percent == 65


def test_inspection_scores_average_each_partners_inspections_over_whole_months(inspect, cast, db):
    one, two = cast["one"], cast["two"]
    march_10 = inspect(marks=(3, 8, 16), inspected_on=date(2026, 3, 10), today=TODAY)  # 27/40 = 67.5 %
    inspect(marks=(10, 6, 12), inspected_on=date(2026, 4, 30), today=TODAY)  # 28/40 = 70 %
    inspect(outlet=cast["nanshan"], kind="mystery", marks=(10, 10, 20), inspected_on=date(2026, 4, 1),
            today=TODAY)  # 40/40 = 100 %
    inspect(marks=(0, 0, 0), inspected_on=date(2026, 2, 28), today=TODAY)  # February: outside
    inspect(marks=(0, 0, 0), inspected_on=date(2026, 5, 1), today=TODAY)  # May: outside
    inspect(outlet=cast["west_lake"], actor=cast["other_manager"], marks=(5, 5, 10), inspected_on=date(2026, 3, 31),
            today=TODAY)  # Partner Two: 20/40 = 50 %
    # A re-inspection of March's failed item (8/10) is not an inspection of the outlet: left out.
    order = services.rectifications_of(march_10)[0]
    admin = db.session.scalar(sa.select(User).where(User.email == "p1.admin@test.example"))
    services.answer_rectification(order, admin, one, "Posters up.")
    services.reinspect(order, cast["manager"], date(2026, 4, 15), "8", today=TODAY)
    db.session.commit()

    scores = inspection_scores([one.id, two.id, 999], date(2026, 3, 1), date(2026, 4, 1))

    # (67.5 + 70 + 100) / 3 = 79.1666… → 79.17
    assert scores == {one.id: Decimal("79.17"), two.id: Decimal("50.00")}
    assert inspection_scores([one.id], date(2026, 3, 1), date(2026, 3, 1)) == {one.id: Decimal("67.50")}
    assert inspection_scores([one.id], date(2026, 2, 1), date(2026, 2, 1)) == {one.id: Decimal("0.00")}
    assert inspection_scores([two.id], date(2026, 4, 1), date(2026, 5, 1)) == {}
    assert inspection_scores([], date(2026, 1, 1), date(2026, 12, 1)) == {}
    assert inspection_scores([one.id], date(2026, 5, 1), date(2026, 3, 1)) == {}


def test_averages_are_rounded_to_two_decimals(inspect, cast):
    # June: 27/40 = 67.5 % and 28/40 = 70 % → 68.75 %.
    inspect(marks=(3, 8, 16), inspected_on=date(2026, 6, 2), today=TODAY)
    inspect(marks=(10, 6, 12), inspected_on=date(2026, 6, 3), today=TODAY)
    inspect(marks=(1, 0, 0), inspected_on=date(2026, 7, 3), today=TODAY)  # 1/40 = 2.5 %
    assert inspection_scores([cast["one"].id], date(2026, 6, 1), date(2026, 6, 1)) == {cast["one"].id: Decimal("68.75")}
    # (67.5 + 70 + 2.5) / 3 = 46.666… → 46.67
    assert inspection_scores([cast["one"].id], date(2026, 6, 1), date(2026, 7, 1)) == {cast["one"].id: Decimal("46.67")}
