"""The rules every request passes before any route runs (docs/server.md, "Security").

1. `Host` must name this server: `127.0.0.1:PORT`, `localhost:PORT` or `[::1]:PORT` (DNS
   rebinding), else 421.
2. An `Origin` header, when present, must be this server's own origin (`http://` + the Host),
   else 403 — `null` and loopback origins on other ports included.
3. A request that may change something (any method but GET and HEAD) must prove it comes from
   this server's pages: `Origin` equal to its origin, or, without `Origin`, `Sec-Fetch-Site:
   same-origin`. Anything else is 403 (CSRF). Clients outside a browser send `Origin` themselves.
4. `Sec-Fetch-Site: cross-site` or `same-site` is refused (403) except for a top-level navigation.
Responses never carry CORS headers; every response gets the headers of `BASE_HEADERS`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset(("GET", "HEAD"))
BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
FRAMING = b"x-frame-options"


class Unsendable(Exception):
    """The connection can take no response: the HTTP layer already answered a malformed request
    (say, a bad chunk in the body) or the client left. Nothing is left to tell anyone."""


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    code: str
    message: str


def allowed_hosts(port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """The Host values that name this server (lower case)."""
    names = ("127.0.0.1", "localhost", "[::1]", *extra)
    return frozenset(f"{name.lower()}:{port}" for name in names)


def check(method: str, headers: dict[str, str], hosts: frozenset[str]) -> Refusal | None:
    """Why a request is refused, or None when it may go on to its route."""
    host = headers.get("host", "").lower()
    if host not in hosts:
        return Refusal(421, "wrong-host", "this server answers only to 127.0.0.1, localhost or [::1] on its port")
    own = f"http://{host}"
    origin = headers.get("origin")
    if origin is not None and origin.lower() != own:
        return Refusal(403, "foreign-origin", "requests from other origins are refused")
    site = headers.get("sec-fetch-site", "").lower()
    if site in ("cross-site", "same-site") and not (method in SAFE_METHODS
                                                    and headers.get("sec-fetch-mode", "").lower() == "navigate"):
        return Refusal(403, "cross-site", "requests from other sites are refused")
    if method not in SAFE_METHODS and origin is None and site != "same-origin":
        return Refusal(403, "origin-required",
                       f"a request that changes something must send `Origin: {own}` (browsers do)")
    return None


class SecurityMiddleware:
    """Applies `check` to every HTTP request and adds `BASE_HEADERS` to every response."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in BASE_HEADERS if n not in present]
                if FRAMING not in present:
                    extra.append((FRAMING, b"DENY"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            try:
                await send(message)
            except Exception as exc:
                raise Unsendable() from exc

        try:
            refusal = check(scope["method"], _headers(scope), self.hosts)
            if refusal is not None:
                await _refuse(refusal, send_with_headers)
                return
            await self.app(scope, receive, send_with_headers)
        except Unsendable:
            return
        except BaseExceptionGroup as group:  # raised from a streaming response's task group
            rest = group.subgroup(lambda exc: not isinstance(exc, Unsendable))
            if rest is not None:
                raise rest from None


def _headers(scope: Scope) -> dict[str, str]:
    """Request headers by lower-case name; a repeated security header counts as absent-or-bad."""
    out: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        out[name] = value if name not in out else "\0repeated"
    return out


async def _refuse(refusal: Refusal, send: Send) -> None:
    body = json.dumps({"error": refusal.code, "message": refusal.message}).encode()
    await send({"type": "http.response.start", "status": refusal.status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
