"""The owner's desk: the live board, orders, products and routes, reports and the workshop's set-up."""
from flask import Blueprint

bp = Blueprint("desk", __name__)

from factory.desk import corrections, floor, measured, orders, payroll, products, reports, setup, views  # noqa: E402,F401
