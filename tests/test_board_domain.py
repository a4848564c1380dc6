"""The board's, requests' and comments' domain operations, called without HTTP:
each checks its rules, changes the rows and records its event in the caller's
transaction. Also the rules the board's templates used to compute (the WIP
limit, the keyboard's directions) and the URL converters of the area."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import url_for

from portfolio.board.conflicts import StaleMove
from portfolio.board.items import (
    ItemFields,
    ItemRefused,
    PromotionRefused,
    create_item,
    edit_item,
    promote_request,
)
from portfolio.board.moves import MoveDirection, column_in_direction, save_wip_limits
from portfolio.board.queries import BoardFilters, BoardView, ColumnCount
from portfolio.comments.threads import edit_comment, post_comment, remove_comment
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Column,
    ColumnLimit,
    Comment,
    Request,
    RequestStatus,
    RoadmapItem,
    Stage,
    Verb,
    Vote,
)
from portfolio.requests.submissions import SubmissionRefused, submit_request


def activities(verb: Verb | None = None) -> list[Activity]:
    query = sa.select(Activity).order_by(Activity.id)
    if verb is not None:
        query = query.where(Activity.verb == verb)
    return list(db.session.execute(query).scalars())


def rows(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def fields_for(product, **changes) -> ItemFields:
    values = {
        "product_id": product.id,
        "title": "Match invoices automatically",
        "description": "Fewer manual matches.",
        "owner_id": None,
        "reach": 400,
        "impact": 2.0,
        "confidence": 80,
        "effort": 4.0,
        "hours_saved_per_month": 30.0,
        "cost_saved_per_year": Decimal("1200.00"),
        "measure_id": None,
        "expected_change": None,
        "request_ids": [],
    }
    values.update(changes)
    return ItemFields(**values)


def reloaded(row):
    db.session.expire_all()
    return db.session.get(type(row), row.id)


# Adding an item ----------------------------------------------------------------------------


def test_create_item_adds_it_at_the_bottom_of_its_column_and_records_it(make, users):
    product = make.product(name="Ledger")
    ask = make.request(product)
    existing = make.item(product, column=Column.NEXT)
    item = create_item(
        db.session,
        fields_for(product, owner_id=users["pm"].id, request_ids=[ask.id]),
        column=Column.NEXT,
        actor=users["pm"],
    )
    db.session.commit()
    saved = reloaded(item)
    assert saved.column is Column.NEXT and saved.rank > existing.rank
    assert (saved.title, saved.reach, saved.owner_id) == (
        "Match invoices automatically",
        400,
        users["pm"].id,
    )
    assert [linked.id for linked in saved.requests] == [ask.id]
    [entry] = activities()
    assert entry.verb is Verb.ITEM_CREATED
    assert (entry.actor_id, entry.item_id, entry.product_id) == (
        users["pm"].id,
        item.id,
        product.id,
    )
    assert (entry.subject, entry.before, entry.after) == (
        "Match invoices automatically",
        None,
        "Next",
    )


def test_create_item_refuses_shipped_and_writes_nothing(make, users):
    product = make.product()
    with pytest.raises(ItemRefused):
        create_item(db.session, fields_for(product), column=Column.SHIPPED, actor=users["pm"])
    db.session.rollback()
    assert rows(RoadmapItem) == 0 and rows(Activity) == 0


# Editing an item ----------------------------------------------------------------------------


def test_edit_item_saves_and_records_the_changed_fields_before_and_after(make, users):
    product, other = make.product(name="Ledger"), make.product(name="Payroll")
    ask = make.request(other)
    item = make.item(product, title="Old title", reach=10, effort=2.0, description="Same.")
    version = item.version
    edit_item(
        db.session,
        item,
        fields_for(
            other,
            title="New title",
            reach=900,
            effort=2.0,
            impact=item.impact,
            confidence=item.confidence,
            description="Same.",
            hours_saved_per_month=item.hours_saved_per_month,
            cost_saved_per_year=item.cost_saved_per_year,
            owner_id=users["leader"].id,
            request_ids=[ask.id],
        ),
        expected_version=version,
        actor=users["pm"],
    )
    db.session.commit()
    saved = reloaded(item)
    assert (saved.title, saved.reach, saved.product_id, saved.owner_id) == (
        "New title",
        900,
        other.id,
        users["leader"].id,
    )
    assert saved.version == version + 1 and [r.id for r in saved.requests] == [ask.id]
    [entry] = activities(Verb.ITEM_EDITED)
    assert (entry.actor_id, entry.item_id, entry.product_id, entry.subject) == (
        users["pm"].id,
        item.id,
        other.id,
        "New title",
    )
    leader = users["leader"].display_name
    assert (
        entry.before == "title: Old title; product: Ledger; owner: none; reach: 10; requests: none"
    )
    assert entry.after == (
        f"title: New title; product: Payroll; owner: {leader}; reach: 900; requests: #{ask.id}"
    )


def test_edit_item_without_a_change_records_the_edit_with_nothing_to_compare(make, users):
    product = make.product()
    item = make.item(product, reach=400, impact=2.0, confidence=80, effort=4.0)
    unchanged = fields_for(
        product,
        title=item.title,
        description=item.description,
        hours_saved_per_month=item.hours_saved_per_month,
        cost_saved_per_year=item.cost_saved_per_year,
        request_ids=None,  # leave the links alone
    )
    edit_item(db.session, item, unchanged, expected_version=item.version, actor=users["pm"])
    db.session.commit()
    [entry] = activities(Verb.ITEM_EDITED)
    assert entry.before is None and entry.after is None


@pytest.mark.parametrize("expected_version", [None, 0, 2])
def test_a_stale_edit_is_refused_with_who_changed_it_and_changes_nothing(
    make, users, expected_version
):
    item = make.item(make.product(), title="Original")
    with pytest.raises(StaleMove) as refused:
        edit_item(
            db.session,
            item,
            fields_for(item.product, title="Mine"),
            expected_version=expected_version,
            actor=users["pm"],
        )
    assert "changed this item after you opened it" in refused.value.message
    db.session.rollback()
    assert reloaded(item).title == "Original" and rows(Activity) == 0


def test_editing_a_shipped_item_saves_it(pm_client, make):
    """The edit form has no column field (a card changes column on the board), so a
    shipped item's column can no longer fail the new-item column choices."""
    item = make.item(make.product(), column=Column.SHIPPED, title="Old")
    response = pm_client.post(
        f"/board/items/{item.id}/edit",
        data={
            "product_id": str(item.product_id),
            "title": "Renamed after shipping",
            "description": "",
            "owner_id": "",
            "reach": "10",
            "impact": "1",
            "confidence": "80",
            "effort": "2",
            "hours_saved_per_month": "0",
            "cost_saved_per_year": "0",
            "measure_id": "",
            "expected_change": "",
            "version": str(item.version),
        },
    )
    assert response.status_code == 302
    saved = reloaded(item)
    assert saved.title == "Renamed after shipping" and saved.column is Column.SHIPPED


# Promoting a request ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, becomes",
    [
        (RequestStatus.NEW, RequestStatus.PLANNED),
        (RequestStatus.UNDER_REVIEW, RequestStatus.PLANNED),
        (RequestStatus.PLANNED, RequestStatus.PLANNED),
        (RequestStatus.IN_PROGRESS, RequestStatus.IN_PROGRESS),
    ],
)
def test_promote_request_adds_an_item_to_later_and_plans_the_request(make, users, status, becomes):
    product = make.product()
    ask = make.request(
        product, title="Export to CSV", status=status, department=make.department(headcount=40)
    )
    already_later = make.item(product, column=Column.LATER)
    item = promote_request(db.session, ask, users["pm"])
    db.session.commit()
    saved = reloaded(item)
    assert (saved.title, saved.column, saved.reach, saved.owner_id) == (
        "Export to CSV",
        Column.LATER,
        40,
        users["pm"].id,
    )
    assert saved.rank > already_later.rank and [r.id for r in saved.requests] == [ask.id]
    assert reloaded(ask).status is becomes
    [promoted] = activities(Verb.REQUEST_PROMOTED)
    assert (promoted.actor_id, promoted.request_id, promoted.item_id, promoted.after) == (
        users["pm"].id,
        ask.id,
        item.id,
        "Later",
    )
    status_changes = activities(Verb.REQUEST_STATUS_CHANGED)
    assert len(status_changes) == (1 if becomes is not status else 0)
    assert rows(Activity) == 1 + len(status_changes)


@pytest.mark.parametrize(
    "status", [RequestStatus.SHIPPED, RequestStatus.DECLINED, RequestStatus.DUPLICATE]
)
def test_promote_request_refuses_a_closed_request(make, users, status):
    product = make.product()
    fields = {"decline_reason": "No"} if status is RequestStatus.DECLINED else {}
    if status is RequestStatus.DUPLICATE:
        fields["duplicate_of"] = make.request(product)
    ask = make.request(product, status=status, **fields)
    with pytest.raises(PromotionRefused, match=f"A {status.label.lower()} request cannot"):
        promote_request(db.session, ask, users["pm"])
    db.session.rollback()
    assert rows(RoadmapItem) == 0 and rows(Activity) == 0


# WIP limits -------------------------------------------------------------------------------


def saved_limits() -> dict[Column, int | None]:
    db.session.expire_all()
    return {
        row.column: row.wip_limit for row in db.session.execute(sa.select(ColumnLimit)).scalars()
    }


def test_save_wip_limits_records_what_changed(users):
    save_wip_limits(db.session, {Column.NOW: 5, Column.NEXT: 6, Column.LATER: None}, users["pm"])
    db.session.commit()
    assert saved_limits() == {Column.NOW: 5, Column.NEXT: 6, Column.LATER: None}
    before = save_wip_limits(
        db.session, {Column.NOW: 3, Column.NEXT: 6, Column.LATER: 9}, users["admin"]
    )
    db.session.commit()
    assert before == {Column.NOW: 5, Column.NEXT: 6, Column.LATER: None}
    assert saved_limits() == {Column.NOW: 3, Column.NEXT: 6, Column.LATER: 9}
    first, second = activities(Verb.WIP_LIMITS_CHANGED)
    assert (first.actor_id, first.before, first.after) == (
        users["pm"].id,
        "Now none; Next none",
        "Now 5; Next 6",
    )
    assert (second.actor_id, second.subject, second.before, second.after) == (
        users["admin"].id,
        "the board",
        "Now 5; Later none",
        "Now 3; Later 9",
    )


def test_saving_the_same_wip_limits_records_nothing(users):
    limits = {Column.NOW: 2, Column.NEXT: None, Column.LATER: None}
    save_wip_limits(db.session, limits, users["pm"])
    db.session.commit()
    save_wip_limits(db.session, limits, users["pm"])
    db.session.commit()
    assert len(activities(Verb.WIP_LIMITS_CHANGED)) == 1


@pytest.mark.parametrize("bad", [0, -1])
def test_save_wip_limits_refuses_a_limit_below_one(users, bad):
    with pytest.raises(ValueError):
        save_wip_limits(db.session, {Column.NOW: bad}, users["pm"])
    db.session.rollback()
    assert saved_limits() == {} and rows(Activity) == 0


def test_the_limits_form_records_the_change(pm_client, users):
    response = pm_client.post("/board/limits", data={"now": "4", "next": "", "later": ""})
    assert response.status_code == 302
    [entry] = activities(Verb.WIP_LIMITS_CHANGED)
    assert (entry.actor_id, entry.after) == (users["pm"].id, "Now 4")


@pytest.mark.parametrize(
    "total, limit, over, excess",
    [(3, None, False, 0), (3, 3, False, 0), (4, 3, True, 1), (9, 1, True, 8), (0, 1, False, 0)],
)
def test_a_column_is_over_its_wip_limit_only_past_it(total, limit, over, excess):
    count = ColumnCount(Column.NOW, total, limit)
    assert (count.over_limit, count.excess) == (over, excess)


# Directions, views and URL converters --------------------------------------------------------


@pytest.mark.parametrize(
    "column, direction, expected",
    [
        (Column.NOW, MoveDirection.PREVIOUS, None),
        (Column.NOW, MoveDirection.NEXT, Column.NEXT),
        (Column.LATER, MoveDirection.NEXT, Column.SHIPPED),
        (Column.SHIPPED, MoveDirection.NEXT, None),
        (Column.NEXT, MoveDirection.UP, None),
        (Column.NEXT, MoveDirection.DOWN, None),
    ],
)
def test_column_in_direction(column, direction, expected):
    assert column_in_direction(column, direction) is expected
    assert direction.changes_column is (direction in (MoveDirection.PREVIOUS, MoveDirection.NEXT))


@pytest.mark.parametrize(
    "view, expected", [("lanes", BoardView.LANES), ("columns", BoardView.COLUMNS), ("x", None)]
)
def test_board_view_from_the_url(view, expected):
    filters = BoardFilters.from_args({"view": view})
    assert filters.view is (expected or BoardView.COLUMNS)
    assert filters.lanes is (expected is BoardView.LANES)
    assert filters.to_args() == ({"view": "lanes"} if expected is BoardView.LANES else {})


@pytest.mark.parametrize("column", ["bogus", "NOW", "now1", "2"])
def test_an_unknown_board_column_in_the_url_is_404(pm_client, make, column):
    make.item(make.product(), column=Column.NOW)
    response = pm_client.post(f"/board/columns/{column}/order-by-score")
    assert response.status_code == 404 and rows(Activity) == 0


def test_board_column_urls_are_built_from_the_enum(app):
    with app.test_request_context():
        assert url_for("board.order_by_score", column=Column.LATER) == (
            "/board/columns/later/order-by-score"
        )


@pytest.mark.parametrize("kind", ["bogus", "comment", "Product"])
def test_an_unknown_comment_target_kind_is_404(pm_client, make, kind):
    product = make.product()
    response = pm_client.post(f"/comments/{kind}/{product.id}", data={"body": "Hello"})
    assert response.status_code == 404 and rows(Comment) == 0


# Requests ---------------------------------------------------------------------------------


def test_submit_request_records_it_and_casts_the_requesters_vote(make, users):
    product, department = make.product(name="Ledger"), make.department()
    requester = users["stakeholder"]
    product_request = submit_request(
        db.session,
        requester,
        product_id=product.id,
        title="Export invoices",
        description="Month-end needs it.",
        department_id=department.id,
    )
    db.session.commit()
    saved = reloaded(product_request)
    assert (saved.title, saved.product_id, saved.department_id, saved.requester_id) == (
        "Export invoices",
        product.id,
        department.id,
        requester.id,
    )
    assert saved.status is RequestStatus.NEW
    voters = db.session.execute(sa.select(Vote.user_id).where(Vote.request_id == saved.id))
    assert voters.scalars().all() == [requester.id]
    [entry] = activities()
    assert entry.verb is Verb.REQUEST_CREATED
    assert (entry.actor_id, entry.request_id, entry.product_id, entry.subject) == (
        requester.id,
        saved.id,
        product.id,
        "Export invoices",
    )


def test_submit_request_refuses_a_retired_product(make, users):
    product = make.product(stage=Stage.RETIRED)
    with pytest.raises(SubmissionRefused):
        submit_request(
            db.session,
            users["stakeholder"],
            product_id=product.id,
            title="Please",
            description="Something",
            department_id=None,
        )
    db.session.rollback()
    assert rows(Request) == 0 and rows(Activity) == 0 and rows(Vote) == 0


# Comments ---------------------------------------------------------------------------------


@pytest.fixture
def commented(make, users):
    """A comment of the stakeholder's on a roadmap item."""
    item = make.item(make.product(name="Ledger"), title="Scanners")
    comment = post_comment(db.session, "item", item, users["stakeholder"], "First words")
    db.session.commit()
    return comment


def test_post_comment_records_what_was_commented_on(commented, users):
    [entry] = activities()
    assert entry.verb is Verb.COMMENT_POSTED
    assert (entry.actor_id, entry.item_id, entry.product_id, entry.subject) == (
        users["stakeholder"].id,
        commented.item_id,
        commented.item.product_id,
        "Scanners",
    )


def test_edit_comment_records_the_edit_without_the_words(commented, users):
    assert edit_comment(db.session, commented, "Better words", users["stakeholder"])
    db.session.commit()
    saved = reloaded(commented)
    assert saved.body == "Better words" and saved.edited_at is not None
    [entry] = activities(Verb.COMMENT_EDITED)
    assert (entry.actor_id, entry.item_id, entry.subject) == (
        users["stakeholder"].id,
        commented.item_id,
        "Scanners",
    )
    assert entry.before is None and entry.after is None  # the words stay in the comment


def test_edit_comment_with_the_same_words_records_nothing(commented, users):
    assert not edit_comment(db.session, commented, "First words", users["stakeholder"])
    db.session.commit()
    assert reloaded(commented).edited_at is None
    assert activities(Verb.COMMENT_EDITED) == []


def test_remove_comment_deletes_it_and_records_who(commented, users):
    item_id = commented.item_id
    remove_comment(db.session, commented, users["pm"])
    db.session.commit()
    assert rows(Comment) == 0
    [entry] = activities(Verb.COMMENT_REMOVED)
    assert (entry.actor_id, entry.item_id, entry.subject) == (users["pm"].id, item_id, "Scanners")


def test_editing_and_deleting_through_the_pages_record_the_events(client_as, make, users):
    product_request = make.request(make.product(), title="Faster import")
    comment = make.comment(users["stakeholder"], "Mine", request_id=product_request.id)
    author = client_as("stakeholder")
    assert author.post(
        f"/comments/{comment.id}/edit", data={"body": "Mine, edited"}
    ).status_code == (302)
    assert client_as("pm").post(f"/comments/{comment.id}/delete").status_code == 302
    db.session.expire_all()
    assert [(entry.verb, entry.actor_id, entry.request_id) for entry in activities()] == [
        (Verb.COMMENT_EDITED, users["stakeholder"].id, product_request.id),
        (Verb.COMMENT_REMOVED, users["pm"].id, product_request.id),
    ]
