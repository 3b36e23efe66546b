"""The one way anything in the workshop says no: a `Refusal` names the field it concerns, a code
and the numbers a person needs to fix it; `Refused` carries one or more of them up to the edge,
where `factory.web.refusals` chooses the words in the reader's language and the HTTP status."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field


@dataclass(frozen=True)
class Refusal:
    """Why something is not done: a code, the input field it concerns ("_" for the whole request),
    and the numbers the message needs."""
    code: str
    field: str = "_"
    numbers: dict = dataclass_field(default_factory=dict)


class Refused(Exception):
    """Raised by data and domain functions when the rules refuse a request; nothing was written
    (the caller's write transaction rolls back). `status` is the HTTP status it answers with."""

    def __init__(self, *refusals: Refusal, status: int = 422):
        super().__init__(*refusals)
        self.refusals = refusals
        self.status = status

    @property
    def refusal(self) -> Refusal:
        return self.refusals[0]

    @property
    def codes(self) -> dict[str, str]:
        """{field: code}, the first refusal of each field (for tests and logs)."""
        out: dict[str, str] = {}
        for refusal in self.refusals:
            out.setdefault(refusal.field, refusal.code)
        return out
