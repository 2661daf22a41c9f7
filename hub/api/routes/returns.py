"""Open returns, and the ones in limbo."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from hub.api.auth import can_read
from hub.api.routes.deps import HubDep
from hub.ops.returns import open_returns

router = APIRouter(prefix="/api/v1", tags=["returns"], dependencies=[Depends(can_read)])


@router.get("/returns", summary="Open returns, oldest first")
def list_returns(
    hub: HubDep,
    limbo: bool = Query(False, description="Only those past [returns] sla_hours."),
) -> list[dict[str, Any]]:
    return open_returns(hub, limbo=limbo)
