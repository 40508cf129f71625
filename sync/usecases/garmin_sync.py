"""Use cases with Garmin Connect: log in once, pull new runs, put the next workout on her
calendar. Gather, decide, apply: the gateway gathers and applies; the rules here decide
what to do with what it returned, and every state change is a committed row, so a crash
at any point is picked up where it stopped.

Faults: LoginNeeded -> state `login-needed` (status shows it; files keep flowing; no
login is ever retried automatically); RateLimited (429) and Unavailable (5xx, timeouts,
no network) -> back off (Retry-After when given, else doubling from a minute up to six
hours), persisted so a restart does not hammer; a call that goes through ends it. Each
fault is one sync-status log line; a pass skipped while backing off says nothing.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sync import logs
from sync.adapters.garmin import ConnectGateway
from sync.adapters.garmin_types import GarminError, Gateway, LoginNeeded, RateLimited, Unavailable
from sync.bootstrap import App
from sync.formatting import iso

MAX_BACKOFF_S = 6 * 3600
FIRST_BACKOFF_S = 60
MAX_ZIP_MEMBERS = 8
MAX_FIT_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100
SESSION_SPORTS = ("running", "walking")
FIRST_PULL_DAYS = 30


def token_file(app: App) -> Path:
    return app.settings.home / "garmin" / "tokens.json"


def connected(app: App) -> bool:
    return token_file(app).exists()


def gateway(app: App) -> Gateway:
    """The gateway for this app: an injected one (tests), else the saved login."""
    if app.garmin is not None:
        made: Gateway = app.garmin()
        return made

    return ConnectGateway.from_tokens(token_file(app))


def state_word(app: App) -> str:
    """For status: not-connected | ok | login-needed | backing-off."""
    if not connected(app) and app.garmin is None:
        return "not-connected"
    with app.uow() as uow:
        state = uow.repo.garmin_state()
    if state is None:
        return "ok"
    if state.login == "login-needed":
        return "login-needed"
    if state.backoff_until is not None and state.backoff_until > app.clock():
        return "backing-off"
    return "ok"


# --- login ----------------------------------------------------------------------------


def login(app: App, email: str, password: str, prompt_mfa: Callable[[], str]) -> None:
    """Log in once; the tokens are saved owner-only, the password is not kept anywhere."""
    try:
        ConnectGateway.login(email, password, prompt_mfa, token_file(app))
    except RateLimited as exc:
        _back_off(app, exc)
        raise
    with app.uow() as uow:
        uow.repo.set_garmin_state(app.clock(), login="ok", failures=0, backoff_until=None)
        uow.commit()
    logs.event("garmin-login", state="ok")


# --- pull -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PullReport:
    listed: int
    ingested: int
    duplicates: int
    rejected: list[str]
    note: str  # why nothing happened, if it did not


def pull(
    app: App, since: date | None = None, progress: Callable[[int], object] | None = None
) -> PullReport:
    """Fetch runs and walks uploaded since the last pull and ingest them like inbox files."""
    # Here, for start-up time: `status` and `push` import this module only to ask whether
    # Garmin is connected, and ingest brings the deciding rules (25 ms of a status call).
    from sync.usecases.ingest import ingest_bytes

    waiting = waiting_note(app)
    if waiting:
        return PullReport(0, 0, 0, [], waiting)
    today = app.today()
    with app.uow() as uow:
        state = uow.repo.garmin_state()
        seen = uow.repo.pulled_ids()
    if since is None:
        last = state.pulled_through if state else None
        since = last - timedelta(days=1) if last else today - timedelta(days=FIRST_PULL_DAYS)
    try:
        gw = gateway(app)
        listed = gw.activities(since, today)
        todo = [a for a in listed if a.activity_id not in seen and _is_session(a.sport)]
        if progress is not None:
            progress(len(todo))
        ingested = duplicates = 0
        rejected: list[str] = []
        for activity in todo:
            name = f"garmin-{activity.activity_id}.fit"
            try:
                fit = fit_from_zip(_original(gw, activity.activity_id))
            except ZipRefused as exc:
                _record_pull(app, activity.activity_id, "rejected", exc.reason)
                logs.event("rejected", file=name, source="garmin", reason=exc.reason)
                rejected.append(f"{name}: {exc.reason}")
                continue
            result = ingest_bytes(
                app, fit, file_name=name, source="garmin", source_id=activity.activity_id
            )
            _record_pull(app, activity.activity_id, result.state, result.reason)
            if result.state == "ingested":
                ingested += 1
            elif result.state == "duplicate":
                duplicates += 1
            else:
                rejected.append(f"{name}: {result.reason}")
            if progress is not None:
                progress(-1)
    except GarminError as exc:
        fault(app, "pull", exc)
        return PullReport(0, 0, 0, [], str(exc))
    with app.uow() as uow:
        uow.repo.set_garmin_state(
            app.clock(), login="ok", failures=0, backoff_until=None,
            last_pull_at=app.clock(), pulled_through=today,
        )  # fmt: skip
        uow.commit()
    logs.event(
        "garmin-pulled", since=since.isoformat(), listed=len(listed), new=len(todo),
        ingested=ingested, duplicates=duplicates, rejected=len(rejected),
    )  # fmt: skip
    note = "" if todo else "nothing new on Garmin Connect"
    return PullReport(len(listed), ingested, duplicates, rejected, note)


def _original(gw: Gateway, activity_id: str) -> bytes:
    """The activity's ORIGINAL download. Garmin refusing this one activity (a 404: deleted
    since it was listed) refuses it alone; a fault of Garmin itself stops the pull."""
    try:
        return gw.original(activity_id)
    except (LoginNeeded, RateLimited, Unavailable):
        raise
    except GarminError as exc:
        raise ZipRefused(f"Garmin Connect would not hand it over ({exc})") from None


def _is_session(sport: str) -> bool:
    return any(word in sport for word in SESSION_SPORTS)


def _record_pull(app: App, remote_id: str, state: str, detail: str | None) -> None:
    with app.uow() as uow:
        uow.repo.record_pulled(remote_id, state, detail, app.clock())
        uow.commit()


class ZipRefused(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def fit_from_zip(data: bytes) -> bytes:
    """The FIT file inside Garmin's ORIGINAL download, refusing anything odd: not a zip, no
    FIT, several files, nested archives, other files, or a member that would inflate past
    50 MB or more than 100x (a zip bomb). A bare FIT (some accounts) is taken as it is."""
    if data[8:12] == b".FIT":
        return data
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise ZipRefused("the download is neither a zip nor a FIT file") from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if not members:
        raise ZipRefused("the zip holds no files")
    if len(members) > MAX_ZIP_MEMBERS:
        raise ZipRefused(f"the zip holds {len(members)} files; expected one FIT file")
    for member in members:
        lower = member.filename.lower()
        if lower.endswith((".zip", ".gz", ".7z", ".rar", ".tar")):
            raise ZipRefused(f"the zip holds another archive ({member.filename})")
        if not lower.endswith(".fit"):
            raise ZipRefused(f"the zip holds a file that is not FIT ({member.filename})")
    fits = members
    if len(fits) > 1:
        raise ZipRefused(f"the zip holds {len(fits)} FIT files; expected one")
    member = fits[0]
    if member.file_size > MAX_FIT_BYTES:
        raise ZipRefused(f"{member.filename} would inflate to {member.file_size} bytes (zip bomb?)")
    if member.compress_size and member.file_size / member.compress_size > MAX_RATIO:
        raise ZipRefused(
            f"{member.filename} compresses {member.file_size // member.compress_size}x (zip bomb?)"
        )
    try:
        with archive.open(member) as handle:
            content = handle.read(MAX_FIT_BYTES + 1)
    except NotImplementedError:  # (a RuntimeError too: caught first)
        raise ZipRefused(
            f"{member.filename} uses a compression method runback cannot read "
            f"(method {member.compress_type})"
        ) from None
    except RuntimeError:  # zipfile's word for "password required"
        raise ZipRefused(f"{member.filename} is encrypted (password protected)") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        why = "its checksum does not match" if "CRC" in str(exc) else "it does not inflate"
        raise ZipRefused(f"{member.filename} is damaged ({why})") from None
    if len(content) > MAX_FIT_BYTES:
        raise ZipRefused(f"{member.filename} inflates past {MAX_FIT_BYTES} bytes (zip bomb?)")
    return content


# --- faults ---------------------------------------------------------------------------


def waiting_note(app: App) -> str:
    """Why Garmin must not be called now, or ''."""
    with app.uow() as uow:
        state = uow.repo.garmin_state()
    if state is None:
        return ""
    if state.login == "login-needed":
        return "Garmin Connect needs a new login: runback garmin login"
    if state.backoff_until is not None and state.backoff_until > app.clock():
        return f"backing off Garmin Connect until {iso(state.backoff_until)}"
    return ""


def fault(app: App, what: str, exc: GarminError) -> None:
    if isinstance(exc, LoginNeeded):
        with app.uow() as uow:
            uow.repo.set_garmin_state(app.clock(), login="login-needed")
            uow.commit()
        logs.event("garmin-login-needed", during=what)
    else:
        # 429, 5xx, timeouts and any other refusal alike: wait, doubling, and remember it
        # across restarts, so Garmin is not asked again (upload, read back, delete) every
        # pass; the back-off line says what went wrong.
        _back_off(app, exc, during=what)


def _back_off(app: App, exc: GarminError, during: str = "login") -> datetime:
    with app.uow() as uow:
        state = uow.repo.garmin_state()
        failures = (state.failures if state else 0) + 1
        delay = exc.retry_after_s if isinstance(exc, RateLimited) else None
        if delay is None:
            delay = min(FIRST_BACKOFF_S * 2 ** (failures - 1), MAX_BACKOFF_S)
        until = app.clock() + timedelta(seconds=min(delay, MAX_BACKOFF_S))
        uow.repo.set_garmin_state(app.clock(), backoff_until=until, failures=failures)
        uow.commit()
    logs.event("garmin-backoff", until=iso(until), attempt=failures, during=during, reason=str(exc))
    return until


def healthy(app: App) -> None:
    """A call went through: forget earlier failures (the next back-off starts small)."""
    with app.uow() as uow:
        state = uow.repo.garmin_state()
        if state is not None and (state.failures or state.backoff_until is not None):
            uow.repo.set_garmin_state(app.clock(), failures=0, backoff_until=None)
            uow.commit()
