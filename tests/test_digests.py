"""Daily and weekly digests: what each person's digest gathers, grouped; no
mail when there is no news; no news told twice; leaders' digests; renewals
coming due recorded once. Digests go out through the outbox to a real SMTP
server on loopback.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portfolio.activity.trail import record
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Column,
    Contract,
    DigestRun,
    EmailDelivery,
    Notification,
    NotificationKind,
    OutboxMessage,
    Role,
    Sourcing,
    Stage,
    User,
    Verb,
)
from portfolio.models.base import utcnow
from portfolio.notifications import preferences
from portfolio.notifications.digests import send_digests, send_digests_command
from portfolio.notifications.renewals import record_renewals_due
from tests.delivery_helpers import MAIL_BASE_URL, deliver, html_of, text_of
from tests.helpers import count_rows, parse_html

BASE_URL = MAIL_BASE_URL


@pytest.fixture
def app_settings(mail_settings):
    return mail_settings


NOW = utcnow()
TODAY = date(2026, 6, 10)


def hours_ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def tell(user: User, kind: NotificationKind, subject: str, when: datetime, **fields) -> None:
    """A notification as the audience rules write it, at `when`."""
    db.session.add(Notification(user=user, kind=kind, subject=subject, created_at=when, **fields))
    db.session.commit()


def shipped(make, users, product, title: str, when: datetime, requests=()):
    """A card shipped at `when` (its event recorded then)."""
    item = make.item(product, Column.SHIPPED, title=title, shipped_on=when.date())
    item.release_note = f"{title}: done."
    item.requests.extend(requests)
    activity = record(
        db.session, users["pm"], Verb.ITEM_SHIPPED, subject=item.title, item=item, after="Shipped"
    )
    activity.created_at = when
    db.session.commit()
    return item


@pytest.fixture
def colleague(make, users):
    """Sam, in Finance, which uses the ERP (not the CRM)."""
    finance = make.department(name="Finance")
    sam = make.user(email="sam@example.test", display_name="Sam", department=finance)
    erp, crm = make.product(name="Finance ERP"), make.product(name="Sales CRM")
    make.usage(erp, finance)
    return sam, finance, erp, crm


def digest_for(smtp, address: str):
    deliver()
    mails = smtp.to(address)
    assert len(mails) == 1, [mail["Subject"] for mail in smtp.messages]
    return mails[0]


def test_a_colleagues_digest_groups_their_news_and_their_departments(smtp, make, users, colleague):
    sam, finance, erp, crm = colleague
    tell(sam, NotificationKind.NEW_REQUEST, "New request: Faster invoices", hours_ago(3))
    tell(sam, NotificationKind.NEW_COMMENT, "Pat commented on Faster invoices", hours_ago(2))
    tell(sam, NotificationKind.NEW_REQUEST, "New request: Bank feeds", hours_ago(1))
    tell(sam, NotificationKind.REQUEST_DECLINED, "Your request was declined", hours_ago(1))
    tell(sam, NotificationKind.NEW_REQUEST, "New request: Last week's news", hours_ago(72))
    asked = make.request(crm, department=finance, title="CRM export for finance")
    shipped(make, users, erp, "Month-end in two days", hours_ago(5))
    shipped(make, users, crm, "CRM export", hours_ago(4), requests=[asked])
    shipped(make, users, crm, "Sales forecasts", hours_ago(4))  # neither theirs nor used
    make.item(erp, Column.NOW, title="Receipts by photo")
    make.item(crm, Column.NOW, title="Lead scoring")

    report = send_digests(db.session, EmailDelivery.DAILY, now=NOW)
    assert report.queued == 2  # Sam's, and the leader's (who hears of everything shipped)
    mail = digest_for(smtp, "sam@example.test")
    assert mail["Subject"] == "Your daily digest: 5 updates · Portfolio"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = text_of(mail)
    new_requests = text.index("## New requests")
    comments = text.index("## New comments")
    assert new_requests < text.index("Faster invoices") < text.index("Bank feeds") < comments
    assert "Pat commented on Faster invoices" in text[comments:]
    # At once news was mailed already; older news was in an earlier digest.
    assert "declined" not in text and "Last week" not in text
    department_news = text[text.index("## Shipped for your department") :]
    assert "Month-end in two days" in department_news and "CRM export" in department_news
    assert "Sales forecasts" not in text
    next_up = text[text.index("## What is next") :]
    assert "Receipts by photo" in next_up and "Lead scoring" not in next_up

    page = parse_html(html_of(mail))
    headings = [h2.text for h2 in page.select("h2")]
    assert headings == [
        "New requests",
        "New comments",
        "Shipped for your department",
        "What is next for the products your department uses",
    ]
    assert f"{BASE_URL}/board/items/" in html_of(mail)


def test_an_empty_digest_is_not_sent(smtp, make, colleague):
    sam, *_ = colleague
    make.item(colleague[2], Column.NOW, title="Context is not news")
    report = send_digests(db.session, EmailDelivery.DAILY, now=NOW)
    assert report.queued == 0 and report.empty >= 1
    assert count_rows(OutboxMessage) == 0
    assert deliver().handled == 0 and smtp.messages == []
    run = db.session.get(DigestRun, (sam.id, EmailDelivery.DAILY))
    assert run.covered_until == NOW


def test_a_digest_never_tells_the_same_news_twice(smtp, colleague):
    sam, *_ = colleague
    tell(sam, NotificationKind.NEW_REQUEST, "First news", hours_ago(2))
    send_digests(db.session, EmailDelivery.DAILY, now=NOW)
    assert send_digests(db.session, EmailDelivery.DAILY, now=NOW + timedelta(hours=1)).queued == 0
    tell(sam, NotificationKind.NEW_REQUEST, "Second news", NOW + timedelta(hours=2))
    later = NOW + timedelta(days=1)
    assert send_digests(db.session, EmailDelivery.DAILY, now=later).queued == 1
    deliver()
    first, second = smtp.to("sam@example.test")
    assert "First news" in text_of(first) and "Second news" not in text_of(first)
    assert "Second news" in text_of(second) and "First news" not in text_of(second)


def test_each_digest_carries_the_kinds_chosen_for_it(smtp, colleague):
    sam, *_ = colleague
    preferences.save_preferences(
        db.session,
        sam,
        {NotificationKind.MENTION: EmailDelivery.WEEKLY, NotificationKind.NEW_REQUEST: "off"},
    )
    db.session.commit()
    tell(sam, NotificationKind.MENTION, "Pat mentioned you", hours_ago(30))
    tell(sam, NotificationKind.NEW_REQUEST, "New request nobody wants mailed", hours_ago(2))
    assert send_digests(db.session, EmailDelivery.DAILY, now=NOW).queued == 0
    assert send_digests(db.session, EmailDelivery.WEEKLY, now=NOW).queued == 1
    mail = digest_for(smtp, "sam@example.test")
    assert "weekly" in mail["Subject"]
    assert "## Mentions" in text_of(mail) and "nobody wants" not in text_of(mail)


def test_nobody_gets_a_digest_they_turned_off(smtp, colleague):
    sam, *_ = colleague
    preferences.save_preferences(
        db.session, sam, dict.fromkeys(NotificationKind, EmailDelivery.AT_ONCE)
    )
    db.session.commit()
    tell(sam, NotificationKind.NEW_REQUEST, "News", hours_ago(2))
    send_digests(db.session, EmailDelivery.DAILY, now=NOW)
    assert count_rows(OutboxMessage) == 0
    assert db.session.get(DigestRun, (sam.id, EmailDelivery.DAILY)) is None


def test_a_leaders_digest_tells_what_shipped_slipped_and_renews(smtp, make, users):
    make.user(Role.LEADER, email="lee@example.test", display_name="Lee")
    erp = make.product(name="Finance ERP")
    vendor_tool = make.product(name="Expense tool", sourcing=Sourcing.BOUGHT, vendor="Acme")
    db.session.add(
        Contract(
            product=vendor_tool,
            vendor="Acme",
            annual_cost=Decimal("12000"),
            seats_bought=50,
            renewal_date=NOW.date() + timedelta(days=30),
        )
    )
    db.session.commit()
    shipped(make, users, erp, "Month-end in two days", hours_ago(5))
    slipped = record(
        db.session,
        None,
        Verb.MEASURE_SLIPPED,
        subject="Days to close the month",
        product=erp,
        before="On track",
        after="Off track",
    )
    slipped.created_at = hours_ago(6)
    db.session.commit()
    make.item(erp, Column.NEXT, title="Bank feeds")

    report = send_digests(db.session, EmailDelivery.WEEKLY)  # now: the renewal is news
    assert report.renewals_recorded == 1
    mail = digest_for(smtp, "lee@example.test")
    assert mail["Subject"].startswith("Your weekly leader's digest")
    text = text_of(mail)
    assert "Month-end in two days" in text[text.index("## Shipped") :]
    assert "Days to close the month (On track → Off track)" in text
    renewal = text[text.index("## Contracts now within 90 days of renewal") :]
    assert f"Expense tool: renews on {(NOW.date() + timedelta(days=30)).isoformat()}" in renewal
    assert "12,000 EUR a year" in text
    assert "Bank feeds" in text[text.index("## What is next") :]


def test_a_leader_with_no_news_gets_no_digest(smtp, make):
    make.user(Role.LEADER, email="lee@example.test")
    make.item(make.product(), Column.NOW, title="Context only")
    send_digests(db.session, EmailDelivery.WEEKLY, now=NOW)
    assert count_rows(OutboxMessage) == 0


# Renewals coming due ----------------------------------------------------------------------


def contract(make, days: int, **product_fields) -> Contract:
    product_fields.setdefault("sourcing", Sourcing.BOUGHT)
    product = make.product(**product_fields)
    found = Contract(
        product=product,
        vendor="Acme",
        annual_cost=Decimal("1000"),
        seats_bought=10,
        renewal_date=TODAY + timedelta(days=days),
    )
    db.session.add(found)
    db.session.commit()
    return found


def renewal_events() -> list[Activity]:
    return list(
        db.session.execute(
            sa.select(Activity).where(Activity.verb == Verb.RENEWAL_DUE).order_by(Activity.id)
        ).scalars()
    )


def test_a_renewal_within_90_days_is_recorded_once(make):
    soon = contract(make, 30, name="Soon")
    contract(make, 120, name="Later")
    contract(make, 10, name="Retired", stage=Stage.RETIRED)
    today = TODAY
    assert [r.product.name for r in record_renewals_due(db.session, today)] == ["Soon"]
    db.session.commit()
    assert record_renewals_due(db.session, today + timedelta(days=1)) == []
    db.session.commit()
    (event,) = renewal_events()
    assert event.actor_id is None and event.product_id == soon.product_id
    assert event.after == soon.renewal_date.isoformat()

    # Renewed for a year: the next renewal is noticed when it comes near.
    soon.renewal_date = soon.renewal_date + timedelta(days=365)
    db.session.commit()
    assert record_renewals_due(db.session, today + timedelta(days=330)) != []
    db.session.commit()
    assert len(renewal_events()) == 2


def test_flask_send_digests_runs_the_renewal_check_and_queues(app, smtp, colleague):
    sam, *_ = colleague
    tell(sam, NotificationKind.NEW_REQUEST, "News", utcnow() - timedelta(hours=1))
    result = app.test_cli_runner().invoke(send_digests_command, ["--period", "daily"])
    assert result.exit_code == 0, result.output
    assert "1 daily digest(s) queued" in result.output
    assert count_rows(OutboxMessage) == 1
    refused = app.test_cli_runner().invoke(send_digests_command, ["--period", "hourly"])
    assert refused.exit_code != 0
