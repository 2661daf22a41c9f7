"""The ops dashboard: server-rendered pages at ``/`` (being built)."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
