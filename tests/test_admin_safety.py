"""Never zero administrators, and a leaver's tokens stay dead (#12, items 8 and 14)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portfolio.admin.accounts import UserChangeRefused, change_role, set_active
from portfolio.extensions import db
from portfolio.models import ApiToken, Role, User
from tests.helpers import postgres_url


def active_admins() -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.active.is_(True))
    ).scalar_one()


def test_the_last_active_administrator_cannot_be_demoted_or_deactivated(app, make):
    first, second = make.user("admin"), make.user("admin")
    assert change_role(db.session, second, Role.PM, actor=first)
    db.session.commit()
    # `second` is no longer an administrator: it can change nobody.
    with pytest.raises(UserChangeRefused, match="Only an active administrator"):
        change_role(db.session, first, Role.PM, actor=second)
    db.session.rollback()
    with pytest.raises(UserChangeRefused, match="own administrator role"):
        change_role(db.session, first, Role.PM, actor=first)
    db.session.rollback()
    assert active_admins() == 1


def test_deactivating_an_admin_leaves_another(app, make):
    first, second = make.user("admin"), make.user("admin")
    assert set_active(db.session, second, False, actor=first)
    db.session.commit()
    with pytest.raises(UserChangeRefused):
        set_active(db.session, first, False, actor=second)
    db.session.rollback()
    assert active_admins() == 1


def test_deactivation_revokes_tokens_and_reactivation_does_not_revive_them(app, make, client):
    admin, leaver = make.user("admin"), make.user("leader")
    token, secret = ApiToken.issue(leaver, "BI")
    db.session.add(token)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/products", headers=headers).status_code == 200

    set_active(db.session, leaver, False, actor=admin)
    db.session.commit()
    set_active(db.session, leaver, True, actor=admin)
    db.session.commit()

    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert client.get("/api/products", headers=headers).status_code == 403


@pytest.mark.skipif(
    postgres_url() is None, reason="concurrency is tested against PostgreSQL (TEST_DATABASE_URL)"
)
@pytest.mark.parametrize("action", ["role", "deactivate"])
def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, make, client_for, action):
    first, second = make.user("admin"), make.user("admin")
    clients = {
        first.id: client_for(first),
        second.id: client_for(second),
    }
    barrier = threading.Barrier(2, timeout=30)
    statuses, errors = [], []

    def demote(actor_id: int, target_id: int) -> None:
        try:
            barrier.wait()
            url = f"/admin/users/{target_id}/{action}"
            data = {"role": "pm"} if action == "role" else {}
            statuses.append(clients[actor_id].post(url, data=data).status_code)
        except Exception as error:
            errors.append(repr(error))

    for _ in range(5):  # several rounds: the race must never be won by both
        threads = [
            threading.Thread(target=demote, args=(first.id, second.id)),
            threading.Thread(target=demote, args=(second.id, first.id)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        db.session.expire_all()
        assert active_admins() >= 1
        # Put both back for the next round.
        db.session.execute(
            sa.update(User)
            .where(User.id.in_([first.id, second.id]))
            .values(role=Role.ADMIN, active=True)
        )
        db.session.commit()
    assert 500 not in statuses
