"""`flask compute-scorecards`: compute (or recompute) the month's scorecards of every active
partner, e.g. nightly from cron, and early in a month with ``--month`` for the month just
finished (its last PSI reports and collections come in after it ends). Older months are final
(portal.scorecards.services.check_month)."""
import click
from flask.cli import with_appcontext

from portal.extensions import db


@click.command("compute-scorecards")
@click.option("--month", "month_text", metavar="YYYY-MM", help="The month to score: the current month (the default) or the one before.")
@with_appcontext
def compute_scorecards(month_text):
    """Compute the scorecards of every active partner for a month (safe to run again)."""
    import sqlalchemy as sa

    from portal.core.errors import DomainError
    from portal.core.i18n import business_today
    from portal.partners.models import Partner
    from portal.results.values import BadValue, month_value, parse_month
    from portal.scorecards import services

    month = business_today().replace(day=1)
    if month_text:
        try:
            month = parse_month(month_text)
        except BadValue as error:
            raise click.BadParameter(str(error.message), param_hint="--month") from error
    try:
        services.check_month(month)
    except DomainError as error:
        raise click.BadParameter(str(error.message), param_hint="--month") from error
    partners = db.session.scalars(sa.select(Partner).where(Partner.status == "active").order_by(Partner.id)).all()
    cards = services.compute_scorecards(partners, month)
    db.session.commit()
    click.echo(f"{len(cards)} scorecard(s) of {month_value(month)} computed.")
