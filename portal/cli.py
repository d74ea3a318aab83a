"""`flask` commands: create an admin, load demo data, send reminders (for cron)."""
import click
from flask.cli import with_appcontext

from portal.deals import commands as deals_commands
from portal.extensions import db
from portal.results import commands as results_commands
from portal.scorecards import commands as scorecards_commands


def register(app):
    app.cli.add_command(create_admin)
    app.cli.add_command(demo_data)
    app.cli.add_command(send_reminders)
    app.cli.add_command(send_training_reminders)
    app.cli.add_command(deals_commands.expire_deals)
    app.cli.add_command(results_commands.rebuild_psi_totals)
    app.cli.add_command(scorecards_commands.compute_scorecards)


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_admin(email, name, password):
    """Create an administrator account."""
    from portal.accounts.services import create_user
    from portal.core.errors import DomainError

    if len(password) < 10:
        raise click.BadParameter("use at least 10 characters", param_hint="--password")
    try:
        user = create_user(email, name, "admin", password=password)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"Administrator {user.email} created.")


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def demo_data(if_empty):
    """Load demo data: territories, managers, ~200 prospects. For trying the portal only."""
    from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo_data

    created = load_demo_data(only_if_empty=if_empty)
    click.echo("Demo data loaded." if created else "Database already has data; demo data not loaded.")
    click.echo(f"Demo accounts (password {DEMO_PASSWORD}; demo data is for trying the portal only):")
    for email, description in DEMO_ACCOUNTS.items():
        click.echo(f"  {email:<24} {description}")


@click.command("send-reminders")
@with_appcontext
def send_reminders():
    """Send follow-up reminders due today or overdue (idempotent: safe to run often)."""
    from portal.core.i18n import local_today_in
    from portal.recruitment.services import send_follow_up_reminders

    today = local_today_in(None)
    sent = send_follow_up_reminders(today)
    db.session.commit()
    click.echo(f"{sent} reminder(s) sent.")


@click.command("send-training-reminders")
@with_appcontext
def send_training_reminders():
    """Remind people whose training certificates expire within 30 days to re-certify — once per
    certificate (idempotent: safe to run often)."""
    from portal.core.i18n import local_today_in
    from portal.training.learning import send_certificate_reminders

    sent = send_certificate_reminders(local_today_in(None))
    db.session.commit()
    click.echo(f"{sent} training reminder(s) sent.")
