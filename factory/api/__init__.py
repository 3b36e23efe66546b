"""The JSON API, authenticated with `Authorization: Bearer <token>`."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from factory.api import views  # noqa: E402,F401
from factory.api import orders  # noqa: E402,F401
from factory.api import scans  # noqa: E402,F401
from factory.api import feasibility  # noqa: E402,F401
from factory.api import openapi  # noqa: E402,F401
from factory.api import pay  # noqa: E402,F401
