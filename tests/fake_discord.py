"""A loopback fake of Discord's REST API and gateway for end-to-end tests.

One aiohttp server on 127.0.0.1 serves both the REST API (under `/api/v10`) and
the websocket gateway (at `/`). The real, unmodified discord.py client talks to
it once `FakeDiscord.patch_client()` has pointed `Route.BASE` and
`DiscordWebSocket.DEFAULT_GATEWAY` at it.

The server records every REST request and every gateway frame it receives, so
tests assert on what the bot actually sent, and it can inject gateway events
(`send_message_create`, `send_interaction`) and failures (`fail_next` for 429s).
Only what a small bot needs is implemented; unknown routes answer 404 and are
recorded too, so a test sees them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import discord
import yarl
from aiohttp import WSCloseCode, WSMsgType, web

API_PREFIX = "/api/v10"
JSON_TYPE = "application/json"  # exactly: with "; charset=..." discord.py reads the body as text


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request as the fake server received it."""

    index: int
    method: str
    path: str  # without the /api/v10 prefix, e.g. "/channels/1/messages"
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    status: int  # what the fake answered


@dataclass
class _Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    remaining: int


@dataclass
class _Gateway:
    ws: web.WebSocketResponse
    frames: list[dict[str, Any]] = field(default_factory=list)
    closed_by_server: bool = False


class _Snowflakes:
    """Increasing ids that decode to "now", so discord.py's `created_at` is sane."""

    def __init__(self) -> None:
        start = discord.utils.time_snowflake(dt.datetime.now(dt.UTC))
        self._counter = itertools.count(start, 1 << 22)

    def __call__(self) -> str:
        return str(next(self._counter))


@dataclass(frozen=True)
class ChannelOption:
    """A channel picked for a slash-command option (type 7). Discord resolves it in
    `data.resolved.channels` with the invoking member's permissions there."""

    channel_id: str
    name: str = "news"
    permissions: int = discord.Permissions.all().value
    type: int = 0  # text


@dataclass(frozen=True)
class RoleOption:
    """A role picked for a slash-command option (type 8), resolved in `data.resolved.roles`."""

    role_id: str
    name: str = "readers"
    mentionable: bool = True


def _option_type(value: Any) -> int:
    """The application-command option type Discord sends for `value`."""
    if isinstance(value, ChannelOption):
        return 7
    if isinstance(value, RoleOption):
        return 8
    if isinstance(value, bool):
        return 5
    return 4 if isinstance(value, int) else 3


def _option_value(value: Any) -> Any:
    if isinstance(value, ChannelOption):
        return value.channel_id
    if isinstance(value, RoleOption):
        return value.role_id
    return value


def _role(role_id: str, name: str, *, position: int, mentionable: bool) -> dict[str, Any]:
    return {
        "id": role_id,
        "name": name,
        "permissions": "0",
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": mentionable,
        "flags": 0,
    }


def _resolved(options: dict[str, Any], guild_id: str) -> dict[str, Any]:
    """`data.resolved` for the channel and role options, as Discord sends it."""
    resolved: dict[str, Any] = {}
    for value in options.values():
        if isinstance(value, ChannelOption):
            resolved.setdefault("channels", {})[value.channel_id] = {
                "id": value.channel_id,
                "type": value.type,
                "name": value.name,
                "permissions": str(value.permissions),
                "guild_id": guild_id,
            }
        elif isinstance(value, RoleOption):
            resolved.setdefault("roles", {})[value.role_id] = _role(
                value.role_id, value.name, position=1, mentionable=value.mentionable
            )
    return resolved


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={"Content-Type": JSON_TYPE, **(headers or {})},
    )


class FakeDiscord:
    """A fake Discord for one bot user in one guild with one text channel.

    Use as `async with FakeDiscord() as server:`; `server.patch_client()` is a
    context manager that redirects discord.py to it.
    """

    def __init__(self, *, token: str = "fake-token", heartbeat_interval_ms: int = 41_250) -> None:
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self._ids = _Snowflakes()
        self.bot_id = self._ids()
        self.app_id = self.bot_id
        self.owner_id = self._ids()
        self.guild_id = self._ids()
        self.channel_id = self._ids()
        self.other_channel_id = self._ids()
        self.bot_role_id = self._ids()  # the role Discord makes for an invited bot
        self.reader_role_id = self._ids()  # a plain, mentionable role of the guild
        # A second server the bot is in, with one channel: what one server may see of another.
        self.other_guild_id = self._ids()
        self.far_channel_id = self._ids()
        self._posted: dict[str, dict[str, Any]] = {}  # message id -> message, to edit
        self.bot_user = {
            "id": self.bot_id,
            "username": "newsdesk",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
        }
        self.default_author = self.make_user("reader")

        self.requests: list[RecordedRequest] = []
        self.gateway_frames: list[dict[str, Any]] = []  # every frame a client sent, in order
        self.gateway_closes: list[int | None] = []  # close codes of sockets the client closed
        self.identify_count = 0
        self.resume_count = 0
        self.session_id = "fake-session-1"
        self._seq = 0
        self._dispatched: list[dict[str, Any]] = []  # sent dispatches, for replay on RESUME
        self._gateways: list[_Gateway] = []
        self._failures: list[_Failure] = []
        self._changed = asyncio.Condition()
        self._ready = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ----- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind to an ephemeral port on 127.0.0.1 and serve."""
        app = web.Application()
        app.router.add_get("/", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        """Close every gateway socket with 1001 (going away), then stop the server."""
        for gateway in list(self._gateways):
            gateway.closed_by_server = True
            await gateway.ws.close(code=WSCloseCode.GOING_AWAY)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @contextlib.contextmanager
    def patch_client(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway here; restore them on exit."""
        route_cls = discord.http.Route
        ws_cls = discord.gateway.DiscordWebSocket
        saved = (route_cls.BASE, ws_cls.DEFAULT_GATEWAY)
        route_cls.BASE = self.api_base
        ws_cls.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            route_cls.BASE, ws_cls.DEFAULT_GATEWAY = saved

    # ----- waiting ---------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until `predicate()` returns something truthy; return it.

        Raises TimeoutError naming nothing more than the timeout: callers add context.
        """
        async with asyncio.timeout(timeout), self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                await self._changed.wait()

    def find_requests(
        self, method: str, path_regex: str, *, since: int = 0
    ) -> list[RecordedRequest]:
        """Recorded requests with this method whose path fully matches `path_regex`."""
        pattern = re.compile(path_regex)
        return [
            r
            for r in self.requests[since:]
            if r.method == method.upper() and pattern.fullmatch(r.path)
        ]

    async def wait_for_request(
        self,
        method: str,
        path_regex: str,
        timeout: float = 5.0,
        *,
        since: int = 0,
        where: Callable[[RecordedRequest], bool] | None = None,
    ) -> RecordedRequest:
        """The first request (index >= `since`) matching method, path and `where`.

        Returns at once if one was already recorded. Raises TimeoutError with the
        requests seen so far, to make a failing test readable.
        """

        def first() -> RecordedRequest | None:
            for r in self.find_requests(method, path_regex, since=since):
                if where is None or where(r):
                    return r
            return None

        try:
            return await self.wait_until(first, timeout)
        except TimeoutError:
            seen = [f"{r.method} {r.path} -> {r.status}" for r in self.requests]
            raise TimeoutError(f"no {method} {path_regex} within {timeout}s; saw {seen}") from None

    async def wait_for_identify(self, timeout: float = 5.0) -> None:
        """Wait until a client has identified and been sent READY."""
        await asyncio.wait_for(self._ready.wait(), timeout)

    def messages_sent(self, *, since: int = 0) -> list[RecordedRequest]:
        """Every message-creating request: channel messages and interaction followups."""
        return [
            r
            for r in self.requests[since:]
            if r.method == "POST"
            and (
                re.fullmatch(r"/channels/\d+/messages", r.path)
                or re.fullmatch(r"/webhooks/\d+/[^/]+", r.path)
            )
        ]

    # ----- failure injection -----------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_regex: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: float = 0.05,
        via: bool = True,
        is_global: bool = False,
    ) -> None:
        """Answer the next `times` matching requests with an error instead of the route.

        For 429 the body carries `retry_after` and, when `via` is true, a `Via`
        header: discord.py retries a 429 only with both (without `Via` it assumes
        a proxy, not Discord, refused and raises).
        """
        headers: dict[str, str] = {}
        body: dict[str, Any] = {"message": "injected failure", "code": 0}
        if status == 429:
            body = {
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": is_global,
            }
            headers = {"Retry-After": str(retry_after), "X-RateLimit-Scope": "user"}
            if via:
                headers["Via"] = "1.1 google"
        self._failures.append(
            _Failure(method.upper(), re.compile(path_regex), status, body, headers, times)
        )

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        for failure in self._failures:
            if failure.remaining and failure.method == method and failure.pattern.fullmatch(path):
                failure.remaining -= 1
                return failure
        return None

    # ----- factories for payloads ------------------------------------------------------------

    def make_user(self, username: str, *, bot: bool = False) -> dict[str, Any]:
        """A user payload with a fresh id."""
        return {
            "id": self._ids(),
            "username": username,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": bot,
        }

    def _member(self, user: dict[str, Any] | None = None) -> dict[str, Any]:
        member: dict[str, Any] = {
            "roles": [],
            "flags": 0,
            "joined_at": dt.datetime.now(dt.UTC).isoformat(),
            "deaf": False,
            "mute": False,
            "permissions": str(discord.Permissions.all().value),
        }
        if user is not None:
            member["user"] = user
        return member

    def _message(
        self,
        *,
        channel_id: str,
        content: str,
        author: dict[str, Any],
        embeds: list[Any] | None = None,
        mentions: list[dict[str, Any]] | None = None,
        reference: dict[str, Any] | None = None,
        flags: int = 0,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": self._ids(),
            "channel_id": channel_id,
            "type": 19 if reference else 0,
            "content": content,
            "author": author,
            "embeds": embeds or [],
            "attachments": [],
            "mentions": mentions or [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "flags": flags,
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "edited_timestamp": None,
        }
        if reference:
            message["message_reference"] = reference
        return message

    # ----- gateway ---------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        gateway = _Gateway(ws)
        self._gateways.append(gateway)
        try:
            await ws.send_json({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                gateway.frames.append(frame)
                self.gateway_frames.append(frame)
                await self._on_frame(gateway, frame)
                await self._notify()
        finally:
            self._gateways.remove(gateway)
            if not gateway.closed_by_server:
                self.gateway_closes.append(ws.close_code)
            await self._notify()
        return ws

    async def _on_frame(self, gateway: _Gateway, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:  # heartbeat
            await gateway.ws.send_json({"op": 11})
        elif op == 2:  # identify
            self.identify_count += 1
            self._seq = 0
            self._dispatched.clear()
            self.session_id = f"fake-session-{self.identify_count}"
            await self._dispatch_to(gateway, "READY", self._ready_payload())
            await self._dispatch_to(gateway, "GUILD_CREATE", self._guild_payload())
            await self._dispatch_to(gateway, "GUILD_CREATE", self._other_guild_payload())
            self._ready.set()
        elif op == 6:  # resume
            self.resume_count += 1
            if data.get("session_id") != self.session_id:
                await gateway.ws.send_json({"op": 9, "d": False})
                return
            for event in self._dispatched:
                if event["s"] > data.get("seq", 0):
                    await gateway.ws.send_json(event)
            await self._dispatch_to(gateway, "RESUMED", {})

    def _ready_payload(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self.bot_user,
            "guilds": [
                {"id": self.guild_id, "unavailable": True},
                {"id": self.other_guild_id, "unavailable": True},
            ],
            "session_id": self.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.app_id, "flags": 0},
        }

    def _guild_payload(self) -> dict[str, Any]:
        def text_channel(cid: str, name: str, position: int) -> dict[str, Any]:
            return {
                "id": cid,
                "type": 0,
                "name": name,
                "position": position,
                "guild_id": self.guild_id,
                "permission_overwrites": [],
            }

        return {
            "id": self.guild_id,
            "name": "Fake Guild",
            "owner_id": self.owner_id,
            "roles": [
                {
                    "id": self.guild_id,
                    "name": "@everyone",
                    "permissions": "0",
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
                {
                    "id": self.bot_role_id,
                    "name": "newsdesk",
                    "permissions": "0",
                    "position": 1,
                    "color": 0,
                    "hoist": False,
                    "managed": True,
                    "mentionable": True,
                    "flags": 0,
                    "tags": {"bot_id": self.bot_id},
                },
                _role(self.reader_role_id, "readers", position=2, mentionable=True),
            ],
            "channels": [
                text_channel(self.channel_id, "news", 0),
                text_channel(self.other_channel_id, "general", 1),
            ],
            **self._guild_state(),
        }

    def _guild_state(self) -> dict[str, Any]:
        """What every GUILD_CREATE carries beside its id, name, roles and channels."""
        return {
            "members": [self._member(self.bot_user)],
            "member_count": 2,
            "emojis": [],
            "stickers": [],
            "features": [],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "unavailable": False,
        }

    def _other_guild_payload(self) -> dict[str, Any]:
        return {
            "id": self.other_guild_id,
            "name": "Other Guild",
            "owner_id": self.owner_id,
            "roles": [_role(self.other_guild_id, "@everyone", position=0, mentionable=False)],
            "channels": [
                {
                    "id": self.far_channel_id,
                    "type": 0,
                    "name": "elsewhere",
                    "position": 0,
                    "guild_id": self.other_guild_id,
                    "permission_overwrites": [],
                }
            ],
            **self._guild_state(),
        }

    async def _dispatch_to(self, gateway: _Gateway, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        frame = {"op": 0, "t": event, "s": self._seq, "d": data}
        self._dispatched.append(frame)
        await gateway.ws.send_json(frame)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a dispatch event to the connected client (or queue it for its RESUME)."""
        if not self._gateways:
            self._seq += 1
            self._dispatched.append({"op": 0, "t": event, "s": self._seq, "d": data})
            return
        await self._dispatch_to(self._gateways[-1], event, data)

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the client's socket with `code`; discord.py then resumes or reconnects."""
        for gateway in list(self._gateways):
            gateway.closed_by_server = True
            await gateway.ws.close(code=code)

    async def send_message_create(
        self,
        content: str,
        *,
        author: dict[str, Any] | None = None,
        mentions: list[dict[str, Any]] | None = None,
        mention_roles: list[str] | None = None,
        channel_id: str | None = None,
    ) -> dict[str, Any]:
        """Dispatch MESSAGE_CREATE in the guild; returns the message payload sent.

        `mentions` are user payloads (`server.bot_user` to mention the bot) and
        `mention_roles` role ids (`server.bot_role_id`); the content is not parsed
        for mentions, as Discord would, so pass both.
        """
        author = author or self.default_author
        message = self._message(
            channel_id=channel_id or self.channel_id,
            content=content,
            author=author,
            mentions=mentions,
        )
        message["guild_id"] = self.guild_id
        message["member"] = self._member()
        message["mention_roles"] = list(mention_roles or [])
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    async def send_interaction(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: dict[str, Any] | None = None,
        channel_id: str | None = None,
        guild_id: str | None = None,
        permissions: int | None = None,
    ) -> dict[str, Any]:
        """Dispatch an INTERACTION_CREATE for slash command `name`; returns its payload.

        `options` maps option names to values: strings (type 3), integers (type 4),
        booleans (type 5), `ChannelOption` (7) or `RoleOption` (8), the last two also
        in `data.resolved`. A `name` of two words ("sources add") runs that subcommand.
        `permissions` are the member's in the current channel (default: all), as
        `member.permissions`; `guild_id` defaults to the first guild.
        """
        typed = [
            {"name": key, "type": _option_type(value), "value": _option_value(value)}
            for key, value in (options or {}).items()
        ]
        command, _, sub = name.partition(" ")
        if sub:
            typed = [{"name": sub, "type": 1, "options": typed}]
        user = user or self.default_author
        channel_id = channel_id or self.channel_id
        guild_id = guild_id or self.guild_id
        member = self._member(user)
        if permissions is not None:
            member["permissions"] = str(permissions)
        interaction = {
            "id": self._ids(),
            "type": 2,
            "token": f"itoken-{self._ids()}",
            "version": 1,
            "application_id": self.app_id,
            "attachment_size_limit": 8 * 1024 * 1024,
            "guild_id": guild_id,
            "channel_id": channel_id,
            "channel": {
                "id": channel_id,
                "type": 0,
                "name": "news",
                "position": 0,
                "guild_id": guild_id,
            },
            "app_permissions": str(discord.Permissions.all().value),
            "member": member,
            "locale": "en-US",
            "guild_locale": "en-US",
            "data": {
                "id": self._ids(),
                "name": command,
                "type": 1,
                "options": typed,
                "resolved": _resolved(options or {}, guild_id),
            },
        }
        await self.dispatch("INTERACTION_CREATE", interaction)
        return interaction

    # ----- REST ------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json" and raw:
                body = json.loads(raw)
            elif raw:
                body = raw.decode(errors="replace")
        failure = self._take_failure(request.method, path)
        if failure is not None:
            response = _json(failure.body, failure.status, failure.headers)
        else:
            response = self._route(request.method, path, request.query, body, request.headers)
        self.requests.append(
            RecordedRequest(
                index=len(self.requests),
                method=request.method,
                path=path,
                query=dict(request.query),
                json=body,
                headers=dict(request.headers),
                status=response.status,
            )
        )
        await self._notify()
        return response

    def _route(
        self, method: str, path: str, query: Any, body: Any, headers: Any
    ) -> web.StreamResponse:
        for route_method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return handler(body=body, headers=headers, query=query, **match.groupdict())
        return _json({"message": "404: Not Found", "code": 0}, 404)

    def _routes(self) -> list[tuple[str, str, Callable[..., web.StreamResponse]]]:
        return [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("POST", r"/channels/(?P<channel_id>\d+)/messages", self._post_message),
            (
                "PATCH",
                r"/channels/(?P<channel_id>\d+)/messages/(?P<message_id>\d+)",
                self._edit_message,
            ),
            ("POST", r"/channels/(?P<channel_id>\d+)/typing", self._no_content),
            (
                "DELETE",
                r"/webhooks/(?P<app_id>\d+)/(?P<wtoken>[^/]+)/messages/@original",
                self._no_content,
            ),
            ("POST", r"/interactions/(?P<iid>\d+)/(?P<itoken>[^/]+)/callback", self._callback),
            ("POST", r"/webhooks/(?P<app_id>\d+)/(?P<wtoken>[^/]+)", self._followup),
            (
                "PATCH",
                r"/webhooks/(?P<app_id>\d+)/(?P<wtoken>[^/]+)/messages/@original",
                self._edit_original,
            ),
            ("PUT", r"/applications/(?P<app_id>\d+)/commands", self._put_commands),
            (
                "PUT",
                r"/applications/(?P<app_id>\d+)/guilds/(?P<gid>\d+)/commands",
                self._put_commands,
            ),
        ]

    def _authorized(self, headers: Any) -> bool:
        return headers.get("Authorization") == f"Bot {self.token}"

    def _get_me(self, *, headers: Any, **_: Any) -> web.Response:
        if not self._authorized(headers):
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        return _json(self.bot_user)

    def _no_content(self, **_: Any) -> web.Response:
        return web.Response(status=204)

    def _get_application(self, **_: Any) -> web.Response:
        owner = {"id": self.owner_id, "username": "owner", "discriminator": "0", "avatar": None}
        return _json(
            {
                "id": self.app_id,
                "name": "newsdesk",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": owner,
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    def _post_message(self, *, channel_id: str, body: Any, **_: Any) -> web.Response:
        body = body if isinstance(body, dict) else {}
        message = self._message(
            channel_id=channel_id,
            content=body.get("content") or "",
            author=self.bot_user,
            embeds=body.get("embeds"),
            reference=body.get("message_reference"),
        )
        self._posted[message["id"]] = message
        return _json(message)

    def _edit_message(
        self, *, channel_id: str, message_id: str, body: Any, **_: Any
    ) -> web.Response:
        """Edit one of the bot's channel messages: the fields sent replace the old ones."""
        message = self._posted.get(message_id)
        if message is None or message["channel_id"] != channel_id:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        body = body if isinstance(body, dict) else {}
        for key in ("content", "embeds", "flags"):
            if key in body:
                message[key] = body[key] if body[key] is not None else message[key]
        message["edited_timestamp"] = dt.datetime.now(dt.UTC).isoformat()
        return _json(message)

    def _callback(self, *, iid: str, body: Any, query: Any, **_: Any) -> web.StreamResponse:
        if query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        kind = body.get("type")
        data = body.get("data") or {}
        result: dict[str, Any] = {
            "interaction": {
                "id": iid,
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(data.get("flags", 0) & 64),
            },
        }
        if kind == 4:
            result["resource"] = {
                "type": 4,
                "message": self._message(
                    channel_id=self.channel_id,
                    content=data.get("content") or "",
                    author=self.bot_user,
                    embeds=data.get("embeds"),
                    flags=data.get("flags", 0),
                ),
            }
        return _json(result)

    def _followup(self, *, body: Any, **_: Any) -> web.Response:
        body = body if isinstance(body, dict) else {}
        return _json(
            self._message(
                channel_id=self.channel_id,
                content=body.get("content") or "",
                author=self.bot_user,
                embeds=body.get("embeds"),
                flags=body.get("flags", 0),
            )
        )

    def _edit_original(self, *, body: Any, **_: Any) -> web.Response:
        return self._followup(body=body)

    def _put_commands(self, *, app_id: str, body: Any, **_: Any) -> web.Response:
        commands = [
            {
                "id": self._ids(),
                "application_id": app_id,
                "name": command.get("name", ""),
                "description": command.get("description", ""),
                "type": command.get("type", 1),
                "options": command.get("options", []),
                "version": "1",
                "default_member_permissions": None,
                "dm_permission": True,
                "nsfw": False,
            }
            for command in body or []
        ]
        return _json(commands)


@contextlib.asynccontextmanager
async def running_bot(
    server: FakeDiscord, bot: discord.Client, *, timeout: float = 10.0
) -> AsyncIterator[discord.Client]:
    """Run `bot` against `server` until the block exits; the bot is READY inside it.

    Construct the bot with `guild_ready_timeout=0`, or READY waits 2 s for guilds.
    Start failures (bad token, crash in setup_hook) are raised here, not swallowed.
    """
    with server.patch_client():
        task = asyncio.create_task(bot.start(server.token))
        await asyncio.sleep(0)
        try:
            ready = asyncio.create_task(bot.wait_until_ready())
            done, _ = await asyncio.wait(
                {task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                ready.cancel()
                task.result()  # raises the start error
                raise RuntimeError("bot.start() returned before READY")
            if ready not in done:
                ready.cancel()
                raise TimeoutError(f"bot not READY within {timeout}s")
            yield bot
        finally:
            await bot.close()
            if not task.done():
                await asyncio.wait_for(task, timeout)
