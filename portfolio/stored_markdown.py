"""Markdown rendered once, when it is saved, and stored beside its source.

Every text column users write Markdown in has an `…_html` column next to it.
A `before_flush` listener renders whichever source changed (or every source
of a new row), so domain code never has to remember, and pages show the
stored HTML without parsing anything. A comment's @mentions are looked up
when it is rendered, so the stored link names whoever the handle named then.
`rerender` (the `rerender-markdown` command) renders rows stored by an older
renderer, or all of them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, attributes

from portfolio.markdown import RENDERER_VERSION, render_markdown
from portfolio.models import Comment, Request, RoadmapItem
from portfolio.notifications.mentions import mention_links

# model → (source attribute, stored HTML attribute) pairs
MARKDOWN_FIELDS: dict[type, tuple[tuple[str, str], ...]] = {
    Comment: (("body", "body_html"),),
    Request: (("description", "description_html"),),
    RoadmapItem: (("description", "description_html"), ("release_note", "release_note_html")),
}


def render_fields(session: Session, row: object, *, only_changed: bool) -> bool:
    """Store the HTML of `row`'s Markdown sources; True when any was rendered.
    A comment's @mentions of people (looked up in `session`) become links."""
    rendered = False
    for source, target in MARKDOWN_FIELDS[type(row)]:
        if only_changed and not attributes.get_history(row, source).has_changes():
            continue
        text = getattr(row, source)
        links = mention_links(session, text) if isinstance(row, Comment) else None
        setattr(row, target, None if text is None else str(render_markdown(text, links)))
        rendered = True
    if rendered:
        row.markdown_version = RENDERER_VERSION
    return rendered


def _before_flush(session: Session, flush_context, instances) -> None:
    for row in session.new:
        if type(row) in MARKDOWN_FIELDS:
            render_fields(session, row, only_changed=False)
    for row in session.dirty:
        if type(row) in MARKDOWN_FIELDS and session.is_modified(row):
            render_fields(session, row, only_changed=True)


def install() -> None:
    """Listen on every ORM session (idempotent)."""
    if not sa.event.contains(Session, "before_flush", _before_flush):
        sa.event.listen(Session, "before_flush", _before_flush)


def rerender(session: Session, *, everything: bool = False, batch_size: int = 500) -> int:
    """Render again the rows stored by an older renderer (or all rows), in
    batches; returns how many rows were rendered. The caller commits."""
    count = 0
    for model in MARKDOWN_FIELDS:
        query = sa.select(model).order_by(model.id)
        if not everything:
            query = query.where(
                sa.or_(model.markdown_version.is_(None), model.markdown_version < RENDERER_VERSION)
            )
        last_id = 0
        while True:
            rows = (
                session.execute(query.where(model.id > last_id).limit(batch_size)).scalars().all()
            )
            if not rows:
                break
            for row in rows:
                render_fields(session, row, only_changed=False)
            count += len(rows)
            last_id = rows[-1].id
            session.flush()
    return count
