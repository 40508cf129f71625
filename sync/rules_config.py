"""config/rules.toml (and the `rules_file` override) -> rules.ladder.RulesConfig.

The file is sectioned for people ([ladder], [progression], [safety], [symptoms]); the
dataclass is flat. Every error names the section and key; the dataclasses refuse values
looser than the guidance allows.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

from rules.ladder import RulesConfig
from sync.errors import ConfigError
from sync.settings import config_dir
from sync.typed import Invalid, build

SECTIONS = ("ladder", "progression", "safety")


def load_rules(override: Path | None = None) -> RulesConfig:
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    sources = [config_dir() / "rules.toml", *([override] if override else [])]
    for source in sources:
        for key, (section, value) in _flatten(_read(source), source).items():
            if key == "symptoms":
                merged.setdefault("symptoms", {}).update(value)
            else:
                merged[key] = value
            origin[key] = section
    return _build(merged, origin)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"rules file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"rules file {path.name}: {exc}") from None


def _flatten(data: dict[str, Any], source: Path) -> dict[str, tuple[str, Any]]:
    known = {f.name for f in fields(RulesConfig)}
    out: dict[str, tuple[str, Any]] = {}
    for section, body in data.items():
        if section == "symptoms" and isinstance(body, dict):
            out["symptoms"] = ("symptoms", body)
            continue
        if section not in SECTIONS or not isinstance(body, dict):
            raise ConfigError(
                f"rules file {source.name}: unknown section [{section}] "
                f"(known: {', '.join((*SECTIONS, 'symptoms'))})"
            )
        for key, value in body.items():
            if key not in known or key == "symptoms":
                raise ConfigError(f"rules: unknown key '{section}.{key}'")
            out[key] = (section, value)
    return out


def _build(merged: dict[str, Any], origin: dict[str, str]) -> RulesConfig:
    try:
        return build(RulesConfig, merged)
    except Invalid as exc:
        loc = [str(p) for p in exc.loc]
        if not loc:  # a check across keys, raised by the dataclass itself
            raise ConfigError(f"rules: {exc.message}") from None
        key = exc.where
        if loc[0] in origin and loc[0] != "symptoms":
            key = f"{origin[loc[0]]}.{key}"
        raise ConfigError(f"rules: '{key}': {exc.message}") from None
