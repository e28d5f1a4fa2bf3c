"""What every route of the workbench shares: the user, the role and CSRF checks, rendering, worker threads.

Each view module (``_app``, ``_extraction``) wraps its handlers in :func:`page` and renders with
:func:`render`, so that sign-in, roles and CSRF tokens are checked the same way on every route.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from secretome.evidence import AccountInfo, session_account
from secretome.serve._security import CSRF_COOKIE, SESSION_COOKIE, csrf_ok, csrf_token, may, new_csrf_seed

__all__ = ["Handler", "bench", "call", "form_fields", "is_htmx", "page", "render"]

Handler = Callable[[Request], Awaitable[Response]]


async def call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a synchronous store or engine call in a worker thread (the store is synchronous SQLAlchemy)."""
    return await run_in_threadpool(functools.partial(function, *args, **kwargs))


def bench(request: Request) -> Any:
    """The running workbench (settings, store, templates, cached analysis data) of *request*'s app."""
    return request.app.state.bench


async def _user(request: Request) -> AccountInfo | None:
    workbench = bench(request)
    mode = workbench.settings.mode
    if mode == "local":
        return AccountInfo(0, workbench.settings.reviewer, "admin")
    if mode == "read_only":
        return None
    return await call(session_account, workbench.store, request.cookies.get(SESSION_COOKIE))


def render(request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    """Render *template* with the user, the mode, the CSRF token and what the user may do."""
    workbench = bench(request)
    seed = request.cookies.get(CSRF_COOKIE) or request.state.new_seed
    user = request.state.user
    html = workbench.env.get_template(template).render(
        request=request,
        user=user,
        mode=workbench.settings.mode,
        csrf=csrf_token(workbench.secret, seed),
        can_review=may(user, "reviewer") and workbench.settings.mode != "read_only",
        is_admin=may(user, "admin") and workbench.settings.mode != "read_only",
        **context,
    )
    return HTMLResponse(html, status_code=status)


def page(role: str | None = None, *, write: bool = False) -> Callable[[Handler], Handler]:
    """Wrap a route: resolve the user, require *role*, and for writes a valid CSRF token."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def route(request: Request) -> Response:
            request.state.new_seed = new_csrf_seed()
            request.state.user = user = await _user(request)
            workbench = bench(request)
            if workbench.settings.mode == "team" and user is None:
                return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
            if role is not None and not may(user, role):
                raise HTTPException(403, f"this needs the {role} role")
            if write:
                form = await request.form()
                if not csrf_ok(workbench.secret, request, form.get("csrf_token")):
                    raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the page")
                request.state.form = form
            return await handler(request)

        return route

    return wrap


def form_fields(request: Request) -> dict[str, str]:
    """The text fields of the form a :func:`page` with ``write=True`` has read."""
    return {k: str(v) for k, v in request.state.form.items() if isinstance(v, str)}


def is_htmx(request: Request) -> bool:
    """Whether htmx asks for a fragment (not when it restores its history)."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") != "true"
