"""What colours and sizes an order is made in, as the paper and the pages say it.

An order's colour/size lines are what the customer ordered; the product's own `colors` and `size`
are only its usual ones. A worker reading "米白/驼色" on a sheet for a red and navy order would knit
the wrong colour, so the order's lines win, and the product's defaults show only when the order's
lines name no colour (or no size) at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

SEPARATOR = " / "


@dataclass(frozen=True)
class Variants:
    colors: str
    sizes: str


def distinct(values: Iterable[str]) -> list[str]:
    """Each non-empty value once, in the order first seen."""
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def order_variants(lines: Iterable[tuple[str, str]], product_colors: str = "", product_size: str = "") -> Variants:
    """The order's colours and sizes from its (color, size) lines; the product's when the lines name none."""
    lines = list(lines)
    colors = distinct(color for color, _size in lines)
    sizes = distinct(size for _color, size in lines)
    return Variants(SEPARATOR.join(colors) if colors else product_colors,
                    SEPARATOR.join(sizes) if sizes else product_size)
