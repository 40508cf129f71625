"""A small Garmin Connect for the real garminconnect client to talk to in tests.

HTTP is intercepted at the requests layer with `responses`; the endpoints keep state
(activities, originals, workouts, calendar) and answer with JSON shaped like Garmin's.
The token refresh goes through curl_cffi in garminconnect: `refresh_seam` replaces that
one call. Faults are queued per method and path fragment.
"""

from __future__ import annotations

import base64
import json
import re
import time
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
    calendar: dict[int, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests_seen: list[str] = field(default_factory=list)
    schedule_answer_has_id: bool = True
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
            return 200, ok, json.dumps(list(self.workouts.values()))
        if path == "/workout-service/workout" and method == "POST":
            body = json.loads(request.body)
            workout_id = self._new_id()
            stored = body | {"workoutId": workout_id, "ownerId": 1, "createdDate": "2026-11-01"}
            self.workouts[workout_id] = stored
            return 200, ok, json.dumps(stored)
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
            self.calendar.pop(int(found[1]), None)
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
