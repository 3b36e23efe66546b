"""Workshop-wide settings the owner sets on a page, kept in `app_setting` (key → text)."""
from __future__ import annotations

from sqlmodel import Session

from factory.data.models import AppSetting, utcnow
from factory.domain.addresses import is_loopback, normalise
from factory.domain.refusal import Refusal, Refused

PHONE_ADDRESS = "phone_address"


def setting(*, session: Session, key: str) -> str | None:
    row = session.get(AppSetting, key)
    return row.value if row is not None and row.value else None


def save_setting(*, session: Session, key: str, value: str, by: str = "") -> None:
    row = session.get(AppSetting, key) or AppSetting(key=key)
    row.value, row.updated_at, row.updated_by = value, utcnow(), by
    session.add(row)


def phone_address(*, session: Session) -> str | None:
    """The address phones use (e.g. http://192.168.1.20:5000), as the owner set it; None if never set."""
    return setting(session=session, key=PHONE_ADDRESS)


def set_phone_address(*, session: Session, text: str, insist: bool = False, by: str = "") -> str:
    """Save the address QR codes hold. Refused (422) when it is not an http(s) address of a host,
    or when it names this computer only (localhost, 127.x, ::1) and the owner did not insist."""
    address, refusal = normalise(text)
    if refusal is not None:
        raise Refused(refusal, status=422)
    assert address is not None
    if is_loopback(address) and not insist:
        raise Refused(Refusal("address_loopback", "address", {"address": address}), status=422)
    save_setting(session=session, key=PHONE_ADDRESS, value=address, by=by)
    return address
