"""The owner's "can we take this order?" page."""
from flask import Blueprint

bp = Blueprint("assess", __name__)

from factory.assess import views  # noqa: E402,F401
