"""Honest placeholder pages for areas whose issue has not landed yet."""

from __future__ import annotations

from portfolio.htmx import render


def coming_soon(area: str, summary: str):
    return render("core/coming_soon.html", area=area, summary=summary)
