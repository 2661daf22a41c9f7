"""The ops dashboard: server-rendered pages at ``/`` for the people who watch the failure queue.

Overview, dead-letter queue, exception log, SKU view, returns in limbo and channels; every
action is a confirmed POST form with a CSRF token and calls the same service functions as the
CLI and the JSON API (see docs/dashboard.md). ``router`` is included by
:func:`hub.api.create_app`.
"""

from fastapi import APIRouter

from hub.api.dashboard import assets, channels, deadletters, exceptions, login, pages

router = APIRouter(include_in_schema=False)
for _module in (login, assets, pages, deadletters, exceptions, channels):
    router.include_router(_module.router)

__all__ = ["router"]
