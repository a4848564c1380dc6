from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portfolio.forms import strip
from portfolio.markdown import MARKDOWN_TOO_LONG, MAX_MARKDOWN_LENGTH


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Comment",
        filters=[strip],
        validators=[
            DataRequired(message="Write something first."),
            Length(max=MAX_MARKDOWN_LENGTH, message=MARKDOWN_TOO_LONG),
        ],
        description="Markdown works: **bold**, _italic_, lists, links.",
    )
