"""Request bodies: JSON read with its limits (media type, bytes, nesting), uploads as a stream.

Each refusal is an `HTTPRefusal` with its own status and code, so a client can tell a body that
is too large (413) from one that nests too deeply or is not JSON (400) or has the wrong type (415).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio.from_thread
from starlette.requests import Request

MAX_JSON_BYTES = 4 * 1024 * 1024
MAX_JSON_DEPTH = 32  # answers nest at most 16 containers (runtime/formats.py); the body adds a few


@dataclass
class HTTPRefusal(Exception):
    """A request refused before it reached the store; becomes a JSON error response."""

    status: int
    code: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)


def require_json(request: Request) -> None:
    """JSON endpoints take `application/json` only, so no HTML form can post to them (CSRF)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise HTTPRefusal(415, "json-required", "send the body as Content-Type: application/json")


async def read_json(request: Request, limit: int = MAX_JSON_BYTES) -> Any:
    """The JSON body, refused when it is not JSON, larger than `limit` bytes or too deeply nested."""
    require_json(request)
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise HTTPRefusal(413, "body-too-large", f"the body is larger than {limit} bytes", {"limit": limit})
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise HTTPRefusal(413, "body-too-large", f"the body is larger than {limit} bytes", {"limit": limit})
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise HTTPRefusal(400, "json-too-deep", f"the body nests more than {MAX_JSON_DEPTH} levels") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPRefusal(400, "invalid-json", f"the body is not JSON: {exc}") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise HTTPRefusal(400, "json-too-deep", f"the body nests more than {MAX_JSON_DEPTH} levels")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    """How many containers nest in `value`, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            deepest = max(deepest, level)
            if level <= MAX_JSON_DEPTH:
                stack.extend((child, level + 1) for child in node)
    return deepest


def blocking_chunks(stream: AsyncIterator[bytes]) -> Iterator[bytes]:
    """An async body stream as a plain iterator, for store code running in a worker thread: each
    chunk is awaited on the event loop, so the body is never buffered whole."""

    async def next_chunk() -> bytes | None:
        try:
            return await stream.__anext__()
        except StopAsyncIteration:
            return None

    while (chunk := anyio.from_thread.run(next_chunk)) is not None:
        if chunk:
            yield chunk
