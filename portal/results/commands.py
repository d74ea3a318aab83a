"""`flask rebuild-psi-totals`: recompute the monthly PSI totals the dashboard reads from the PSI
lines (after rows were written around the portal, e.g. a bulk load; safe to run at any time)."""
import click
from flask.cli import with_appcontext

from portal.extensions import db


@click.command("rebuild-psi-totals")
@click.option("--partner", "partner_ids", type=int, multiple=True,
              help="Only this partner's totals (by id; may be given more than once).")
@with_appcontext
def rebuild_psi_totals(partner_ids):
    """Recompute the monthly PSI totals (per partner, product line and month) from the PSI lines."""
    from portal.results.psi import rebuild_totals

    count = rebuild_totals(list(partner_ids) or None)
    db.session.commit()
    click.echo(f"{count} monthly PSI total(s) rebuilt.")
