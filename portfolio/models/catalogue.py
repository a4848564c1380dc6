"""The organisation's departments and internal products."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.extensions import db

if TYPE_CHECKING:
    from portfolio.models.accounts import User


class Department(db.Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    head: Mapped[str | None] = mapped_column(sa.String(120))
    headcount: Mapped[int] = mapped_column(default=0)

    members: Mapped[list[User]] = relationship(back_populates="department")

    __table_args__ = (sa.CheckConstraint("headcount >= 0", name="headcount_not_negative"),)

    def __repr__(self) -> str:
        return f"<Department {self.name}>"
