"""What people send about scans: a scan from the ticket page or the phone's queue, a scan through
the API, and the office's reversal or correction of a scan."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from factory.domain.scan_rules import MAX_PIECES, Correction, work_time
from factory.inputs.base import CLIENT_ID_PATTERN, Code, Input

ClientId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=CLIENT_ID_PATTERN)]
Token = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class TicketScanIn(Input):
    """A scan from the ticket page (form or the phone's queue): the ticket and worker are known.
    The queue also sends the worker who tapped, the tap time and when the page was served (both
    in milliseconds since 1970 on the server's clock, as the page computed them), with the
    server's seal of the served time."""
    id: ClientId
    operation: Code
    good: int = Field(ge=0, le=MAX_PIECES)
    defects: int = Field(default=0, ge=0, le=MAX_PIECES)
    confirm: bool = False
    worker: Code | None = None
    tapped_at: int | None = Field(default=None, ge=0, le=2 ** 53)
    synced_at: int | None = Field(default=None, ge=0, le=2 ** 53)
    synced_seal: str | None = Field(default=None, max_length=100)

    def work_time(self, now: datetime, *, synced: datetime | None) -> datetime:
        """`synced`: the served time once its seal was checked (None when it was not right)."""
        return work_time(now=now, tapped=_from_ms(self.tapped_at), synced=synced)


def _from_ms(ms: int | None) -> datetime | None:
    if ms is None:
        return None
    try:
        return datetime.fromtimestamp(ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


class ScanIn(Input):
    """A scan through the API: the ticket by its token, the worker by their code."""
    id: ClientId
    ticket: Token
    operation: Code
    worker: Code
    good: int = Field(ge=0, le=MAX_PIECES)
    defects: int = Field(default=0, ge=0, le=MAX_PIECES)
    confirm: bool = False


class ReverseIn(Input):
    """An office reversal: the reason, and for a correction what the scan should have been."""
    reason: str = Field(default="", max_length=500)
    worker: Code | None = None
    good: int | None = Field(default=None, ge=0, le=MAX_PIECES)
    defects: int | None = Field(default=None, ge=0, le=MAX_PIECES)

    def correction(self) -> Correction | None:
        """None for a plain reversal."""
        if self.worker is None and self.good is None and self.defects is None:
            return None
        return Correction(self.worker, self.good, self.defects)
