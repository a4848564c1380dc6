"""The site's revision: one number bumped by every write that can change a page.

Pages answer 304 Not Modified while it has not moved (portfolio.revisions), and
the live board polls it. It lives in the database, not in a worker's memory, so
several gunicorn workers and several app machines agree on it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.extensions import db

SITE_REVISION_ID = 1


class SiteRevision(db.Model):
    __tablename__ = "site_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    def __repr__(self) -> str:
        return f"<SiteRevision {self.value}>"
