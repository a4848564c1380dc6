"""Command line: `flask --app portfolio <command>`."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click
from flask import Flask, current_app

from portfolio import stored_markdown
from portfolio.admin.accounts import UserChangeRefused, create_user
from portfolio.auth import break_glass
from portfolio.catalogue.backstage import export_entities
from portfolio.catalogue.backstage_import import import_entities
from portfolio.catalogue.csv_export import export_catalogue
from portfolio.catalogue.csv_import import import_catalogue
from portfolio.demo import database_is_empty, seed_demo
from portfolio.extensions import db
from portfolio.markdown import RENDERER_VERSION
from portfolio.models import Role, User
from portfolio.models.accounts import normalise_email
from portfolio.notifications.digests import send_digests_command
from portfolio.notifications.worker import deliver_command
from portfolio.requests.votes import miscounted_votes, recount_votes
from portfolio.urls import external_url


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(export_csv_command)
    app.cli.add_command(import_csv_command)
    app.cli.add_command(export_backstage_command)
    app.cli.add_command(import_backstage_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(rerender_markdown_command)
    app.cli.add_command(deliver_command)
    app.cli.add_command(send_digests_command)
    app.cli.add_command(check_vote_counts_command)
    app.cli.add_command(break_glass_login_command)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def seed_demo_command(if_empty: bool) -> None:
    """Fill the database with the demo organisation."""
    if not database_is_empty(db.session):
        if if_empty:
            click.echo("The database already has data; demo seed skipped.")
            return
        raise click.ClickException("The database is not empty; seed-demo needs an empty one.")
    seed_demo(db.session)
    db.session.commit()
    click.echo(
        "Demo organisation created. Sign in with any demo account, password 'demo-password'."
    )


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", help="Display name (defaults to the part before @).")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.STAKEHOLDER.value,
    show_default=True,
)
@click.password_option(help="Prompted for when not given.")
def create_user_command(email: str, display_name: str | None, role: str, password: str) -> None:
    """Create an account (prompts for its password)."""
    email = normalise_email(email)
    try:
        create_user(
            db.session,
            email=email,
            display_name=display_name or email.split("@")[0],
            role=Role(role),
            password=password,
        )
    except UserChangeRefused as refused:
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(f"Created {role} account {email}.")


@click.command("export-csv")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_csv_command(directory: Path) -> None:
    """Write the catalogue as CSV files (departments, products, usage, measures)."""
    counts = export_catalogue(db.session, directory)
    for name, count in counts.items():
        click.echo(f"{directory / name}: {count} rows")


@click.command("import-csv")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_csv_command(directory: Path) -> None:
    """Import catalogue CSV files; any bad row and nothing is written."""
    report = import_catalogue(db.session, directory)
    if not report.ok:
        db.session.rollback()
        for error in report.errors:
            click.echo(error, err=True)
        raise click.ClickException(f"{len(report.errors)} problem(s) found; nothing was imported.")
    db.session.commit()
    for name, count in report.counts.items():
        click.echo(f"{name}: {count} rows imported")


@click.command("export-backstage")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_backstage_command(directory: Path) -> None:
    """Write every product as a Backstage entity: DIRECTORY/<slug>.yaml."""
    written = export_entities(db.session, directory)
    click.echo(f"{directory}: {len(written)} product(s) written as Backstage System entities")


@click.command("import-backstage")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--actor", "actor_email", help="The account the trail credits (default: nobody).")
def import_backstage_command(files: tuple[Path, ...], actor_email: str | None) -> None:
    """Create or update products from Backstage entity files; any problem and
    nothing is written."""
    actor = None
    if actor_email:
        actor = db.session.execute(User.by_email(actor_email)).scalar_one_or_none()
        if actor is None:
            raise click.ClickException(f"No account has the email {actor_email}.")
    result = import_entities(db.session, actor, list(files))
    if not result.ok:
        db.session.rollback()
        for error in result.report.errors:
            click.echo(error, err=True)
        raise click.ClickException(
            f"{len(result.report.errors)} problem(s) found; nothing was imported."
        )
    db.session.commit()
    click.echo(
        f"{len(result.created)} product(s) created; {len(result.updated)} already in the "
        "catalogue, updated where they differed."
    )


PG_DUMP_RECIPE = (
    'PostgreSQL: use pg_dump, e.g. pg_dump --format=custom --file=portfolio.dump "$DATABASE_URL" '
    'and restore with pg_restore --clean --dbname="$DATABASE_URL" portfolio.dump (see the README).'
)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent copy of the SQLite database to PATH, while it is in use."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        raise click.ClickException(PG_DUMP_RECIPE)
    if path.exists():
        raise click.ClickException(f"{path} exists; choose a new file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Owner-only from the first byte: the copy holds every account's data.
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    raw = engine.raw_connection()
    try:
        # The sqlite3 backup API copies page by page and stays consistent while
        # other connections keep reading and writing.
        with sqlite3.connect(path) as target:
            raw.driver_connection.backup(target)
        target.close()
    finally:
        raw.close()
    click.echo(
        f"Backed up to {path}. Restore by stopping the app and copying it over the database file."
    )


@click.command("rerender-markdown")
@click.option("--all", "everything", is_flag=True, help="Render every row, not only outdated ones.")
def rerender_markdown_command(everything: bool) -> None:
    """Store Markdown's HTML again after an upgrade of the renderer."""
    count = stored_markdown.rerender(db.session, everything=everything)
    db.session.commit()
    click.echo(f"Rendered {count} row(s) with renderer version {RENDERER_VERSION}.")


@click.command("check-vote-counts")
@click.option("--fix", is_flag=True, help="Set every wrong count to the request's votes.")
def check_vote_counts_command(fix: bool) -> None:
    """Report requests whose vote count differs from their votes (exit 1 if
    any, unless --fix sets them right)."""
    wrong = miscounted_votes(db.session)
    for request_id, count, votes in wrong[:50]:
        click.echo(f"Request #{request_id}: vote count {count}, votes {votes}")
    if len(wrong) > 50:
        click.echo(f"…and {len(wrong) - 50} more.")
    if not wrong:
        click.echo("Every request's vote count equals its votes.")
    elif fix:
        recount_votes(db.session, [request_id for request_id, _, _ in wrong])
        db.session.commit()
        click.echo(f"Fixed {len(wrong)} request(s).")
    else:
        raise SystemExit(1)


@click.command("break-glass-login")
@click.option("--email", required=True, help="An active administrator's email.")
def break_glass_login_command(email: str) -> None:
    """Print a link that signs an administrator in once, within 15 minutes
    (for when the identity provider is down and passwords are turned off)."""
    user = db.session.execute(User.by_email(email)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"There is no account with email {normalise_email(email)}.")
    try:
        token = break_glass.issue_token(user)
    except break_glass.BreakGlassRefused as refused:
        raise click.ClickException(str(refused)) from None
    current_app.logger.warning("break-glass sign-in link issued for %s", user.email)
    minutes = int(break_glass.LIFETIME.total_seconds() // 60)
    click.echo(f"One-time sign-in link for {user.email}, valid for {minutes} minutes:")
    click.echo(external_url("auth.break_glass_login", token=token))
