"""The Garmin Connect gateway: the only module that sees garminconnect and its dicts.

`Gateway` (garmin_types.py) is what the rest of runback uses; `ConnectGateway` implements
it over garminconnect (>= 0.3.2), `FakeGateway` (garmin_fake.py) in memory, and both pass
the same contract tests. Errors come out as four kinds a caller can act on: LoginNeeded,
RateLimited (with Retry-After when Garmin said), Unavailable (5xx, timeouts, network),
GarminError (anything else).

Workout JSON is built in garmin_json.py; the types and errors are in garmin_types.py.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rules.workout import Workout
from sync.adapters.garmin_json import (
    stored_from_json,
    workout_json,
)
from sync.adapters.garmin_types import (
    CalendarEntry,
    GarminError,
    LibraryEntry,
    LoginNeeded,
    NotFound,
    RateLimited,
    RemoteActivity,
    StoredOtherwise,
    StoredWorkout,
    Unavailable,
)
from sync.adapters.rawstore import write_private_atomic

LIBRARY_PAGE = 100  # workouts per page of her library
MAX_LIBRARY_PAGES = 200  # 20,000 workouts: past that, a server ignoring `start` is looping


# --- the real thing -----------------------------------------------------------------------

_STATUS = re.compile(r"API Error (\d{3})")
_RETRY_AFTER = re.compile(r"retry[- ]after[\"':= ]+(\d+(?:\.\d+)?)", re.IGNORECASE)


def quiet_library_logs() -> None:
    """garminconnect logs failures with logger.exception: tracebacks on stderr that would
    break the one-line-error promise and could echo request details. runback logs the
    outcome of every call itself (sync-status lines), so the library's logs are dropped."""
    import logging

    library = logging.getLogger("garminconnect")
    library.handlers[:] = [logging.NullHandler()]
    library.propagate = False


def classify(exc: Exception, retry_after_s: float | None = None) -> GarminError:
    """garminconnect's exception -> ours. It folds the HTTP status into the message;
    a Retry-After seen on the response (see ConnectGateway) is passed in."""
    import requests
    from garminconnect import (
        GarminConnectAuthenticationError,
        GarminConnectConnectionError,
        GarminConnectTooManyRequestsError,
    )

    text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    found = _STATUS.search(str(exc))
    status = int(found[1]) if found else None
    retry = _RETRY_AFTER.search(str(exc))
    retry_after = (
        retry_after_s if retry_after_s is not None else (float(retry[1]) if retry else None)
    )
    if isinstance(exc, GarminConnectTooManyRequestsError) or status == 429:
        return RateLimited(f"Garmin Connect says too many requests ({text})", retry_after)
    if isinstance(exc, GarminConnectAuthenticationError) or status in (401, 403):
        return LoginNeeded(f"Garmin Connect refused the saved login ({text})")
    if status is not None and status >= 500:
        return Unavailable(f"Garmin Connect is failing ({text})")
    if status == 404:
        return NotFound(f"Garmin Connect has no such item ({text})")
    if isinstance(exc, (requests.Timeout, requests.ConnectionError, TimeoutError, OSError)):
        return Unavailable(f"cannot reach Garmin Connect ({type(exc).__name__})")
    if text.startswith("Connection error"):  # garminconnect's wrapper for network failures
        return Unavailable(f"cannot reach Garmin Connect ({text})")
    if isinstance(exc, GarminConnectConnectionError):
        return GarminError(f"Garmin Connect: {text}")
    return GarminError(f"Garmin Connect: {type(exc).__name__}: {text}")


class ConnectGateway:
    """The gateway over garminconnect. Tokens are saved owner-only after every call that
    could have refreshed them; the password is never stored."""

    def __init__(self, api: Any, token_file: Path) -> None:
        quiet_library_logs()
        self.api = api
        self.token_file = token_file
        self._saved = self._tokens()
        self._retry_after: float | None = None
        self._watch_responses()

    def _watch_responses(self) -> None:
        """garminconnect drops the response of a failed call (it raises with the status in
        the text); a hook on each of its sessions keeps a 429's Retry-After for us."""
        client: Any = getattr(self.api, "client", None)
        make = getattr(client, "_fresh_api_session", None)
        if client is None or make is None:
            return

        def fresh() -> Any:
            session = make()
            session.hooks["response"].append(self._remember)
            return session

        client._fresh_api_session = fresh

    def _remember(self, response: Any, *args: Any, **kwargs: Any) -> None:
        if getattr(response, "status_code", None) == 429:
            self._retry_after = retry_after_seconds(response.headers.get("Retry-After"))

    @classmethod
    def from_tokens(cls, token_file: Path) -> ConnectGateway:
        """Resume the saved login; never log in with a password here (no login loops)."""
        if not token_file.exists():
            raise LoginNeeded("not logged in to Garmin Connect: run 'runback garmin login'")
        from garminconnect import Garmin

        quiet_library_logs()
        api = Garmin()
        try:
            api.login(tokenstore=str(token_file))
        except Exception as exc:
            raise classify(exc) from None
        gateway = cls(api, token_file)
        gateway._save_if_changed(force=True)
        return gateway

    @classmethod
    def login(
        cls, email: str, password: str, prompt_mfa: Callable[[], str], token_file: Path
    ) -> ConnectGateway:
        from garminconnect import Garmin

        quiet_library_logs()
        api = Garmin(email=email, password=password, prompt_mfa=prompt_mfa)
        try:
            api.login()
        except Exception as exc:
            raise classify(exc) from None
        gateway = cls(api, token_file)
        gateway._save_if_changed(force=True)
        return gateway

    def _tokens(self) -> str:
        client = getattr(self.api, "client", None)
        return str(client.dumps()) if client is not None else ""

    def _save_if_changed(self, force: bool = False) -> None:
        tokens = self._tokens()
        if tokens and (force or tokens != self._saved):
            self.token_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_private_atomic(self.token_file, tokens.encode())
            os.chmod(self.token_file, 0o600)
            self._saved = tokens

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        self._retry_after = None
        try:
            return fn(*args)
        except Exception as exc:
            raise classify(exc, self._retry_after) from None
        finally:
            self._save_if_changed()

    def activities(self, since: date, until: date) -> list[RemoteActivity]:
        rows = self._call(
            self.api.get_activities_by_date, since.isoformat(), until.isoformat(), None, "asc"
        )
        out = []
        for row in rows or []:
            try:
                start = datetime.strptime(str(row["startTimeGMT"]), "%Y-%m-%d %H:%M:%S")
                sport = str((row.get("activityType") or {}).get("typeKey") or "unknown")
                out.append(RemoteActivity(str(row["activityId"]), start.replace(tzinfo=UTC), sport))
            except (KeyError, ValueError, TypeError):
                continue  # an entry without an id or a start cannot be pulled
        return out

    def original(self, activity_id: str) -> bytes:
        from garminconnect import Garmin

        data = self._call(
            self.api.download_activity, activity_id, Garmin.ActivityDownloadFormat.ORIGINAL
        )
        return bytes(data)

    def library(self) -> list[LibraryEntry]:
        """Every workout in her library, page by page (Connect answers 100 at a time)."""
        out: list[LibraryEntry] = []
        seen: set[int] = set()
        for page in range(MAX_LIBRARY_PAGES):
            rows = self._call(self.api.get_workouts, page * LIBRARY_PAGE, LIBRARY_PAGE) or []
            fresh = [
                LibraryEntry(int(r["workoutId"]), str(r.get("workoutName") or ""))
                for r in rows
                if isinstance(r, dict)
                and isinstance(r.get("workoutId"), int)
                and r["workoutId"] not in seen
            ]
            out += fresh
            seen.update(e.workout_id for e in fresh)
            if len(rows) < LIBRARY_PAGE or not fresh:  # the last page, or the same again
                break
        return out

    def find_workout(self, name: str) -> int | None:
        return next((e.workout_id for e in self.library() if e.name == name), None)

    def upload_workout(self, workout: Workout, name: str, description: str = "") -> int:
        body = self._call(self.api.upload_workout, workout_json(workout, name, description))
        workout_id = body.get("workoutId") if isinstance(body, dict) else None
        if not isinstance(workout_id, int):
            raise GarminError("Garmin Connect did not return a workoutId for the upload")
        return workout_id

    def stored_workout(self, workout_id: int) -> StoredWorkout:
        body = self._call(self.api.get_workout_by_id, workout_id)
        if not isinstance(body, dict):
            raise StoredOtherwise("Connect answered the read back with no workout")
        return stored_from_json(body)

    def schedule(self, workout_id: int, day: date) -> int | None:
        body = self._call(self.api.schedule_workout, workout_id, day.isoformat())
        if isinstance(body, dict):
            for key in ("workoutScheduleId", "scheduleId", "id"):
                if isinstance(body.get(key), int):
                    return int(body[key])
        return None

    def calendar(self, day: date) -> list[CalendarEntry]:
        body = self._call(self.api.get_scheduled_workouts, day.year, day.month)
        items = body.get("calendarItems", []) if isinstance(body, dict) else []
        out = []
        for item in items:
            if item.get("itemType") != "workout" or item.get("date") != day.isoformat():
                continue
            if isinstance(item.get("id"), int) and isinstance(item.get("workoutId"), int):
                out.append(
                    CalendarEntry(item["id"], item["workoutId"], day, str(item.get("title", "")))
                )
        return out

    def unschedule(self, schedule_id: int) -> None:
        """Take a calendar entry off; one that is gone already is fine."""
        with contextlib.suppress(NotFound):
            self._call(self.api.unschedule_workout, schedule_id)

    def delete_workout(self, workout_id: int) -> None:
        """Delete a workout; one that is gone already (she deleted it) is fine."""
        with contextlib.suppress(NotFound):
            self._call(self.api.delete_workout, workout_id)


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
