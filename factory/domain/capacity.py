"""Capacity arithmetic: how many standard minutes of work a work center does in a day. The one
formula behind the capacity engine, the board's rate estimate and work in progress."""
from __future__ import annotations


def standard_minutes(*, units: float, hours: float, efficiency: float) -> float:
    """Standard minutes `units` machines (or people) produce in `hours` at `efficiency`: an hour of
    a unit at efficiency 0.85 does 51 standard minutes of work."""
    return units * hours * 60 * efficiency
