"""How Portfolio looks to each person: light, dark, or as their device prefers.

A personal preference, like the email choices: it changes nothing anyone else
sees, so nothing is recorded on the activity trail. base.html reads
`User.theme` into `<html data-theme>`; static/css/app.css holds the palettes.
"""

from __future__ import annotations

from portfolio.models import Theme, User


def set_theme(user: User, theme: Theme | str) -> Theme:
    """Keep `user`'s choice (the caller commits) and answer it."""
    user.theme = Theme(theme)
    return user.theme
