"""A small Garmin Connect for the real garminconnect client to talk to in tests.

HTTP is intercepted at the requests layer with `responses`; the endpoints keep state
(activities, originals, workouts, calendar) and answer with JSON shaped like Garmin's.
The token refresh goes through curl_cffi in garminconnect: `refresh_seam` replaces that
one call. Faults are queued per method and path fragment.

Where it matters it behaves as Connect does: every call needs a bearer token that has
not expired (else 401); a stored workout comes back rewritten (server-made step ids,
display orders, the sport's key taken from its id, owner and dates added); the library
honours `start` and `limit`; an unknown id is a 404, never an exception.
`lap_button_steps` makes it store every step as ending on the lap button, as Connect has
been seen to rewrite end conditions it does not take.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import requests
import responses

API = "https://connectapi.garmin.com"


def jwt(exp_in_s: int = 3600 * 24 * 365, client_id: str = "GCM_ANDROID_DARK") -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    payload = {"exp": int(time.time()) + exp_in_s, "client_id": client_id}
    return f"{part({'alg': 'none'})}.{part(payload)}.sig"


def write_tokens(path: Path, *, exp_in_s: int = 3600 * 24 * 365) -> str:
    token = jwt(exp_in_s)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {"di_token": token, "di_refresh_token": "refresh-1", "di_client_id": "GCM_ANDROID_DARK"}
        )
    )
    return token


@dataclass
class Fault:
    method: str
    fragment: str
    status: int | None = None  # an HTTP status to answer with
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    timeout: bool = False


@dataclass
class ConnectServer:
    activities: list[dict[str, Any]] = field(default_factory=list)
    originals: dict[str, bytes] = field(default_factory=dict)
    workouts: dict[int, dict[str, Any]] = field(default_factory=dict)
    received: dict[int, dict[str, Any]] = field(default_factory=dict)  # as runback sent them
    calendar: dict[int, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests_seen: list[str] = field(default_factory=list)
    schedule_answer_has_id: bool = True
    lap_button_steps: bool = False
    _ids: int = 5000

    def add_activity(self, activity_id: str, start: datetime, sport: str, original: bytes) -> None:
        self.activities.append(
            {
                "activityId": int(activity_id),
                "activityName": f"{sport} {activity_id}",
                "startTimeGMT": start.strftime("%Y-%m-%d %H:%M:%S"),
                "startTimeLocal": start.strftime("%Y-%m-%d %H:%M:%S"),
                "activityType": {"typeId": 1, "typeKey": sport, "parentTypeId": 17},
                "duration": 1800.0,
            }
        )
        self.originals[activity_id] = original

    def install(self, mock: responses.RequestsMock) -> None:
        for method in ("GET", "POST", "PUT", "DELETE"):
            mock.add_callback(method, re.compile(re.escape(API) + r"/.*"), callback=self.handle)

    def _new_id(self) -> int:
        self._ids += 1
        return self._ids

    def handle(self, request: Any) -> tuple[int, dict[str, str], str | bytes]:
        path = request.path_url.split("?")[0]
        self.requests_seen.append(f"{request.method} {path}")
        if not _session_ok(request.headers.get("Authorization", "")):
            return 401, {"Content-Type": "application/json"}, json.dumps({"message": "no session"})
        for fault in list(self.faults):
            if fault.method == request.method and fault.fragment in path:
                self.faults.remove(fault)
                if fault.timeout:
                    raise requests.Timeout("read timed out")
                return fault.status or 500, fault.headers, json.dumps(fault.body or {})
        return self.route(request.method, path, request)

    def route(self, method: str, path: str, request: Any) -> tuple[int, dict[str, str], Any]:
        params = dict(re.findall(r"[?&]([^=&]+)=([^&]*)", request.url))
        ok = {"Content-Type": "application/json"}
        if path == "/userprofile-service/socialProfile":
            return 200, ok, json.dumps({"displayName": "runner", "fullName": "A Runner"})
        if path == "/userprofile-service/userprofile/user-settings":
            return 200, ok, json.dumps({"userData": {"measurementSystem": "metric"}})
        if path == "/activitylist-service/activities/search/activities":
            since = date.fromisoformat(params["startDate"])
            until = date.fromisoformat(params.get("endDate", "2100-01-01"))
            rows = [
                a for a in self.activities
                if since <= date.fromisoformat(a["startTimeGMT"][:10]) <= until
            ]  # fmt: skip
            start, limit = int(params.get("start", 0)), int(params.get("limit", 20))
            return 200, ok, json.dumps(rows[start : start + limit])
        found = re.fullmatch(r"/download-service/files/activity/(\d+)", path)
        if found:
            data = self.originals.get(found[1])
            if data is None:
                return 404, ok, json.dumps({"message": "not found"})
            return 200, {"Content-Type": "application/x-zip-compressed"}, data
        if path == "/workout-service/workouts":
            start, limit = int(params.get("start", 0)), int(params.get("limit", 20))
            summaries = [_summary(w) for w in self.workouts.values()]
            return 200, ok, json.dumps(summaries[start : start + limit])
        if path == "/workout-service/workout" and method == "POST":
            body = json.loads(request.body)
            sport = (body.get("sportType") or {}).get("sportTypeId")
            if sport not in SPORT_KEYS:
                return 400, ok, json.dumps({"message": f"invalid sportTypeId {sport}"})
            workout_id = self._new_id()
            self.received[workout_id] = body
            self.workouts[workout_id] = self._stored(body, workout_id)
            return 200, ok, json.dumps(self.workouts[workout_id])
        found = re.fullmatch(r"/workout-service/workout/(\d+)", path)
        if found:
            workout_id = int(found[1])
            if workout_id not in self.workouts:
                return 404, ok, json.dumps({"message": "workout not found"})
            if method == "DELETE":
                del self.workouts[workout_id]
                return 204, {}, ""
            return 200, ok, json.dumps(self.workouts[workout_id])
        found = re.fullmatch(r"/workout-service/schedule/(\d+)", path)
        if found and method == "POST":
            workout_id = int(found[1])
            if workout_id not in self.workouts:
                return 404, ok, json.dumps({"message": "workout not found"})
            day = json.loads(request.body)["date"]
            schedule_id = self._new_id()
            name = self.workouts[workout_id]["workoutName"]
            self.calendar[schedule_id] = {
                "id": schedule_id, "itemType": "workout", "workoutId": workout_id,
                "date": day, "title": name,
            }  # fmt: skip
            answer = {"workoutId": workout_id, "calendarDate": day}
            if self.schedule_answer_has_id:
                answer["workoutScheduleId"] = schedule_id
            return 200, ok, json.dumps(answer)
        if found and method == "DELETE":
            if self.calendar.pop(int(found[1]), None) is None:
                return 404, ok, json.dumps({"message": "scheduled workout not found"})
            return 204, {}, ""
        found = re.fullmatch(r"/calendar-service/year/(\d+)/month/(\d+)", path)
        if found:
            year, month0 = int(found[1]), int(found[2])
            items = [
                c for c in self.calendar.values()
                if int(c["date"][:4]) == year and int(c["date"][5:7]) == month0 + 1
            ]  # fmt: skip
            return 200, ok, json.dumps({"calendarItems": items})
        return 404, ok, json.dumps({"message": f"no route {method} {path}"})

    def _stored(self, body: dict[str, Any], workout_id: int) -> dict[str, Any]:
        """The workout as Connect keeps it: its own ids and orders, the key of each id."""
        stored = json.loads(json.dumps(body))
        sport = {"sportTypeId": stored["sportType"]["sportTypeId"]}
        sport |= {"sportTypeKey": SPORT_KEYS[sport["sportTypeId"]], "displayOrder": 1}
        stored |= {
            "workoutId": workout_id, "ownerId": 1, "createdDate": "2026-11-01T07:00:00.0",
            "updatedDate": "2026-11-01T07:00:00.0", "author": {"displayName": "runner"},
            "sportType": sport, "estimated": True,
        }  # fmt: skip

        def rewrite(steps: list[dict[str, Any]]) -> None:
            for step in steps:
                step["stepId"] = self._new_id() * 1000
                step["stepType"] = dict(step.get("stepType") or {}) | {"displayOrder": 3}
                if step.get("type") == "RepeatGroupDTO":
                    step["endCondition"] = dict(step["endCondition"]) | {"displayable": False}
                    rewrite(step.get("workoutSteps") or [])
                elif self.lap_button_steps:
                    step["endCondition"] = {"conditionTypeId": 1, "conditionTypeKey": "lap.button"}
                    step["endConditionValue"] = None
                else:
                    step["endCondition"] = dict(step["endCondition"]) | {"displayOrder": 2}

        for segment in stored.get("workoutSegments") or []:
            segment["sportType"] = dict(sport)
            segment["segmentId"] = self._new_id()
            rewrite(segment.get("workoutSteps") or [])
        return stored


SPORT_KEYS = {1: "running", 2: "cycling", 3: "other", 4: "lap_swimming", 5: "strength_training",
              12: "walking"}  # fmt: skip


def _summary(workout: dict[str, Any]) -> dict[str, Any]:
    """A row of the library listing: the workout without its steps."""
    return {k: v for k, v in workout.items() if k != "workoutSegments"}


def _session_ok(authorization: str) -> bool:
    """A bearer token of ours that has not expired."""
    if not authorization.startswith("Bearer "):
        return False
    try:
        payload = authorization.removeprefix("Bearer ").split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return False
    return isinstance(claims, dict) and float(claims.get("exp", 0)) > time.time()


class FakeCffiResponse:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status_code = status
        self.ok = 200 <= status < 300
        self._body = body
        self.text = json.dumps(body)

    def json(self) -> dict[str, Any]:
        return self._body


@dataclass
class RefreshSeam:
    """Stands in for curl_cffi.requests in garminconnect.client: the DI token refresh."""

    status: int = 200
    calls: int = 0

    def post(self, url: str, **kwargs: Any) -> FakeCffiResponse:
        self.calls += 1
        if self.status != 200:
            return FakeCffiResponse(self.status, {"error": "invalid_grant"})
        return FakeCffiResponse(
            200, {"access_token": jwt(), "refresh_token": f"refresh-{self.calls + 1}"}
        )


def block_network(monkeypatch: Any) -> None:
    """Only local sockets (PostgreSQL on 127.0.0.1) may connect."""
    real = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
            raise OSError(f"network blocked in tests: {address}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def serve(monkeypatch: Any) -> Iterator[ConnectServer]:
    """A ConnectServer answering garminconnect's calls, its token refresh replaced."""
    import garminconnect.client as gc_client

    seam = RefreshSeam()
    monkeypatch.setattr(gc_client, "cffi_requests", seam)
    monkeypatch.setattr(gc_client, "HAS_CFFI", True)
    fake = ConnectServer()
    fake.refresh = seam  # type: ignore[attr-defined]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake.install(mock)
        yield fake
