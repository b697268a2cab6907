"""The election manifest: contests, options, selection rules, units.

Selection rules, per contest, with ``S`` the number of ordinary options selected
and ``e`` the number of exclusive options selected ("against all", "blank"):

* "against all" (optional) is exclusive: selecting it with anything else is invalid;
* when ``min_selections == 0`` the contest has an explicit "blank" option, also
  exclusive, so abstaining is a deliberate, counted choice and every valid ballot
  selects something;
* otherwise ``min_selections <= S <= max_selections``.

All of this is one linear statement a ballot proves in zero knowledge::

    T = S + max_selections * e   lies in   [lower, max_selections]

with ``lower = max(min_selections, 1)`` when the contest has an exclusive option,
else ``min_selections``.  (With ``e = 1`` and ``S = 0``, ``T = max``; any extra
selection pushes ``T`` past ``max``; two exclusive options give ``2*max``; with a
blank option, ``S = e = 0`` gives ``T = 0 < 1``.)

A **ranked** contest (``method`` set: ``"irv"`` or ``"schulze"``, docs/ranked.md) asks
instead for a ranking of up to ``max_selections`` of its choices (the candidates, then the
exclusive ones), encrypted as one choice number per rank position
(:mod:`honestballot.protocol.ranked`); it is always counted by mixing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from honestballot.errors import RecordFormatError, Text

LANGUAGES: Final = ("ru", "kk", "en")
AGAINST_ALL: Final = "against-all"
BLANK: Final = "blank"
RESERVED_IDS: Final = frozenset({AGAINST_ALL, BLANK})
MAX_CONTESTS: Final = 50
MAX_OPTIONS: Final = 200
MAX_UNITS: Final = 100_000
#: how a contest is counted (see :class:`Contest`)
COUNT_METHODS: Final = ("sum", "mix")
#: how a ranked contest's rankings are counted (docs/ranked.md)
RANKED_METHODS: Final = ("irv", "schulze")
#: a ranked contest ranks at most this many choices (a privacy cap: docs/ranked.md)
MAX_RANKS: Final = 10
#: and has at most this many candidates
MAX_RANKED_CANDIDATES: Final = 50
#: every integer of a record stays within ±(2^53 - 1) (docs/record-format.md §1)
MAX_MIN_UNIT_SIZE: Final = (1 << 53) - 1
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\Z")

_EXCLUSIVE_LABELS: Final = {
    AGAINST_ALL: {"ru": "Против всех", "kk": "Барлығына қарсы", "en": "Against all"},
    BLANK: {"ru": "Пустой бюллетень", "kk": "Бос бюллетень", "en": "Blank vote"},
}


@dataclass(frozen=True, slots=True)
class Label:
    """A text in Russian, Kazakh and English."""

    ru: str
    kk: str
    en: str

    def get(self, language: str) -> str:
        return {"ru": self.ru, "kk": self.kk, "en": self.en}.get(language, self.en)


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: Label
    exclusive: bool = False


@dataclass(frozen=True, slots=True)
class Contest:
    id: str
    title: Label
    candidates: tuple[Option, ...]
    min_selections: int
    max_selections: int
    against_all: bool
    #: "sum": counted by a homomorphic sum (per unit); "mix": by the trustees' mix chain
    #: and the decryption of each shuffled ballot (protocol/mix.py; election-wide only)
    count: str = "sum"
    #: ``None`` for a plural contest; ``"irv"`` or ``"schulze"`` for a ranked one, whose
    #: ``max_selections`` is the number of rank positions (always counted by mixing)
    method: str | None = None

    @property
    def ranked(self) -> bool:
        return self.method is not None

    @property
    def slot_ids(self) -> tuple[str, ...]:
        """What the ballot encrypts, one ciphertext each, in ballot order: the options of
        a plural contest, the rank positions ``rank-1 … rank-r`` of a ranked one."""
        if self.method is not None:
            return tuple(f"rank-{i}" for i in range(1, self.max_selections + 1))
        return tuple(o.id for o in self.options)

    @property
    def options(self) -> tuple[Option, ...]:
        """Every encrypted option, in ballot order: candidates, then exclusive ones."""
        extra: list[Option] = []
        if self.against_all:
            extra.append(Option(AGAINST_ALL, Label(**_EXCLUSIVE_LABELS[AGAINST_ALL]), True))
        if self.min_selections == 0:
            extra.append(Option(BLANK, Label(**_EXCLUSIVE_LABELS[BLANK]), True))
        return self.candidates + tuple(extra)

    @property
    def has_exclusive(self) -> bool:
        return self.against_all or self.min_selections == 0

    @property
    def selection_range(self) -> tuple[int, ...]:
        """The admissible values of ``T = S + max * e`` (see the module docstring)."""
        lower = max(self.min_selections, 1) if self.has_exclusive else self.min_selections
        return tuple(range(lower, self.max_selections + 1))

    def exclusive_weight(self, option: Option) -> int:
        """The weight of an option in ``T``: 1 for a candidate, ``max`` for an exclusive one."""
        return self.max_selections if option.exclusive else 1

    def check_selection(self, selected: frozenset[str]) -> None:
        """Raise :class:`InvalidSelection` unless ``selected`` obeys this contest's rules."""
        known = {o.id for o in self.options}
        unknown = selected - known
        if unknown:
            raise InvalidSelection(f"contest {self.id}: unknown option(s) {sorted(unknown)}")
        exclusive = [o.id for o in self.options if o.exclusive and o.id in selected]
        if exclusive and len(selected) > 1:
            raise InvalidSelection(
                f"contest {self.id}: {exclusive[0]!r} cannot be combined with other choices"
            )
        if exclusive:
            return
        if len(selected) > self.max_selections:
            raise InvalidSelection(
                f"contest {self.id}: {len(selected)} selections, at most "
                f"{self.max_selections} allowed (over-vote)"
            )
        # min_selections == 0 means an explicit blank option, so one choice is always needed.
        lower = max(self.min_selections, 1)
        if len(selected) < lower:
            hint = " (choose 'blank' to abstain)" if self.min_selections == 0 else ""
            raise InvalidSelection(
                f"contest {self.id}: {len(selected)} selections, at least {lower} required{hint}"
            )


class InvalidSelection(RecordFormatError):
    """A plaintext choice that breaks a contest's rules (raised on the voter's device)."""


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    name: Label


@dataclass(frozen=True, slots=True)
class Manifest:
    election_id: str
    title: Label
    contests: tuple[Contest, ...]
    units: tuple[Unit, ...]
    min_unit_size: int

    def __post_init__(self) -> None:
        validate_manifest(self)

    def contest(self, contest_id: str) -> Contest:
        for c in self.contests:
            if c.id == contest_id:
                return c
        message = f"unknown contest {contest_id!r}"
        raise RecordFormatError(Text("manifest.contest_unknown", message, contest=contest_id[:80]))

    def unit_ids(self) -> frozenset[str]:
        return frozenset(u.id for u in self.units)


def _check_id(value: str, what: str, contest: str | None = None) -> None:
    """``what``: election, unit, contest or option (of ``contest``)."""
    if not _ID.match(value):
        named = f"contest {contest}: option id" if contest is not None else f"{what} id"
        message = f"{named} {value!r}: ids are 1-64 characters of a-z, 0-9, '-' and '_'"
        raise RecordFormatError(
            Text(f"manifest.id_shape.{what}", message, id=value[:80], contest=contest)
        )


def _bad(key: str, english: str, **params: object) -> RecordFormatError:
    return RecordFormatError(Text(f"manifest.{key}", english, **params))


def validate_manifest(m: Manifest) -> None:
    """Raise :class:`RecordFormatError` naming the first rule the manifest breaks."""
    _check_id(m.election_id, "election")
    if not 1 <= len(m.contests) <= MAX_CONTESTS:
        raise _bad("contests", f"a manifest has 1 to {MAX_CONTESTS} contests", most=MAX_CONTESTS)
    if not 1 <= len(m.units) <= MAX_UNITS:
        raise _bad("units", f"a manifest has 1 to {MAX_UNITS} units", most=MAX_UNITS)
    if not 1 <= m.min_unit_size <= MAX_MIN_UNIT_SIZE:
        message = f"min_unit_size must be from 1 to {MAX_MIN_UNIT_SIZE}"
        raise _bad("min_unit_size", message, most=MAX_MIN_UNIT_SIZE)
    _unique([c.id for c in m.contests], "contest")
    _unique([u.id for u in m.units], "unit")
    for u in m.units:
        _check_id(u.id, "unit")
    for c in m.contests:
        _check_id(c.id, "contest")
        if not 1 <= len(c.candidates) <= MAX_OPTIONS:
            message = f"contest {c.id}: 1 to {MAX_OPTIONS} options"
            raise _bad("options", message, contest=c.id, most=MAX_OPTIONS)
        _unique([o.id for o in c.candidates], "option", c.id)
        for o in c.candidates:
            _check_id(o.id, "option", c.id)
            if o.id in RESERVED_IDS:
                message = (
                    f"contest {c.id}: option id {o.id!r} is reserved; "
                    "use the contest's against_all flag or min_selections = 0"
                )
                raise _bad("reserved", message, contest=c.id, id=o.id)
            if o.exclusive:
                message = f"contest {c.id}: candidates cannot be exclusive"
                raise _bad("exclusive", message, contest=c.id)
        if c.method is not None:
            _check_ranked(c)
        if c.count not in COUNT_METHODS:
            message = f"contest {c.id}: count is one of {', '.join(COUNT_METHODS)}, not {c.count!r}"
            raise _bad(
                "count", message, contest=c.id, known=", ".join(COUNT_METHODS), given=str(c.count)
            )
        if not 0 <= c.min_selections <= c.max_selections:
            message = f"contest {c.id}: need 0 <= min_selections <= max_selections"
            raise _bad("min_over_max", message, contest=c.id)
        if not 1 <= c.max_selections <= len(c.candidates):
            message = f"contest {c.id}: max_selections must be between 1 and the number of options"
            raise _bad("max_selections", message, contest=c.id)


def _check_ranked(c: Contest) -> None:
    # the texts name their catalogue entries, so that an organiser reads them in their
    # language (honestballot/web/strings_errors.py); the English is the same for everyone
    if c.method not in RANKED_METHODS:
        raise RecordFormatError(
            Text(
                "manifest.ranked.method",
                f"contest {c.id}: method is one of {', '.join(RANKED_METHODS)}, not {c.method!r}",
                contest=c.id,
                methods=", ".join(RANKED_METHODS),
            )
        )
    if c.count != "mix":
        raise RecordFormatError(
            Text(
                "manifest.ranked.count",
                f"contest {c.id}: a ranked contest is counted by mixing",
                contest=c.id,
            )
        )
    if len(c.candidates) > MAX_RANKED_CANDIDATES:
        raise RecordFormatError(
            Text(
                "manifest.ranked.candidates",
                f"contest {c.id}: a ranked contest has at most {MAX_RANKED_CANDIDATES} candidates",
                contest=c.id,
                most=MAX_RANKED_CANDIDATES,
            )
        )
    if c.min_selections not in (0, 1):
        raise RecordFormatError(
            Text(
                "manifest.ranked.minimum",
                f"contest {c.id}: a ranked contest has min_selections 0 (with a blank choice) or 1",
                contest=c.id,
            )
        )
    if not 1 <= c.max_selections <= min(MAX_RANKS, len(c.candidates)):
        raise RecordFormatError(
            Text(
                "manifest.ranked.ranks",
                f"contest {c.id}: a ranked contest ranks from 1 to {MAX_RANKS} candidates "
                "(max_selections), and no more than it has",
                contest=c.id,
                ranks=c.max_selections,
                candidates=len(c.candidates),
                most=MAX_RANKS,
            )
        )


def _unique(ids: list[str], what: str, contest: str | None = None) -> None:
    """``what``: contest, unit or option (of ``contest``)."""
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            named = f"contest {contest}: option" if contest is not None else what
            message = f"duplicate {named} id {i!r}"
            raise RecordFormatError(
                Text(f"manifest.duplicate.{what}", message, id=i[:80], contest=contest)
            )
        seen.add(i)
