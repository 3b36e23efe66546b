"""The workshop floor: pages a worker opens on their phone."""
from flask import Blueprint

bp = Blueprint("floor", __name__)

from factory.floor import views  # noqa: E402,F401
