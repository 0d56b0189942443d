"""Dates in records: every shape a record's date arrives in, read as an aware UTC datetime,
or a message saying why not and what to write instead.

ISO 8601 goes through ``datetime.fromisoformat``; anything else through ``dateutil``, which
must find a full date. Zone names other than UTC's are refused (most mean several offsets), and
a day/month/year date such as 01/02/2024 is read as the site's ``date_order`` says.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any

from .values import kind_of, show

__all__ = ["DATE_SHAPES", "DateRead", "read_date"]

_UTC_NAMES = frozenset({"UTC", "GMT", "UT", "Z"})
# What an unparseable date's message suggests: the two shapes feeds themselves use.
DATE_SHAPES = (
    "use ISO 8601 like 2024-02-03T10:00:00Z, or RFC 2822 like Sat, 03 Feb 2024 10:00:00 +0000"
)
# A day/month/year date, digits only (01/02/2024, 1.2.24, 01-02-2024): the only shape whose
# day and month can be swapped. Year-first dates (2024/01/02) are never read day first.
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})([/.-])(\d{1,2})\2(?:\d{4}|\d{2})(?!\d)")
_MONTH_NAMES = (
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
)
# Offsets for the hint about a zone name: RFC 2822's obsolete US zones (their offsets fixed by
# the RFC) and a few names that mean one zone. Others (IST, BST...) mean several zones.
_ZONE_OFFSETS = dict(
    EST="-05:00", EDT="-04:00", CST="-06:00", CDT="-05:00",
    MST="-07:00", MDT="-06:00", PST="-08:00", PDT="-07:00",
    AKST="-09:00", AKDT="-08:00", HST="-10:00", WET="+00:00", WEST="+01:00",
    CET="+01:00", CEST="+02:00", EET="+02:00", EEST="+03:00", JST="+09:00",
    AEST="+10:00", AEDT="+11:00", NZST="+12:00", NZDT="+13:00",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DateRead:
    """A date read from a record: the moment, and for a day/month-ambiguous date read with no
    ``date_order`` set, how it was read (a warning's reason)."""

    moment: datetime  # aware, in UTC
    ambiguous: str | None = None


def read_date(value: Any, date_order: str | None) -> DateRead | str:
    """Every YAML date shape as an aware UTC datetime, or the reason it is none (for a message).

    Naive datetimes mean UTC; a date means midnight UTC; strings go through
    ``datetime.fromisoformat`` and then ``dateutil`` (which must find a full date). A
    day/month/year date is read month first unless ``date_order`` is ``"DMY"``.
    """
    ambiguous = None
    if isinstance(value, str):
        read = _read_date_text(value.strip(), date_order)
        if read is None:
            return _cannot_parse(value)
        if isinstance(read, str):
            return read
        moment, swappable = read
        if swappable and date_order is None:
            ambiguous = (
                f"{show(value)} read as {moment.date().isoformat()} (month/day); set"
                f' date_order = "DMY" if you meant {moment.month} {_MONTH_NAMES[moment.day - 1]}'
            )
    elif isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        return f"must be a date and time, got {kind_of(value)}"
    try:
        if moment.tzinfo is None or moment.utcoffset() is None:
            return DateRead(moment.replace(tzinfo=UTC), ambiguous)
        return DateRead(moment.astimezone(UTC), ambiguous)
    except (ValueError, OverflowError):  # e.g. year 1 at +14:00 falls before datetime.min
        return _cannot_parse(value)


def _cannot_parse(value: Any) -> str:
    return f"cannot parse {show(value)} ({DATE_SHAPES})"


def _read_date_text(text: str, date_order: str | None) -> tuple[datetime, bool] | str | None:
    """The moment a date string names (aware or naive), and whether its day and month could
    be swapped (a day/month/year date, both 12 or less and different); a reason when the text
    names a date in a zone that is not known, or None when it names no date."""
    if not text or len(text) > 64:
        return None
    try:
        return datetime.fromisoformat(text), False
    except ValueError:
        pass
    numeric = _NUMERIC_DATE.search(text)
    day_first = numeric is not None and date_order == "DMY"
    try:
        moment = _dateutil_full_date(text, day_first, _zone)
    except _UnknownZone as exc:
        return _unknown_zone(text, str(exc), day_first)
    if moment is None:
        return None
    if numeric is None:
        return moment, False
    first, second = int(numeric.group(1)), int(numeric.group(3))
    return moment, 1 <= first <= 12 and 1 <= second <= 12 and first != second


def _dateutil_full_date(text: str, day_first: bool, tzinfos: Any) -> datetime | None:
    """dateutil's reading of ``text`` when it names a full date, else None.

    dateutil fills missing fields from ``default``: two different defaults agreeing proves
    the text named a full date (and keeps the clock out of it).
    """
    from dateutil import parser as dateutil_parser  # rare: ISO dates are tried first

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first = dateutil_parser.parse(
                text, default=_DEFAULT_A, tzinfos=tzinfos, dayfirst=day_first
            )
            second = dateutil_parser.parse(
                text, default=_DEFAULT_B, tzinfos=tzinfos, dayfirst=day_first
            )
    except (ValueError, OverflowError):
        return None
    return first if first == second else None


def _unknown_zone(text: str, name: str, day_first: bool) -> str | None:
    """Why a date with a zone name was refused: the name, when the rest is a full date."""
    if _dateutil_full_date(text, day_first, _any_zone) is None:
        return None
    offset = _ZONE_OFFSETS.get(name.upper())
    if offset is None:
        return (
            f"unknown time zone {show(name)}: write its offset from UTC instead,"
            " such as +01:00 or -05:00"
        )
    return f"unknown time zone {show(name)}: write an offset such as {offset}"


_DEFAULT_A = datetime(2000, 1, 1)  # fills dateutil's missing fields
_DEFAULT_B = datetime(2001, 2, 2)


class _UnknownZone(Exception):
    pass


def _zone(name: str | None, offset: int | None) -> tzinfo | None:
    """dateutil's zone lookup: offsets and UTC names only (never the machine's local zone)."""
    if offset is not None:
        return timezone(timedelta(seconds=offset))
    if name is None:
        return None
    if name.upper() in _UTC_NAMES:
        return UTC
    raise _UnknownZone(name)


def _any_zone(name: str | None, offset: int | None) -> tzinfo:
    """A zone lookup that accepts every name (as UTC): is the rest of the text a full date?"""
    return UTC
