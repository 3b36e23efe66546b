"""The owner's desk: the production board and the orders."""
from flask import Blueprint

bp = Blueprint("desk", __name__)

from factory.desk import views  # noqa: E402,F401
