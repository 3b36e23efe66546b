"""The owner's pages about people and trust: workers and their badges, API tokens, the audit log."""
from flask import Blueprint

bp = Blueprint("staff", __name__)

from factory.staff import views  # noqa: E402,F401
