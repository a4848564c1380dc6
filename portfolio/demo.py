"""The demo organisation: what `make run` shows on a fresh database."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.models import Department, Role, User

DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role: Role
    department: str


DEMO_ACCOUNTS = [
    DemoAccount("admin@demo.example", "Ada Admin", Role.ADMIN, "IT"),
    DemoAccount("pm@demo.example", "Priya Patel", Role.PM, "IT"),
    DemoAccount("leader@demo.example", "Lars Lindqvist", Role.LEADER, "Finance"),
    DemoAccount("staff@demo.example", "Sam Stakeholder", Role.STAKEHOLDER, "Operations"),
]

# name, head, headcount
DEMO_DEPARTMENTS = [
    ("Finance", "Lars Lindqvist", 42),
    ("Sales", "Maria Gonzalez", 120),
    ("Operations", "Tom Okafor", 85),
    ("Warehouse & Logistics", "Jonas Berg", 210),
    ("People", "Hannah Schmidt", 18),
    ("IT", "Ravi Kumar", 35),
    ("Customer Service", "Elena Rossi", 64),
    ("Marketing", "Chloé Martin", 27),
]

# Further colleagues, so requests, votes and comments come from real-looking people.
DEMO_COLLEAGUES = [
    ("marco.bianchi@demo.example", "Marco Bianchi", Role.PM, "IT"),
    ("fatima.haddad@demo.example", "Fatima Haddad", Role.STAKEHOLDER, "Finance"),
    ("olivia.brown@demo.example", "Olivia Brown", Role.STAKEHOLDER, "Sales"),
    ("kenji.sato@demo.example", "Kenji Sato", Role.STAKEHOLDER, "Warehouse & Logistics"),
    ("nora.jensen@demo.example", "Nora Jensen", Role.STAKEHOLDER, "People"),
    ("diego.alvarez@demo.example", "Diego Alvarez", Role.STAKEHOLDER, "Customer Service"),
    ("amira.nasser@demo.example", "Amira Nasser", Role.STAKEHOLDER, "Marketing"),
    ("peter.novak@demo.example", "Peter Novak", Role.LEADER, "Operations"),
]


def database_is_empty(session: Session) -> bool:
    return session.execute(sa.select(sa.func.count(User.id))).scalar_one() == 0


def seed_demo(session: Session) -> None:
    """Create the demo organisation. Call on an empty database only."""
    departments = {
        name: Department(name=name, head=head, headcount=headcount)
        for name, head, headcount in DEMO_DEPARTMENTS
    }
    session.add_all(departments.values())

    people = [(a.email, a.display_name, a.role, a.department) for a in DEMO_ACCOUNTS]
    people += DEMO_COLLEAGUES
    from portfolio.auth.passwords import hash_password

    # One hash for all demo accounts: scrypt is slow on purpose, and they share a password.
    password_hash = hash_password(DEMO_PASSWORD)
    for email, name, role, department in people:
        session.add(
            User(
                email=email,
                display_name=name,
                role=role,
                department=departments[department],
                password_hash=password_hash,
            )
        )
    session.flush()
