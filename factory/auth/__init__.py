"""Signing in and out: the owner's password login, the worker's badge link, the language."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from factory.auth import views  # noqa: E402,F401
