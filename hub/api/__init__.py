"""The HTTP API: webhooks in, canonical events in, what ops sees and does, health and metrics.

``create_app`` builds the FastAPI application around a :class:`hub.app.Hub`; ``stockhub api``
serves it with uvicorn. Handlers are thin: the work lives in :mod:`hub.ops`, :mod:`hub.sync`
and :mod:`hub.intake`, shared with the CLI and the dashboard.
"""

from hub.api.app import create_app

__all__ = ["create_app"]
