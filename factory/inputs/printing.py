"""What the office asks to print: label preset or custom sheet, start position, copies, paper size."""
from __future__ import annotations

from pydantic import ConfigDict, Field

from factory.inputs.base import Input


class LabelOptionsIn(Input):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    preset: str = "a4-3x8"
    width: float | None = Field(default=None, ge=10, le=300)
    height: float | None = Field(default=None, ge=10, le=300)
    cols: int = Field(default=1, ge=1, le=10)
    rows: int = Field(default=1, ge=1, le=30)
    margin_top: float = Field(default=0, ge=0, le=100)
    margin_left: float = Field(default=0, ge=0, le=100)
    gap_x: float = Field(default=0, ge=0, le=50)
    gap_y: float = Field(default=0, ge=0, le=50)
    start: int = Field(default=0, ge=0, le=299)
    copies: int | None = Field(default=None, ge=0, le=20)
    spares: int | None = Field(default=None, ge=0, le=20)
    dpi: int = 203
