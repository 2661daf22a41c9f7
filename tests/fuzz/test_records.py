"""hub.records under hostile input: a value of the asked type, or a ValidationError naming it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub import records
from hub.errors import ValidationError
from tests.fuzz.strategies import ADVERSARIAL_BODIES, FUZZ, json_values, raw_bodies

READERS = {
    records.object_at: dict,
    records.list_at: list,
    records.text_at: str,
    records.id_at: str,
    records.count_at: int,
}


@FUZZ
@given(value=json_values(), where=st.sampled_from(["", "body", "items[3]"]))
def test_every_reader_returns_its_type_or_names_the_field(value, where) -> None:
    record = {"k": value}
    for read, kind in READERS.items():
        try:
            found = read(record, "k", where)
        except ValidationError as exc:
            assert exc.field == records.path(where, "k"), read.__name__
            continue
        assert isinstance(found, kind), read.__name__
    try:
        for here, item in records.objects_at(record, "k", where):
            assert here.startswith(records.path(where, "k")) and isinstance(item, dict)
    except ValidationError as exc:
        assert exc.field.startswith(records.path(where, "k"))


@FUZZ
@given(raw=raw_bodies({"id": 1, "items": [{"quantity": 2}]}) | st.sampled_from(ADVERSARIAL_BODIES))
def test_a_document_is_json_or_a_validation_error_on_the_body(raw) -> None:
    try:
        records.document(raw)
    except ValidationError as exc:
        assert exc.field == "body"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, "7"), (" A-1 ", "A-1"), ("0", "0"), (0, "0")],
)
def test_ids_read_as_stripped_text(value, expected) -> None:
    assert records.id_at({"id": value}, "id") == expected


@pytest.mark.parametrize("value", [True, 1.5, [1], {"id": 1}, "", "  ", None])
def test_what_is_no_id_is_named(value) -> None:
    with pytest.raises(ValidationError) as caught:
        records.id_at({"id": value}, "id", "lines[0]")
    assert caught.value.field == "lines[0].id"


def test_messages_never_print_a_value_nested_past_the_recursion_limit() -> None:
    value: list = []
    for _ in range(5_000):
        value = [value]
    with pytest.raises(ValidationError, match="a JSON array"):
        records.text_at({"k": value}, "k")
    with pytest.raises(ValidationError, match="nests deeper"):
        records.document("[" * (records.MAX_DEPTH + 1) + "]" * (records.MAX_DEPTH + 1))
