"""The rules a scan must keep, as pure functions over plain numbers: what may be logged at an
operation, when a scan may be undone or reversed by the office, when its work happened, and which
operation to suggest (whether a claim is plausible: factory/domain/plausibility.py). A refusal carries a code and the numbers a person needs to fix it; the
words live at the edge (factory/web/refusals.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from factory.domain.progress import Count, available, open_pieces
from factory.domain.refusal import Refusal

# A scan may be undone by its worker this long after it was logged.
UNDO_SECONDS = 120
# The most pieces one scan may log (the largest order is 1,000,000 pieces).
MAX_PIECES = 100_000
# A scan kept on a phone may say it was worked at most this long before it reached the server.
TAP_TIME_LIMIT = timedelta(hours=12)


def check_scan(*, quantity: int, counts: list[Count], position: int, good: int, defects: int,
               operation: str = "", previous: str = "") -> Refusal | None:
    """A new scan of `good` + `defects` pieces at operation `position`, given the ticket's totals.

    The pieces logged at an operation never exceed what has reached it: the ticket's quantity at
    the first operation, the good pieces of the operation before it afterwards.
    """
    if good < 0 or defects < 0:
        return Refusal("negative", "good" if good < 0 else "defects")
    if good + defects < 1:
        return Refusal("empty", "good")
    if good + defects > MAX_PIECES:
        return Refusal("too_many", "good", {"limit": MAX_PIECES})
    still_open = open_pieces(quantity, counts)[position]
    if good + defects > still_open:
        return Refusal("over_open", "good", {
            "open": still_open, "operation": operation, "asked": good + defects, "quantity": quantity,
            "reached": available(quantity, counts, position), "previous": previous})
    return None


def check_undo(*, quantity: int, counts: list[Count], position: int, good: int, defects: int,
               age_seconds: float, same_worker: bool, is_reversal: bool, already_undone: bool,
               next_operation: str = "") -> Refusal | None:
    """Undoing a scan of `good` + `defects` pieces at `position`: only its worker, only once,
    only soon after, and only while the next operation has not used those good pieces."""
    if is_reversal:
        return Refusal("undo_of_undo")
    if not same_worker:
        return Refusal("not_yours")
    if already_undone:
        return Refusal("already_undone")
    if age_seconds > UNDO_SECONDS:
        return Refusal("undo_too_late", numbers={"limit": UNDO_SECONDS // 60, "age": int(age_seconds // 60)})
    after = [Count(c.good - good, c.defects - defects) if k == position else c for k, c in enumerate(counts)]
    if after[position].good < 0 or after[position].defects < 0:
        return Refusal("already_undone")
    if position + 1 < len(counts) and counts[position + 1].logged > after[position].good:
        return Refusal("used_downstream", numbers={
            "next": next_operation, "logged": counts[position + 1].logged,
            "undoable": max(0, counts[position].good - counts[position + 1].logged)})
    return None


def check_flow(*, counts: list[Count], position: int, operation: str = "", next_operation: str = "") -> Refusal | None:
    """After a change at `position`, the next operation must not have logged more pieces than the
    good pieces this one passed on (a downstream operation never holds more than its upstream)."""
    if position + 1 < len(counts) and counts[position + 1].logged > counts[position].good:
        return Refusal("downstream_has_more", numbers={
            "operation": operation, "next": next_operation, "logged": counts[position + 1].logged,
            "left": max(0, counts[position].good)})
    return None


def check_reversal(*, counts: list[Count], position: int, good: int, defects: int, is_reversal: bool,
                   operation: str = "", next_operation: str = "",
                   correcting: bool = False) -> tuple[list[Count], Refusal | None]:
    """The office reversing a scan of `good` + `defects` pieces at `position`: allowed at any age,
    for any worker, as long as the flow stays true (for a correction, the caller checks the flow
    once the corrected scan is added). Returns the totals after it, and the refusal."""
    if is_reversal:
        return counts, Refusal("reversal_of_reversal")
    after = [Count(c.good - good, c.defects - defects) if k == position else c for k, c in enumerate(counts)]
    if after[position].good < 0 or after[position].defects < 0:
        return counts, Refusal("already_undone")
    if correcting:
        return after, None
    return after, check_flow(counts=after, position=position, operation=operation, next_operation=next_operation)


def work_time(*, now: datetime, tapped: datetime | None, synced: datetime | None) -> datetime:
    """When the work of a scan happened: the phone's tap time, never after the scan arrived (`now`),
    never before the phone's previous contact with the server (`synced`: when the page it was
    tapped on was served, as the server signed it) and never more than TAP_TIME_LIMIT before
    arrival. Without a known contact the tap time cannot be bounded, so the scan was worked when it
    arrived; so was a scan sent at once."""
    if tapped is None or synced is None or not (now - TAP_TIME_LIMIT <= synced <= now):
        return now
    return min(now, max(synced, tapped))


def suggest(*, open_by_position: list[int], own_positions: list[int]) -> int | None:
    """The operation a worker most likely came to log: the first of theirs with open pieces,
    else the first of theirs, else none."""
    for position in own_positions:
        if open_by_position[position] > 0:
            return position
    return own_positions[0] if own_positions else None


def held_at(*, open_by_position: list[int], position: int) -> int | None:
    """Where the pieces an operation with nothing open are waiting: the nearest operation before it
    that still has open pieces, or None when everything up to it is finished (nothing more will
    come: the operation is done for this bundle)."""
    for before in range(position - 1, -1, -1):
        if open_by_position[before] > 0:
            return before
    return None


@dataclass(frozen=True)
class Correction:
    """What the office says a scan should have been: another worker, another count, or both;
    what is not given stays as the scan had it (defects: none)."""
    worker: str | None = None
    good: int | None = None
    defects: int | None = None

    def applied_to(self, *, good: int, worker_code: str) -> Correction:
        """The correction in full, for a scan of `good` pieces by `worker_code`."""
        return Correction(self.worker or worker_code, good if self.good is None else self.good, self.defects or 0)
