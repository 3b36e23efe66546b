"""Printing: work-order tickets, bundle labels and worker badges as PDF (and one label as PNG)."""
from flask import Blueprint

bp = Blueprint("printing", __name__)

from factory.printing import views  # noqa: E402,F401
