"""Splitting an order into bundles: pure arithmetic, one ticket per bundle."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ColorSizeLine:
    """A color/size share of an order."""
    quantity: int
    color: str = ""
    size: str = ""


@dataclass(frozen=True)
class Bundle:
    bundle_no: int
    quantity: int
    color: str = ""
    size: str = ""


def split_into_bundles(lines: list[ColorSizeLine], bundle_size: int | None) -> list[Bundle]:
    """Bundles of at most `bundle_size` pieces, never mixing colors or sizes.

    Without a bundle size each line is one bundle (an order with no breakdown is one ticket).
    The last bundle of a line takes the remainder, so quantities always add up exactly.
    """
    if bundle_size is not None and bundle_size <= 0:
        raise ValueError("bundle_size must be positive")
    bundles: list[Bundle] = []
    for line in lines:
        if line.quantity <= 0:
            raise ValueError("line quantity must be positive")
        left = line.quantity
        step = bundle_size or line.quantity
        while left > 0:
            take = min(step, left)
            bundles.append(Bundle(len(bundles) + 1, take, line.color, line.size))
            left -= take
    return bundles
