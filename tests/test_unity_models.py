"""The Unity client's hand-written C# models name every proto field and enum value.

A quick source-level check that runs without Mono; unity_client/Tests/Core/ProtoContractTests.cs
checks types too (by reflection, in unity_client/ci/run_tests.sh).
"""

from __future__ import annotations

import re
from pathlib import Path

from soundloom.v1 import soundloom_pb2

MODELS = Path(__file__).resolve().parent.parent / "unity_client" / "Runtime" / "Core" / "Models.cs"
STREAM_ONLY = {
    "GenerateSceneResponse",
    "DataChunk",
    "GetAssetRequest",
    "AssetChunk",
    "StatAssetRequest",
    "ListBackendsRequest",
    # Upload RPCs: over HTTP their header fields are query parameters, never a JSON body.
    "ContinueClipHeader",
    "ContinueClipRequest",
    "DubVideoHeader",
    "DubVideoRequest",
}


def _blocks(kind: str) -> dict[str, str]:
    """C# `class`/`enum` name -> its body text."""
    text = MODELS.read_text()
    starts = list(re.finditer(rf"public (?:sealed )?{kind} (\w+)\s*\{{", text))
    blocks = {}
    for match in starts:
        depth, i = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        blocks[match.group(1)] = text[match.end() : i]
    return blocks


def test_every_gateway_message_field_has_a_json_property() -> None:
    classes = _blocks("class")
    for name, message in soundloom_pb2.DESCRIPTOR.message_types_by_name.items():
        if name in STREAM_ONLY:
            continue
        assert name in classes, f"Models.cs has no class {name}"
        json_names = set(re.findall(r'JsonProperty\("(\w+)"', classes[name]))
        assert json_names == {f.name for f in message.fields}, name


def test_every_enum_value_is_an_enum_member() -> None:
    enums = _blocks("enum")
    for name, enum in soundloom_pb2.DESCRIPTOR.enum_types_by_name.items():
        assert name in enums, f"Models.cs has no enum {name}"
        pattern = r'EnumMember\(Value = "(\w+)"\)\]\s*\w+\s*=\s*(\d+)'
        members = dict(re.findall(pattern, enums[name]))
        assert members == {v.name: str(v.number) for v in enum.values}, name
