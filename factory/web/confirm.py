"""Asking once before a change that is hard or impossible to take back: a page (a plain GET, so it
works without JavaScript) that names the consequence and holds the form that makes the change."""
from __future__ import annotations

from flask import Response

from factory.web.pages import page


def confirm_page(*, question: str, consequences: list[str], action: str, button: str, back: str,
                 fields: dict[str, str] | None = None, danger: bool = True) -> Response:
    """The question, what will happen, the button that posts `fields` to `action`, and a way back."""
    return page("confirm.html", question=question, consequences=consequences, action=action, button=button,
                back=back, fields=fields or {}, danger=danger)
