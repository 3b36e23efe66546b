"""The JSON API, authenticated with `Authorization: Bearer <token>`."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from factory.api import (  # noqa: E402  (the views register on bp, so they come after it)
    feasibility,  # noqa: F401
    floor,  # noqa: E402,F401
    measured,  # noqa: E402,F401
    openapi,  # noqa: E402,F401
    orders,  # noqa: E402,F401
    pay,  # noqa: E402,F401
    scans,  # noqa: E402,F401
    views,  # noqa: E402,F401
)
