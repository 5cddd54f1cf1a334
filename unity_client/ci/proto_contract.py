"""The soundloom.v1 messages and enums, from the generated descriptor, as JSON for the C# test."""

from __future__ import annotations

import json
import sys
from typing import Any

from google.protobuf.descriptor import FieldDescriptor

from soundloom.v1 import soundloom_pb2

_SCALARS = {
    FieldDescriptor.TYPE_DOUBLE: "double",
    FieldDescriptor.TYPE_FLOAT: "float",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_UINT32: "uint32",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
    FieldDescriptor.TYPE_ENUM: "enum",
    FieldDescriptor.TYPE_MESSAGE: "message",
}


def _type(field: FieldDescriptor) -> dict[str, Any]:
    kind = _SCALARS[field.type]
    named = field.message_type or field.enum_type
    return {"type": kind, "type_name": named.name if named is not None else ""}


def _field(field: FieldDescriptor) -> dict[str, Any]:
    is_map = field.message_type is not None and field.message_type.GetOptions().map_entry
    entry: dict[str, Any] = {
        "name": field.name,
        "number": field.number,
        "repeated": field.is_repeated and not is_map,
        "map": bool(is_map),
        # Set-or-not is visible: a real oneof member or proto3 `optional`.
        "presence": field.containing_oneof is not None,
    }
    entry.update(_type(field.message_type.fields_by_name["value"]) if is_map else _type(field))
    return entry


def contract() -> dict[str, Any]:
    """Every top-level message's fields and every enum's values."""
    file = soundloom_pb2.DESCRIPTOR
    return {
        "messages": {
            name: [_field(f) for f in message.fields]
            for name, message in file.message_types_by_name.items()
        },
        "enums": {
            name: [{"name": v.name, "number": v.number} for v in enum.values]
            for name, enum in file.enum_types_by_name.items()
        },
    }


if __name__ == "__main__":
    json.dump(contract(), sys.stdout, indent=1)
    sys.stdout.write("\n")
