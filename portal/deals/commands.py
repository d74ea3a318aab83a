"""`flask expire-deals`: write down the end of deal protections (daily, from cron; idempotent)."""
import click
from flask.cli import with_appcontext

from portal.extensions import db


@click.command("expire-deals")
@with_appcontext
def expire_deals():
    """Mark approved deal registrations whose protection has ended as expired and tell their
    partners (idempotent: safe to run often)."""
    from portal.deals.services import expire_registrations

    count = expire_registrations()
    db.session.commit()
    click.echo(f"{count} deal registration(s) expired.")
