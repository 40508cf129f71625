"""Plain values (TOML tables, environment strings) into typed dataclasses, strictly.

What pydantic did for the settings and the rules file, in the few hundred microseconds a
command can spare at start-up (pydantic and pydantic-settings took a third of every
`runback` call). Each field is converted by its annotation; a bound is written
`Annotated[float, Bounds(gt=0, le=3600)]`; a dataclass checks everything else itself in
`__post_init__`. A wrong value raises `Invalid` with where it is (`("detection",
"min_bout_s")`) and what is wrong, never the value itself (it may be a password).
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, cast, get_args, get_origin

T = TypeVar("T")
Loc = tuple[str | int, ...]

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


class Invalid(ValueError):
    """A value that does not fit its field: `loc` is where, the message is why."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message

    @property
    def where(self) -> str:
        """`detection.min_bout_s`, `run_walk_levels[0]`: the key as a person writes it."""
        out = ""
        for part in self.loc:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out


@dataclass(frozen=True)
class Bounds:
    """Limits of a number: more than `gt`, at least `ge`, at most `le`."""

    gt: float | None = None
    ge: float | None = None
    le: float | None = None

    def check(self, value: float, loc: Loc) -> None:
        if self.gt is not None and not value > self.gt:
            raise Invalid(loc, f"must be more than {_num(self.gt)}")
        if self.ge is not None and not value >= self.ge:
            raise Invalid(loc, f"must be at least {_num(self.ge)}")
        if self.le is not None and not value <= self.le:
            raise Invalid(loc, f"must be at most {_num(self.le)}")


class Secret:
    """A string that never shows itself: not in repr, str, logs or error messages."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def build(cls: type[T], data: Mapping[str, Any], loc: Loc = ()) -> T:
    """`cls(**data)` with every value converted to its field's type; unknown keys refused."""
    known = _fields(cast(Any, cls))
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise Invalid((*loc, key), _unknown(key, known))
        values[key] = convert(known[key], value, (*loc, key))
    try:
        return cls(**values)
    except Invalid as exc:
        raise Invalid((*loc, *exc.loc), exc.message) from None
    except (ValueError, TypeError) as exc:  # the dataclass's own checks
        raise Invalid(loc, str(exc)) from None


def convert(kind: Any, value: Any, loc: Loc = ()) -> Any:
    """`value` as `kind` (an annotation), or Invalid."""
    origin = get_origin(kind)
    if origin is Annotated:
        base, *extras = get_args(kind)
        out = convert(base, value, loc)
        for extra in extras:
            if isinstance(extra, Bounds):
                extra.check(out, loc)
        return out
    if origin in (Union, types.UnionType):
        options = get_args(kind)
        if value is None and type(None) in options:
            return None
        problems = []
        for option in options:
            if option is type(None):
                continue
            try:
                return convert(option, value, loc)
            except Invalid as exc:
                problems.append(exc)
        raise problems[0]
    if origin is tuple:
        item, *rest = get_args(kind)
        if not isinstance(value, list | tuple):
            raise Invalid(loc, "must be a list")
        if rest and rest != [Ellipsis]:
            raise TypeError(f"fixed-length tuples are not supported ({kind})")
        return tuple(convert(item, v, (*loc, i)) for i, v in enumerate(value))
    if kind is Any:
        return value
    if is_dataclass(kind) and isinstance(kind, type):
        if isinstance(value, kind):
            return value
        if not isinstance(value, Mapping):
            raise Invalid(loc, "must be a table of settings")
        return build(kind, value, loc)
    converter = _SCALARS.get(kind)
    if converter is None:
        raise TypeError(f"no conversion to {kind!r}")
    return converter(value, loc)


def _bool(value: Any, loc: Loc) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise Invalid(loc, "must be true or false")


def _int(value: Any, loc: Loc) -> int:
    if isinstance(value, bool):
        raise Invalid(loc, "must be a whole number, not true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise Invalid(loc, "must be a whole number")


def _float(value: Any, loc: Loc) -> float:
    if isinstance(value, bool):
        raise Invalid(loc, "must be a number, not true/false")
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise Invalid(loc, "must be a number")
    return number


def _str(value: Any, loc: Loc) -> str:
    if isinstance(value, str):
        return value
    raise Invalid(loc, "must be text (in quotes in a TOML file)")


def _path(value: Any, loc: Loc) -> Path:
    if isinstance(value, Path):
        return value
    if isinstance(value, str) and value.strip():
        return Path(value)
    raise Invalid(loc, "must be a path")


def _date(value: Any, loc: Loc) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid(loc, "must be a date (YYYY-MM-DD)")


def _secret(value: Any, loc: Loc) -> Secret:
    if isinstance(value, Secret):
        return value
    if isinstance(value, str):
        return Secret(value)
    raise Invalid(loc, "must be text (in quotes in a TOML file)")


_SCALARS: dict[Any, Any] = {
    bool: _bool,
    int: _int,
    float: _float,
    str: _str,
    Path: _path,
    date: _date,
    Secret: _secret,
}


@cache
def _fields(cls: type[Any]) -> dict[str, Any]:
    """The init fields of a dataclass and their annotations (resolved once per class)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    return {f.name: hints[f.name] for f in fields(cls) if f.init}


def _unknown(key: str, known: Mapping[str, Any]) -> str:
    from difflib import get_close_matches

    close = get_close_matches(key, list(known), n=1)
    return "not a setting" + (f" (did you mean '{close[0]}'?)" if close else "")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
