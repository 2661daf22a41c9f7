"""Canonical events: the integration contract ("Public formats, v1" in DESIGN.md).

An event is one JSON object::

    {"id": "square-store-12/sale/98765/1", "type": "stock.adjusted", "source": "square-store-12",
     "occurred_at": "2026-11-22T10:00:00Z",
     "data": {"sku": "TEE-RED-M", "location": "store-12", "bucket": "on_hand", "delta": -1,
              "reason": "sale"}}

``parse_event`` turns a decoded object into a typed event or raises ``ValidationError`` whose
``errors`` name every bad field as a dotted path (``data.lines[0].quantity``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import pydantic
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from hub.errors import ValidationError
from hub.vocabulary import PHYSICAL_BUCKETS, Bucket, Condition, Disposition, SkuStatus

Code = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")]
PositiveQty = Annotated[int, Field(gt=0, strict=True)]
NonNegativeQty = Annotated[int, Field(ge=0, strict=True)]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- payloads ------------------------------------------------------------------------------


class Component(_Data):
    sku: Code
    quantity: PositiveQty


class ItemUpserted(_Data):
    sku: Code
    title: str = ""
    status: SkuStatus = SkuStatus.ACTIVE
    barcodes: list[Code] = []
    attributes: dict[str, Any] = {}
    components: list[Component] = []


class StockCounted(_Data):
    sku: Code
    location: Code
    as_of: AwareDatetime
    quantities: dict[Bucket, NonNegativeQty] = Field(min_length=1)

    @field_validator("quantities")
    @classmethod
    def _physical_only(cls, value: dict[Bucket, int]) -> dict[Bucket, int]:
        if Bucket.RESERVED in value:
            raise ValueError(
                "'reserved' is derived from open orders and cannot be counted; "
                f"count one of {', '.join(PHYSICAL_BUCKETS)}"
            )
        return value


class StockAdjusted(_Data):
    sku: Code
    location: Code
    bucket: Bucket = Bucket.ON_HAND
    delta: Annotated[int, Field(strict=True)]
    reason: str = ""

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("delta must not be 0; an adjustment moves at least one unit")
        return value

    @field_validator("bucket")
    @classmethod
    def _not_reserved(cls, value: Bucket) -> Bucket:
        if value is Bucket.RESERVED:
            raise ValueError(
                "'reserved' is managed by order events; send order.placed / order.cancelled"
            )
        return value


class OrderLine(_Data):
    line: Code
    sku: Code
    quantity: PositiveQty
    location: Code | None = None


class OrderPlaced(_Data):
    channel: Code
    order: Code
    lines: list[OrderLine] = Field(min_length=1)


class OrderCancelled(_Data):
    channel: Code
    order: Code
    lines: list[Code] | None = None  # line ids; all open lines when absent


class FulfilledLine(_Data):
    line: Code
    sku: Code
    quantity: PositiveQty


class OrderFulfilled(_Data):
    channel: Code
    order: Code
    location: Code
    lines: list[FulfilledLine] = Field(min_length=1)


class SkuQuantity(_Data):
    sku: Code
    quantity: PositiveQty


class ReturnReceived(_Data):
    return_: Code = Field(alias="return")
    channel: Code | None = None
    order: Code | None = None
    location: Code
    lines: list[SkuQuantity] = Field(min_length=1)


class InspectedLine(_Data):
    sku: Code
    quantity: PositiveQty
    condition: Condition


class ReturnInspected(_Data):
    return_: Code = Field(alias="return")
    lines: list[InspectedLine] = Field(min_length=1)


class DispositionedLine(_Data):
    sku: Code
    quantity: PositiveQty
    disposition: Disposition
    to_location: Code | None = None


class ReturnDispositioned(_Data):
    return_: Code = Field(alias="return")
    lines: list[DispositionedLine] = Field(min_length=1)


class TransferShipped(_Data):
    transfer: Code
    from_location: Code
    to_location: Code
    lines: list[SkuQuantity] = Field(min_length=1)


class TransferReceived(_Data):
    transfer: Code
    to_location: Code
    lines: list[SkuQuantity] = Field(min_length=1)


# --- the envelope --------------------------------------------------------------------------

DATA_MODELS: dict[str, type[_Data]] = {
    "item.upserted": ItemUpserted,
    "stock.counted": StockCounted,
    "stock.adjusted": StockAdjusted,
    "order.placed": OrderPlaced,
    "order.cancelled": OrderCancelled,
    "order.fulfilled": OrderFulfilled,
    "return.received": ReturnReceived,
    "return.inspected": ReturnInspected,
    "return.dispositioned": ReturnDispositioned,
    "transfer.shipped": TransferShipped,
    "transfer.received": TransferReceived,
}

EVENT_TYPES: tuple[str, ...] = tuple(DATA_MODELS)


class Envelope(BaseModel):
    """The fields every canonical event carries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Code
    type: Literal[EVENT_TYPES]  # type: ignore[valid-type]
    source: Code
    occurred_at: AwareDatetime
    data: dict[str, Any]


class Event(BaseModel):
    """A validated canonical event: the envelope plus its typed ``data``."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    id: str
    type: str
    source: str
    occurred_at: datetime
    data: Any  # one of the payload models above

    def to_json(self) -> dict[str, Any]:
        """The event in its public wire form (the exact shape ``parse_event`` accepts)."""
        return {
            "id": self.id,
            "type": self.type,
            "source": self.source,
            "occurred_at": iso_utc(self.occurred_at),
            "data": self.data.model_dump(mode="json", by_alias=True, exclude_none=True),
        }


def parse_event(raw: Any) -> Event:
    """Validate a decoded JSON object as a canonical event.

    :raises ValidationError: with ``errors`` listing every bad field by dotted path.
    """
    if not isinstance(raw, dict):
        raise ValidationError(
            f"an event must be a JSON object, got {type(raw).__name__}",
            fix="send one object per event with id, type, source, occurred_at and data",
        )
    event_type = raw.get("type")
    if isinstance(event_type, str) and event_type not in DATA_MODELS:
        raise ValidationError(
            f"unknown event type {event_type!r}",
            field="type",
            fix=f"use one of: {', '.join(EVENT_TYPES)}",
            errors=[{"field": "type", "message": f"unknown event type {event_type!r}"}],
        )
    try:
        envelope = Envelope.model_validate(raw)
        data = DATA_MODELS[envelope.type].model_validate(envelope.data)
    except pydantic.ValidationError as exc:
        prefix = () if "envelope" not in locals() else ("data",)
        raise _from_pydantic(exc, prefix) from None
    return Event(
        id=envelope.id,
        type=envelope.type,
        source=envelope.source,
        occurred_at=envelope.occurred_at.astimezone(UTC),
        data=data,
    )


def field_path(loc: tuple[Any, ...]) -> str:
    """``('data', 'lines', 0, 'sku')`` → ``data.lines[0].sku``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            part = "return" if part == "return_" else str(part)
            text += f".{part}" if text else part
    return text


def _from_pydantic(exc: pydantic.ValidationError, prefix: tuple[Any, ...]) -> ValidationError:
    errors = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = prefix + tuple(err["loc"])
        errors.append({"field": field_path(loc), "message": _humane(err)})
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ValidationError(first["message"] + more, field=first["field"], errors=errors)


def _humane(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field; check the spelling against the event format"
    if kind == "timezone_aware":
        return "timestamp needs a timezone, e.g. 2026-11-22T10:00:00Z"
    return str(err["msg"]).removeprefix("Value error, ")


def iso_utc(moment: datetime) -> str:
    """A timestamp in the public formats' shape: UTC with a ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
