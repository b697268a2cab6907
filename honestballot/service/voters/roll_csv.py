"""Reading a roll file: contact and national-ID normalisation, and the CSV parser that
checks every row on its own (the checks against the voters already on the roll are in
:mod:`roll`).

Contacts are normalised exactly as the integrity audit normalises them (docs/audit.md),
so that the import's rule and the audit's clusters agree.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from honestballot.errors import InvalidInput, Text

_COLUMNS = ("national_id", "name", "phone", "email", "unit", "label")
#: the longest label for a member of a shared contact (the code's message names it)
MAX_LABEL = 32
_REQUIRED = ("national_id", "name", "unit")
_MAX_ID = 64
_MAX_NAME = 256
_MAX_EMAIL = 254
_TAG = re.compile(r"\+[^@]*@")
_LETTER = re.compile(r"[^\W\d_]")
_NOT_DIGIT = re.compile(r"[^0-9]")
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")
_SPACE = re.compile(r"\s")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_INVISIBLE = frozenset(("Cc", "Cf"))


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


def has_control_characters(text: str) -> bool:
    """Whether ``text`` has a control (Unicode Cc: NUL, ESC, newline...) or format (Cf:
    zero-width space, bidirectional marks...) character.

    Contacts and exception reasons with one are refused: NUL cannot be stored on
    PostgreSQL, an escape sequence would be replayed into a terminal, and an invisible
    character makes one address look like another.
    """
    # isprintable() is True for text without Cc and Cf (and some other categories), so
    # the usual contact is checked at C speed.
    return not text.isprintable() and any(unicodedata.category(c) in _INVISIBLE for c in text)


# -- normalisation (docs/audit.md) -------------------------------------------------------


def normalize_phone(text: str) -> str | None:
    """Digits only, without a leading ``00`` (the international prefix, as ``+``); then
    11 digits starting with 8, or 10 digits, become ``7XXXXXXXXXX``.

    Empty gives ``None``. Control or format characters, letters, non-ASCII digits, or
    fewer than 10 or more than 15 digits (after ``00``) raise :class:`ValueError` with
    the reason.

    >>> normalize_phone("8 (701) 123-45-67")
    '77011234567'
    >>> normalize_phone("00 7 701 123 45 67")
    '77011234567'
    """
    value = text.strip()
    if not value:
        return None
    if has_control_characters(value):
        raise ValueError(
            Text(
                "contact.phone_control",
                f"phone {_shown(value)} contains control or format characters",
                value=_shown(value),
            )
        )
    if _LETTER.search(value):
        raise ValueError(
            Text(
                "contact.phone_letters",
                f"phone {_shown(value)} contains letters",
                value=_shown(value),
            )
        )
    if not value.isascii() and _OTHER_DIGIT.search(value):
        raise ValueError(
            Text(
                "contact.phone_digits_kind",
                f"phone {_shown(value)} contains non-ASCII digits",
                value=_shown(value),
            )
        )
    digits = _NOT_DIGIT.sub("", value)
    if digits.startswith("00"):
        digits = digits[2:]
    if not 10 <= len(digits) <= 15:
        raise ValueError(
            Text(
                "contact.phone_length",
                f"phone {_shown(value)} has {len(digits)} digits, not 10 to 15",
                value=_shown(value),
                digits=len(digits),
            )
        )
    if len(digits) == 11 and digits.startswith("8"):
        return "7" + digits[1:]
    if len(digits) == 10:
        return "7" + digits
    return digits


def normalize_email(text: str) -> str | None:
    """Lower-cased, a ``+tag`` before ``@`` and one trailing dot of the domain (the DNS
    root: ``x.org.`` is ``x.org``) removed; it must be exactly one plain address.

    Empty gives ``None``.  An address without exactly one ``@`` between a non-empty local
    part and a domain with no empty label (``mail.example`` or a host name such as
    ``localhost``), or with spaces, control or format characters, or any of
    ``,;<>()"\\[]:`` (which could make a mail header name a second recipient), raises
    :class:`ValueError` naming the e-mail field.  The rule is the one a :class:`Message`
    applies (``senders.email_address_problem``), so every address on a roll can be sent to.

    >>> normalize_email("Anna.K+votes@Mail.Example.")
    'anna.k@mail.example'
    """
    value = text.strip()
    if not value:
        return None
    if has_control_characters(value):
        raise ValueError(
            Text(
                "contact.email_control",
                f"e-mail {_shown(value)} contains control or format characters",
                value=_shown(value),
            )
        )
    if re.search(r"""[,;<>()"\\\[\]:]""", value):
        raise ValueError(
            Text(
                "contact.email_not_plain",
                f"e-mail {_shown(value)} is not one plain address (it has one of , ; < > ( ) "
                '" \\ [ ] :)',
                value=_shown(value),
            )
        )
    if value.count("@") > 1:
        raise ValueError(
            Text(
                "contact.email_at_twice",
                f"e-mail {_shown(value)} has more than one @",
                value=_shown(value),
            )
        )
    normal = _TAG.sub("@", value.lower(), count=1).removesuffix(".")
    if "@" not in normal:
        raise ValueError(
            Text("contact.email_no_at", f"e-mail {_shown(value)} has no @", value=_shown(value))
        )
    local, _, domain = normal.partition("@")
    if not local or not domain or "@" in domain or not all(domain.split(".")):
        raise ValueError(
            Text(
                "contact.email_shape",
                f"e-mail {_shown(value)} is not local@domain",
                value=_shown(value),
            )
        )
    if _SPACE.search(normal) or len(normal) > _MAX_EMAIL:
        raise ValueError(
            Text(
                "contact.email_long",
                f"e-mail {_shown(value)} has spaces or is too long",
                value=_shown(value),
            )
        )
    return normal


def normalize_contact(text: str) -> str | None:
    """A phone number if ``text`` has no ``@``, else an e-mail address (as the audit does)."""
    return normalize_email(text) if "@" in text else normalize_phone(text)


_ID_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]")


def normalize_national_id(text: str) -> str:
    """Without whitespace and dashes (any Unicode dash), upper-cased, so ``ab-1``,
    ``AB 1`` and ``AB–1`` are one person: the roll and sign-in both use this."""
    return _ID_SEPARATORS.sub("", text).upper()


def _national_id_problem(value: str) -> str | None:
    if not value:
        return Text("roll.id_empty", "national ID is empty")
    if len(value) > _MAX_ID or not (value.isascii() and value.isalnum()):
        return Text(
            "roll.id_shape",
            f"national ID {_shown(value)} is not up to {_MAX_ID} letters and digits",
            value=_shown(value),
            most=_MAX_ID,
        )
    return None


# -- reading the file ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RollLine:
    """One data row of the file; fields that failed their check are empty / ``None``."""

    line: int
    national_id: str
    name: str
    phone: str | None
    email: str | None
    unit: str
    label: str | None = None


def _records(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The lower-cased header and an iterator of (first physical line, fields)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidInput(
            Text(
                "roll.not_utf8",
                f"the roll is not UTF-8 text (line {line}: {exc.reason})",
                line=line,
            )
        ) from exc
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise InvalidInput(Text("roll.no_header", "the roll has no header line"))
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    def rows() -> Iterator[tuple[int, list[str]]]:
        start = 1
        try:
            for record in reader:
                yield start, record
                start = reader.line_num + 1
        except csv.Error as exc:
            raise InvalidInput(
                Text("roll.not_csv", f"line {start}: not readable as CSV ({exc})", line=start)
            ) from exc

    it = rows()
    _, header = next(it)
    return [h.strip().lower() for h in header], it


def _columns(header: list[str]) -> dict[str, int]:
    wanted = [h for h in header if h in _COLUMNS]
    twice = sorted({h for h in wanted if wanted.count(h) > 1})
    if twice:
        raise InvalidInput(
            Text(
                "roll.column_twice",
                f"the roll has column(s) twice: {', '.join(twice)}",
                columns=", ".join(twice),
            )
        )
    missing = [c for c in _REQUIRED if c not in header]
    if "phone" not in header and "email" not in header:
        missing.append("phone or email")
    if missing:
        raise InvalidInput(
            Text(
                "roll.columns_missing",
                f"the roll is missing required column(s): {', '.join(missing)} "
                f"(found: {', '.join(header) or 'none'})",
                columns=", ".join(missing),
                found=", ".join(header) or "—",
            )
        )
    return {h: i for i, h in enumerate(header) if h in _COLUMNS}


def _check_line(
    line: int, fields: list[str], cols: dict[str, int], units: frozenset[str]
) -> tuple[RollLine, list[str]]:
    def get(name: str) -> str:
        return fields[cols[name]].strip() if name in cols else ""

    problems = []
    national_id = normalize_national_id(get("national_id"))
    if (why := _national_id_problem(national_id)) is not None:
        problems.append(why)
        national_id = ""
    name = get("name")
    if not name:
        problems.append(Text("roll.name_empty", "name is empty"))
    elif len(name) > _MAX_NAME or _CONTROL.search(name):
        problems.append(
            Text(
                "roll.name_shape",
                f"name is longer than {_MAX_NAME} characters or has control characters",
                most=_MAX_NAME,
            )
        )
    unit = get("unit")
    if not unit:
        problems.append(Text("roll.unit_empty", "unit is empty"))
    elif unit not in units:
        problems.append(
            Text(
                "roll.unit_unknown",
                f"unit {_shown(unit)} is not a unit of the election",
                unit=_shown(unit),
            )
        )
    contacts: list[str | None] = []
    for column, normalize in (("phone", normalize_phone), ("email", normalize_email)):
        try:
            contacts.append(normalize(get(column)))
        except ValueError as exc:
            problems.append(exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc))
            contacts.append(None)
    if not get("phone") and not get("email"):
        problems.append(Text("roll.no_contact", "neither a phone number nor an e-mail address"))
    label = get("label") or None
    if label is not None and (why := _label_problem(label, name, national_id)) is not None:
        problems.append(why)
    return RollLine(line, national_id, name, contacts[0], contacts[1], unit, label), problems


def _label_problem(label: str, name: str, national_id: str) -> str | None:
    """Why a shared contact's label cannot be used: too long, control characters, or the
    voter's name or ID in it (the SMS gateway reads every message: it names the member
    only by what the organiser chose for it, such as "mother" or "son 2")."""
    if len(label) > MAX_LABEL or not label.isprintable():
        return Text(
            "roll.label_shape",
            f"label {_shown(label)} is longer than {MAX_LABEL} characters or has control "
            "characters",
            value=_shown(label),
            most=MAX_LABEL,
        )
    folded = label.casefold()
    parts = [p for p in name.casefold().split() if len(p) >= 3]
    if (national_id and national_id.casefold() in normalize_national_id(folded).casefold()) or any(
        p in folded for p in parts
    ):
        return Text(
            "roll.label_names",
            f"label {_shown(label)} holds the voter's name or ID; the message service would "
            "read it",
            value=_shown(label),
        )
    return None


def parse_roll(
    data: bytes, units: frozenset[str], max_rows: int
) -> tuple[list[RollLine], list[tuple[int, str]]]:
    """Every row of a roll file and the problems found in rows on their own; a file of
    more than ``max_rows`` rows is refused at once."""
    header, records = _records(data)
    cols = _columns(header)
    rows: list[RollLine] = []
    problems: list[tuple[int, str]] = []
    for line, fields in records:
        if all(not f.strip() for f in fields):
            continue  # blank lines and spreadsheets' empty ",,,," rows hold no voter
        if len(rows) >= max_rows:
            raise InvalidInput(
                Text("roll.too_many", f"the roll has more than {max_rows:,} rows", most=max_rows)
            )
        if len(fields) != len(header):
            problems.append(
                (
                    line,
                    Text(
                        "roll.field_count",
                        f"{len(fields)} fields where the header has {len(header)}",
                        fields=len(fields),
                        header=len(header),
                    ),
                )
            )

            continue
        row, found = _check_line(line, fields, cols, units)
        rows.append(row)
        problems += [(line, p) for p in found]
    return rows, problems
