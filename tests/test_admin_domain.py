"""Account and API-token operations called without HTTP: the rows they change
and the event each records (with before/after, and never a token's secret)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portfolio.admin.accounts import UserChangeRefused, change_role, create_user, set_active
from portfolio.auth.tokens import TokenRefused, create_token, revoke_token
from portfolio.extensions import db
from portfolio.models import Activity, ApiToken, Role, User, Verb, hash_token

HX = {"HX-Request": "true"}


def trail() -> list[Activity]:
    return list(db.session.execute(sa.select(Activity).order_by(Activity.id)).scalars())


def only_entry(verb: Verb) -> Activity:
    entries = trail()
    assert [entry.verb for entry in entries] == [verb]
    return entries[0]


# Accounts ---------------------------------------------------------------------------


def test_create_user_adds_the_account_and_records_it(app, users, make):
    department = make.department(name="Finance")
    user = create_user(
        db.session,
        email=" New.Person@Example.test ",
        display_name="  New Person ",
        role=Role.LEADER,
        password="a fine passphrase",
        department_id=department.id,
        actor=users["admin"],
    )
    db.session.commit()

    stored = db.session.execute(User.by_email("new.person@example.test")).scalar_one()
    assert stored.id == user.id and stored.display_name == "New Person"
    assert stored.role is Role.LEADER and stored.department_id == department.id and stored.active
    assert stored.check_password("a fine passphrase")
    entry = only_entry(Verb.USER_CREATED)
    assert (entry.actor_id, entry.subject, entry.before, entry.after) == (
        users["admin"].id,
        "New Person",
        None,
        "Leader",
    )
    assert "a fine passphrase" not in f"{entry.subject} {entry.before} {entry.after}"


@pytest.mark.parametrize(
    "email, password, message",
    [
        ("PM1@example.test", "a fine passphrase", "already exists"),
        ("someone@example.test", "password1", "common"),
        ("someone@example.test", "short", "at least 8"),
    ],
)
def test_create_user_refusals_write_nothing(app, make, email, password, message):
    make.user("pm", email="pm1@example.test")
    before = db.session.execute(sa.select(sa.func.count(User.id))).scalar_one()
    with pytest.raises(UserChangeRefused, match=message):
        create_user(
            db.session, email=email, display_name="Someone", role=Role.PM, password=password
        )
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count(User.id))).scalar_one() == before
    assert trail() == []


def test_change_role_records_before_and_after_labels(app, users):
    target = users["stakeholder"]
    assert change_role(db.session, target, Role.PM, users["admin"]) is True
    db.session.commit()

    db.session.expire_all()
    assert db.session.get(User, target.id).role is Role.PM
    entry = only_entry(Verb.ROLE_CHANGED)
    assert (entry.actor_id, entry.subject, entry.before, entry.after) == (
        users["admin"].id,
        target.display_name,
        "Stakeholder",
        "Product manager",
    )


def test_giving_the_same_role_changes_and_records_nothing(app, users):
    assert change_role(db.session, users["leader"], Role.LEADER, users["admin"]) is False
    db.session.commit()
    assert trail() == []


def test_an_admin_cannot_remove_their_own_admin_role(app, users):
    me = users["admin"]
    with pytest.raises(UserChangeRefused, match="your own administrator role"):
        change_role(db.session, me, Role.PM, me)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, me.id).role is Role.ADMIN
    assert trail() == []
    # Keeping their own role is no change at all.
    assert change_role(db.session, me, Role.ADMIN, me) is False


def test_deactivate_ends_sessions_and_reactivate_restores(app, users):
    target, admin = users["pm"], users["admin"]
    old_session_nonce = target.session_nonce

    assert set_active(db.session, target, False, admin) is True
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(User, target.id)
    assert stored.active is False and stored.session_nonce != old_session_nonce
    assert only_entry(Verb.USER_DEACTIVATED).subject == target.display_name

    assert set_active(db.session, stored, False, admin) is False  # already deactivated
    assert set_active(db.session, stored, True, admin) is True
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, target.id).active is True
    entries = trail()
    assert [entry.verb for entry in entries] == [Verb.USER_DEACTIVATED, Verb.USER_REACTIVATED]
    assert {entry.actor_id for entry in entries} == {admin.id}


def test_an_admin_cannot_deactivate_themselves(app, users):
    me = users["admin"]
    with pytest.raises(UserChangeRefused, match="your own account"):
        set_active(db.session, me, False, me)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, me.id).active is True
    assert trail() == []


# API tokens --------------------------------------------------------------------------


def test_create_token_stores_only_the_hash_and_records_the_name(app, users):
    owner = users["leader"]
    token, secret = create_token(db.session, owner, "  Finance BI nightly ")
    db.session.commit()

    stored = db.session.get(ApiToken, token.id)
    assert stored.user_id == owner.id and stored.name == "Finance BI nightly"
    assert stored.token_hash == hash_token(secret) and stored.revoked_at is None
    entry = only_entry(Verb.TOKEN_CREATED)
    assert (entry.actor_id, entry.subject) == (owner.id, "Finance BI nightly")
    for entry in trail():
        for text in (entry.subject, entry.before, entry.after):
            assert secret not in (text or "")


def test_a_token_needs_a_name(app, users):
    with pytest.raises(TokenRefused):
        create_token(db.session, users["leader"], "   ")
    assert db.session.execute(sa.select(sa.func.count(ApiToken.id))).scalar_one() == 0
    assert trail() == []


def test_revoke_token_records_once(app, users):
    owner = users["leader"]
    token, secret = create_token(db.session, owner, "BI")
    db.session.commit()

    assert revoke_token(db.session, token, owner) is True
    db.session.commit()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert revoke_token(db.session, token, owner) is False  # already revoked
    db.session.commit()
    entries = trail()
    assert [entry.verb for entry in entries] == [Verb.TOKEN_CREATED, Verb.TOKEN_REVOKED]
    assert entries[1].subject == "BI" and entries[1].actor_id == owner.id
    assert all(secret not in (entry.subject or "") for entry in entries)


def test_only_its_owner_revokes_a_token(app, users):
    token, _ = create_token(db.session, users["leader"], "BI")
    db.session.commit()
    with pytest.raises(TokenRefused):
        revoke_token(db.session, token, users["admin"])
    db.session.rollback()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert [entry.verb for entry in trail()] == [Verb.TOKEN_CREATED]


# The same operations behind their views and commands ----------------------------------


def test_admin_views_record_role_and_activation_changes(admin_client, users):
    target = users["stakeholder"]
    admin_client.post(f"/admin/users/{target.id}/role", data={"role": "pm"}, headers=HX)
    admin_client.post(f"/admin/users/{target.id}/deactivate", headers=HX)
    admin_client.post(f"/admin/users/{target.id}/reactivate")
    admin_client.post(
        "/admin/users",
        data={
            "email": "new@example.test",
            "display_name": "New Person",
            "role": "leader",
            "department_id": "",
            "new_password": "a fine passphrase",
        },
    )
    entries = trail()
    assert [entry.verb for entry in entries] == [
        Verb.ROLE_CHANGED,
        Verb.USER_DEACTIVATED,
        Verb.USER_REACTIVATED,
        Verb.USER_CREATED,
    ]
    assert {entry.actor_id for entry in entries} == {users["admin"].id}
    assert (entries[0].before, entries[0].after) == ("Stakeholder", "Product manager")


def test_token_views_record_creation_and_revocation_without_the_secret(leader_client, users):
    page = leader_client.post("/account/tokens", data={"name": "Power BI"})
    assert page.status_code == 201
    token = db.session.execute(sa.select(ApiToken)).scalar_one()
    assert leader_client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    entries = trail()
    assert [(entry.verb, entry.subject) for entry in entries] == [
        (Verb.TOKEN_CREATED, "Power BI"),
        (Verb.TOKEN_REVOKED, "Power BI"),
    ]
    secret = page.text.split('data-testid="new-token">')[1].split("<")[0]
    assert secret.startswith("pf_")
    assert all(secret not in f"{e.subject} {e.before} {e.after}" for e in entries)


def test_someone_elses_token_is_a_404_and_stays_active(client_as, users):
    token, _ = create_token(db.session, users["leader"], "BI")
    db.session.commit()
    response = client_as("pm").post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert [entry.verb for entry in trail()] == [Verb.TOKEN_CREATED]


def test_create_user_command_records_the_account(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "--email", "ops@example.test", "--role", "pm"],
        input="a fine passphrase\na fine passphrase\n",
    )
    assert result.exit_code == 0, result.output
    entry = only_entry(Verb.USER_CREATED)
    assert (entry.actor_id, entry.subject, entry.after) == (None, "ops", "Product manager")


def test_single_sign_on_provisioning_records_the_account(app, client):
    app.config.update(SSO_HEADER="X-Forwarded-Email", SSO_TRUSTED_PROXIES=("127.0.0.1",))
    response = client.get(
        "/products",
        headers={"X-Forwarded-Email": "New.Colleague@Example.test"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert response.status_code == 200
    entry = only_entry(Verb.USER_CREATED)
    assert (entry.actor_id, entry.subject, entry.after) == (None, "new.colleague", "Stakeholder")


# The admin row's answers ---------------------------------------------------------------


def test_a_refusal_without_javascript_shows_the_list_with_the_rows_error(admin_client, users):
    me = users["admin"]
    response = admin_client.post(f"/admin/users/{me.id}/deactivate")
    assert response.status_code == 422
    assert "<html" in response.text and 'id="new-user"' in response.text
    my_row = response.text.split(f'id="user-{me.id}"')[1].split("</tr>")[0]
    assert "your own account" in my_row
    assert response.text.count('role="alert">You cannot') == 1


def test_the_row_fragment_costs_no_more_than_the_page_and_not_per_user(
    admin_client, users, make, count_queries
):
    target_id = users["stakeholder"].id

    def reads(queries: list[str]) -> int:
        return sum(query.lstrip().upper().startswith("SELECT") for query in queries)

    def fragment_queries(role: str) -> list[str]:
        with count_queries() as queries:
            response = admin_client.post(
                f"/admin/users/{target_id}/role", data={"role": role}, headers=HX
            )
        assert response.status_code == 200 and "<html" not in response.text
        assert f'id="user-{target_id}"' in response.text
        return queries

    with count_queries() as page:
        assert admin_client.get("/admin/users").status_code == 200
    few = fragment_queries("pm")
    for _ in range(20):
        make.user("stakeholder", department=make.department())
    assert len(fragment_queries("leader")) == len(few)
    # The signed-in user, the target, the administrators locked with the target
    # (so two admins cannot demote each other at once), the target again after
    # the commit: no list of users and no department choices, unlike the page.
    assert reads(few) <= reads(page) + 1


# Vary: HX-Request on answers that are not rendered pages -------------------------------


def test_redirects_and_htmx_redirects_vary_on_hx_request(client):
    plain = client.get("/products")
    assert plain.status_code == 302 and "HX-Request" in plain.headers["Vary"]
    htmx = client.get("/products", headers=HX)
    assert htmx.headers.get("HX-Redirect", "").startswith("/login")
    assert "HX-Request" in htmx.headers["Vary"]
