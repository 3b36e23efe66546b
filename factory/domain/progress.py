"""Progress arithmetic: what is done and what is still open, from scan totals. Pure functions."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Count:
    """Scan totals of one ticket at one operation."""
    good: int = 0
    defects: int = 0

    @property
    def logged(self) -> int:
        return self.good + self.defects


def available(quantity: int, counts: list[Count], position: int) -> int:
    """Pieces that have reached operation `position`: the ticket's quantity at the first
    operation, the good pieces of the operation before it afterwards."""
    if position == 0:
        return quantity
    return min(quantity, counts[position - 1].good)


def open_pieces(quantity: int, counts: list[Count]) -> list[int]:
    """Pieces still open at each operation of the route (never negative).

    Defects count as logged: a piece that failed at an operation is not open there any more,
    and it does not flow on to the next one.
    """
    return [max(0, available(quantity, counts, k) - counts[k].logged) for k in range(len(counts))]



def remaining_pieces(quantity: int, counts: list[Count]) -> list[int]:
    """Pieces still to be logged at each operation of an order: its quantity less the defects
    lost before that operation, less what was logged there."""
    out, lost = [], 0
    for count in counts:
        out.append(max(0, quantity - lost - count.logged))
        lost += count.defects
    return out


def monotone_done(quantity: int, counts: list[Count]) -> list[int]:
    """Pieces finished per operation as the capacity model needs them: never above the quantity nor
    above the operation before (scans already keep this; the cap guards against a corrected history)."""
    out, ceiling = [], quantity
    for c in counts:
        ceiling = max(0, min(ceiling, c.logged))
        out.append(ceiling)
    return out


def is_order_finished(quantity: int, counts: list[Count]) -> bool:
    return bool(counts) and not any(remaining_pieces(quantity, counts))


def percent(part: float, whole: float) -> int:
    """How far `part` is of `whole`, as a whole percentage from 0 to 100 (0 when there is no whole):
    the one rule behind every progress bar."""
    if not whole or whole <= 0:
        return 0
    return max(0, min(100, round(100 * part / whole)))
