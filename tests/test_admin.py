"""Account administration at /admin/users."""

from __future__ import annotations

import pytest

from portfolio.extensions import db
from portfolio.models import Role, User
from tests.helpers import count_rows

VALID_USER = {
    "email": "New.Person@Example.test",
    "display_name": "New Person",
    "role": "leader",
    "department_id": "",
    "new_password": "a fine passphrase",
}


def test_admin_lists_users(admin_client, users):
    page = admin_client.get("/admin/users")
    assert page.status_code == 200
    for user in users.values():
        assert user.email in page.text


def test_admin_creates_a_user_who_can_log_in(app, admin_client, make):
    department = make.department(name="Finance")
    response = admin_client.post(
        "/admin/users", data={**VALID_USER, "department_id": str(department.id)}
    )
    assert response.status_code == 302
    user = db.session.execute(User.by_email("new.person@example.test")).scalar_one()
    assert user.role is Role.LEADER and user.department_id == department.id
    login = app.test_client().post(
        "/login", data={"email": "new.person@example.test", "password": "a fine passphrase"}
    )
    assert login.status_code == 302


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("email", "not-an-email", "Enter an email address"),
        ("email", "", "This field is required"),
        ("display_name", "", "This field is required"),
        ("role", "emperor", "Not a valid choice"),
        ("department_id", "99999", "Not a valid choice"),
        ("new_password", "short", "at least 8"),
    ],
)
def test_create_user_errors_keep_the_input(admin_client, field, value, message):
    before = count_rows(User)
    response = admin_client.post("/admin/users", data={**VALID_USER, field: value})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text and message in response.text
    if field != "display_name":
        assert 'value="New Person"' in response.text
    assert count_rows(User) == before


def test_duplicate_email_is_refused(admin_client, users):
    response = admin_client.post(
        "/admin/users", data={**VALID_USER, "email": users["pm"].email.upper()}
    )
    assert response.status_code == 422
    assert "already has an account" in response.text


def test_change_role_with_htmx_swaps_the_row(admin_client, users):
    target = users["stakeholder"]
    response = admin_client.hx_post(f"/admin/users/{target.id}/role", data={"role": "pm"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert f'id="user-{target.id}"' in response.text
    assert '<option value="pm" selected>' in response.text
    db.session.expire_all()
    assert db.session.get(User, target.id).role is Role.PM


def test_change_role_without_javascript_redirects(admin_client, users):
    response = admin_client.post(
        f"/admin/users/{users['leader'].id}/role", data={"role": "stakeholder"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"


def test_role_change_applies_to_open_sessions(admin_client, client_for, users):
    pm_client = client_for(users["pm"])
    assert pm_client.get("/dashboard").status_code == 200
    admin_client.post(f"/admin/users/{users['pm'].id}/role", data={"role": "stakeholder"})
    assert pm_client.get("/dashboard").status_code == 403


def test_admin_cannot_demote_or_deactivate_themselves(admin_client, users):
    me = users["admin"]
    response = admin_client.hx_post(f"/admin/users/{me.id}/role", data={"role": "pm"})
    assert response.status_code == 422 and "your own administrator role" in response.text
    response = admin_client.hx_post(f"/admin/users/{me.id}/deactivate")
    assert response.status_code == 422 and "your own account" in response.text
    db.session.expire_all()
    me = db.session.get(User, me.id)
    assert me.role is Role.ADMIN and me.active


def test_deactivate_ends_sessions_and_reactivate_restores_login(admin_client, client_for, users):
    target = users["stakeholder"]
    target_client = client_for(target)
    assert target_client.get("/products").status_code == 200

    assert admin_client.post(f"/admin/users/{target.id}/deactivate").status_code == 302
    assert target_client.get("/products").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).active is False

    assert admin_client.post(f"/admin/users/{target.id}/reactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).active is True


@pytest.mark.parametrize("url", ["/admin/users/9999/role", "/admin/users/9999/deactivate"])
def test_unknown_user_is_404(admin_client, url):
    assert admin_client.post(url, data={"role": "pm"}).status_code == 404


def test_role_change_query_count_does_not_depend_on_user_count(admin_client, make, count_queries):
    def page_queries():
        with count_queries() as queries:
            assert admin_client.get("/admin/users").status_code == 200
        return len(queries)

    few = page_queries()
    for _ in range(30):
        make.user("stakeholder", department=make.department())
    assert page_queries() == few
