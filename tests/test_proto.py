"""The soundloom.v1 contract: fresh stubs, lossless conversions, named errors, commented fields."""

from __future__ import annotations

import dataclasses
import math
import re
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st

from soundloom.v1 import soundloom_pb2 as pb
from soundloom.v1 import soundloom_pb2_grpc as pb_grpc
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import (
    ENVIRONMENTS,
    FORMATS,
    GROUP_PATTERN,
    ID_PATTERN,
    LOUDNESS_PRESETS,
    MAX_EVENTS,
    MAX_SCENE_S,
    MIN_EVENT_S,
    OPUS_SAMPLE_RATES,
    SAMPLE_RATES,
    Automation,
    CurvePoint,
    Event,
    EventKind,
    RenderOptions,
    ScenePlan,
    SceneRequest,
    options_from_dict,
    plan_from_json,
    plan_to_json,
    to_dict,
)
from soundloom_server.plan_proto import (
    options_from_proto,
    options_to_proto,
    plan_from_proto,
    plan_to_proto,
    request_from_proto,
    request_to_proto,
)

ROOT = Path(__file__).resolve().parents[1]
PROTO = ROOT / "proto" / "soundloom" / "v1" / "soundloom.proto"

# ---------------------------------------------------------------- strategies

finite = st.floats(allow_nan=False, allow_infinity=False)
event_ids = st.from_regex(ID_PATTERN, fullmatch=True)
nonblank = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != "")
param_values = st.one_of(finite, st.integers(-(2**53), 2**53), st.text(max_size=20))


@st.composite
def events(draw: st.DrawFn, scene_s: float, event_id: str) -> Event:
    """A valid event that fits inside a scene of scene_s seconds."""
    start = draw(st.floats(0.0, scene_s - MIN_EVENT_S))
    duration = draw(st.floats(MIN_EVENT_S, max(min(scene_s - start, MAX_SCENE_S), MIN_EVENT_S)))
    fade_in = draw(st.floats(0.0, duration))
    fade_out = draw(st.floats(0.0, duration - fade_in))
    return Event(
        id=event_id,
        kind=draw(st.sampled_from(EventKind)),
        caption=draw(nonblank),
        recipe=draw(nonblank),
        start_s=start,
        duration_s=duration,
        gain_db=draw(st.floats(-60.0, 12.0)),
        pan=draw(st.floats(-1.0, 1.0)),
        fade_in_s=fade_in,
        fade_out_s=fade_out,
        loop=draw(st.booleans()),
        params=draw(st.dictionaries(st.text(max_size=12), param_values, max_size=4)),
        renderer=draw(st.text(max_size=64)),
        group=draw(st.from_regex(GROUP_PATTERN, fullmatch=True)),
        implied=draw(st.booleans()),
        match_score=draw(st.floats(0.0, 1.0)),
        automation=draw(automations()),
    )


@st.composite
def curves(draw: st.DrawFn, low: float, high: float) -> tuple[CurvePoint, ...]:
    """Points with rising t in [0, 1] and values in [low, high]."""
    times = sorted(set(draw(st.lists(st.floats(0.0, 1.0), max_size=5))))
    return tuple(CurvePoint(t, draw(st.floats(low, high))) for t in times)


@st.composite
def automations(draw: st.DrawFn) -> Automation:
    """Valid automation: any of the four curves, each possibly empty."""
    return Automation(
        intensity=draw(curves(0.0, 1.0)),
        distance=draw(curves(0.0, 1.0)),
        gain_db=draw(curves(-60.0, 12.0)),
        pan=draw(curves(-1.0, 1.0)),
    )


@st.composite
def plans(draw: st.DrawFn) -> ScenePlan:
    """A valid plan: events within the scene, unique ids, params of numbers and words."""
    scene_s = draw(st.floats(0.0, MAX_SCENE_S, exclude_min=True))
    # A plan holds at least one event, so a scene is at least the shortest event long.
    scene_s = max(scene_s, MIN_EVENT_S)
    ids = draw(st.lists(event_ids, min_size=1, max_size=6, unique=True))
    return ScenePlan(
        duration_s=scene_s,
        events=tuple(draw(events(scene_s, i)) for i in ids),
        style=draw(st.text(max_size=60)),
        environment=draw(st.sampled_from(ENVIRONMENTS)),
        description=draw(st.text(max_size=200)),
        planner=draw(st.text(max_size=64)),
        warnings=tuple(draw(st.lists(st.text(max_size=30), max_size=3))),
        unmatched=tuple(draw(st.lists(st.text(max_size=20), max_size=3))),
    )


loudness_values = st.one_of(
    st.sampled_from([*LOUDNESS_PRESETS, "Console", " mobile "]),
    st.floats(-40.0, -6.0).map(str),  # canonical number text -> target_lufs
    st.integers(-40, -6).map(str),  # other number text -> preset, verbatim
    st.floats(-40.0, -6.0).map(lambda x: f"{x:.2f}"),
)


@st.composite
def render_options(draw: st.DrawFn) -> RenderOptions:
    """Valid render options (planner and renderer non-empty: empty means the default)."""
    fmt = draw(st.sampled_from(FORMATS))
    rates = OPUS_SAMPLE_RATES if fmt == "opus" else SAMPLE_RATES
    return RenderOptions(
        sample_rate=draw(st.sampled_from(rates)),
        channels=draw(st.sampled_from((1, 2))),
        format=fmt,
        bit_depth=draw(st.sampled_from((16, 24))),
        loudness=draw(loudness_values),
        true_peak_db=draw(st.floats(-12.0, 0.0)),
        seed=draw(st.integers(0, 2**63 - 1)),
        loop=draw(st.booleans()),
        segment_s=draw(st.one_of(st.just(0.0), st.floats(1.0, MAX_SCENE_S))),
        stems=draw(st.booleans()),
        planner=draw(st.text(min_size=1, max_size=64)),
        renderer=draw(st.text(min_size=1, max_size=64)),
    )


scene_requests = st.builds(
    SceneRequest,
    description=nonblank,
    duration_s=st.one_of(st.just(0.0), st.floats(0.1, MAX_SCENE_S)),
    style=st.text(max_size=60),
    environment=st.sampled_from(("", *ENVIRONMENTS)),
)


def _wire(msg: Any) -> bytes:
    return msg.SerializeToString(deterministic=True)


# ---------------------------------------------------------------- (a) fresh stubs


def _codegen() -> Any:
    pytest.importorskip(
        "grpc_tools", reason="grpcio-tools (dev extra) is not installed: cannot regenerate stubs"
    )
    from soundloom_server import codegen

    return codegen


def test_committed_stubs_are_fresh() -> None:
    codegen = _codegen()
    problems = codegen.check(ROOT)
    assert not problems, "\n".join([*problems, "run: python -m soundloom_server.codegen"])


def test_check_mode_catches_stale_and_missing_stubs(tmp_path: Path) -> None:
    codegen = _codegen()
    shutil.copytree(ROOT / "proto", tmp_path / "proto")
    shutil.copytree(ROOT / "sdk" / "soundloom" / "v1", tmp_path / "sdk" / "soundloom" / "v1")
    assert codegen.check(tmp_path) == []
    assert codegen.main(["--check", "--root", str(tmp_path)]) == 0

    proto = tmp_path / "proto" / "soundloom" / "v1" / "soundloom.proto"
    proto.write_text(proto.read_text().replace("string caption = 3;", "string caption = 30;"))
    problems = codegen.check(tmp_path)
    assert any(p.startswith("stale: sdk/soundloom/v1/soundloom_pb2.py") for p in problems)
    assert codegen.main(["--check", "--root", str(tmp_path)]) == 1

    (tmp_path / "sdk" / "soundloom" / "v1" / "soundloom_pb2_grpc.py").unlink()
    (tmp_path / "sdk" / "soundloom" / "v1" / "old_pb2.py").write_text("# left over\n")
    problems = codegen.check(tmp_path)
    assert "missing: sdk/soundloom/v1/soundloom_pb2_grpc.py" in problems
    assert any(p.startswith("not generated from any .proto") for p in problems)

    assert codegen.main(["--root", str(tmp_path)]) == 0  # regenerate: fresh again
    assert codegen.check(tmp_path) == []
    assert not (tmp_path / "sdk" / "soundloom" / "v1" / "old_pb2.py").exists()


def test_codegen_without_grpc_tools_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from soundloom_server import codegen

    monkeypatch.setitem(sys.modules, "grpc_tools", None)
    assert codegen.main(["--check"]) == 2
    assert "grpcio-tools is not installed" in capsys.readouterr().err


def test_runtime_floors_match_the_generator() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"]
    floors = {
        m.group(1): m.group(2)
        for m in (re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([^,;\s]+)", d) for d in deps)
        if m
    }
    pb2_text = (ROOT / "sdk" / "soundloom" / "v1" / "soundloom_pb2.py").read_text()
    generated = re.search(r"# Protobuf Python Version: (\S+)", pb2_text)
    assert generated and floors["protobuf"] == generated.group(1)
    assert floors["grpcio"] == pb_grpc.GRPC_GENERATED_VERSION
    assert (
        f"grpcio-tools=={pb_grpc.GRPC_GENERATED_VERSION}" in project["optional-dependencies"]["dev"]
    )


def test_service_shape() -> None:
    service = pb.DESCRIPTOR.services_by_name["Soundloom"]
    shape = {m.name: (m.client_streaming, m.server_streaming) for m in service.methods}
    assert shape == {
        "PlanScene": (False, False),
        "GenerateScene": (False, True),
        "GetAsset": (False, True),
        "StatAsset": (False, False),
        "ListBackends": (False, False),
        "ContinueClip": (True, True),
        "DubVideo": (True, True),
    }
    assert hasattr(pb_grpc, "SoundloomStub") and hasattr(pb_grpc, "SoundloomServicer")


# ---------------------------------------------------------------- (b) round trips


@settings(max_examples=150, deadline=None)
@given(plans())
def test_plan_round_trips_through_proto(plan: ScenePlan) -> None:
    msg = plan_to_proto(plan)
    assert plan_from_proto(msg) == plan
    assert plan_from_proto(pb.ScenePlan.FromString(_wire(msg))) == plan
    assert _wire(plan_to_proto(plan_from_proto(msg))) == _wire(msg)


@settings(max_examples=150, deadline=None)
@given(plans())
def test_plan_round_trips_through_json(plan: ScenePlan) -> None:
    assert plan_from_json(plan_to_json(plan)) == plan


@settings(max_examples=150, deadline=None)
@given(render_options())
def test_options_round_trip_both_ways(options: RenderOptions) -> None:
    msg = options_to_proto(options)
    assert options_from_proto(msg) == options
    assert options_from_proto(pb.RenderOptions.FromString(_wire(msg))) == options
    assert _wire(options_to_proto(options_from_proto(msg))) == _wire(msg)
    assert options_from_dict(to_dict(options)) == options


@settings(max_examples=100, deadline=None)
@given(scene_requests)
def test_scene_request_round_trips(request: SceneRequest) -> None:
    assert request_from_proto(request_to_proto(request)) == request


def test_largest_plan_round_trips() -> None:
    plan = ScenePlan(
        duration_s=MAX_SCENE_S,
        events=tuple(
            Event(
                id=f"e{i}",
                kind=EventKind.SFX,
                caption="tick",
                recipe="click",
                start_s=i * 4.0,
                duration_s=4.0,
                params={"n": i, "w": "x"},
            )
            for i in range(MAX_EVENTS)
        ),
    )
    assert plan_from_proto(plan_to_proto(plan)) == plan


def test_loudness_maps_to_the_oneof() -> None:
    assert options_to_proto(RenderOptions(loudness="mobile")).preset == "mobile"
    msg = options_to_proto(RenderOptions(loudness="-14.5"))
    assert msg.WhichOneof("loudness") == "target_lufs" and msg.target_lufs == -14.5
    assert options_from_proto(pb.RenderOptions(target_lufs=-14.0)).loudness == "-14.0"
    assert options_from_proto(pb.RenderOptions(target_lufs=-14.0)).target_lufs == -14.0
    assert options_from_proto(pb.RenderOptions(preset="-14")).target_lufs == -14.0


def test_unset_fields_mean_the_defaults() -> None:
    assert options_from_proto(pb.RenderOptions()) == RenderOptions()
    explicit = options_from_proto(pb.RenderOptions(true_peak_db=0.0, seed=0))
    assert explicit.true_peak_db == 0.0 and explicit.seed == 0
    assert options_from_proto(pb.RenderOptions(seed=7)).seed == 7
    assert options_from_proto(pb.RenderOptions(format=pb.AUDIO_FORMAT_UNSPECIFIED)).format == "ogg"
    event = pb.Event(
        id="a", kind=pb.EVENT_KIND_SFX, caption="a door", recipe="door", duration_s=1.0
    )
    msg = pb.ScenePlan(duration_s=5.0, events=[event])
    only = Event("a", EventKind.SFX, "a door", "door", 0.0, 1.0)
    assert plan_from_proto(msg) == ScenePlan(duration_s=5.0, events=(only,), planner="")
    assert plan_from_proto(msg).environment == "none"
    assert plan_from_proto(msg).events[0].match_score == 1.0  # unset: chosen by hand


# ---------------------------------------------------------------- (c) proto3 JSON mapping


@settings(max_examples=100, deadline=None)
@given(plans(), st.booleans())
def test_plan_round_trips_through_proto3_json(plan: ScenePlan, proto_names: bool) -> None:
    text = json_format.MessageToJson(plan_to_proto(plan), preserving_proto_field_name=proto_names)
    assert plan_from_proto(json_format.Parse(text, pb.ScenePlan())) == plan


@settings(max_examples=100, deadline=None)
@given(render_options())
def test_options_round_trip_through_proto3_json(options: RenderOptions) -> None:
    text = json_format.MessageToJson(options_to_proto(options), preserving_proto_field_name=True)
    assert options_from_proto(json_format.Parse(text, pb.RenderOptions())) == options


# ---------------------------------------------------------------- (d) named errors


def _event(**overrides: Any) -> pb.Event:
    fields: dict[str, Any] = dict(
        id="a",
        kind=pb.EVENT_KIND_SFX,
        caption="door slam",
        recipe="door",
        start_s=1.0,
        duration_s=1.0,
    )
    fields.update(overrides)
    return pb.Event(**fields)


def _plan(*events: pb.Event, **overrides: Any) -> pb.ScenePlan:
    return pb.ScenePlan(**{"duration_s": 10.0, "events": list(events) or [_event()], **overrides})


def _no_value_param() -> pb.Event:
    msg = _event()
    msg.params["size"].SetInParent()
    return msg


BAD_PLANS = [
    (_plan(_event(kind=pb.EVENT_KIND_UNSPECIFIED)), "events[0].kind"),
    (_plan(_event(), _event(id="b", kind=42)), "events[1].kind"),
    (_plan(_event(start_s=9.5, duration_s=1.0)), "events[0].duration_s"),
    (_plan(_event(duration_s=0.0)), "events[0].duration_s"),
    (_plan(_event(pan=1.5)), "events[0].pan"),
    (_plan(_event(gain_db=math.nan)), "events[0].gain_db"),
    (_plan(_event(fade_in_s=0.8, fade_out_s=0.8)), "events[0].fade_in_s"),
    (_plan(_event(caption="  ")), "events[0].caption"),
    (_plan(_event(id="has space")), "events[0].id"),
    (_plan(_event(), _event()), "events[1].id"),
    (_plan(_no_value_param()), "events[0].params.size"),
    (_plan(duration_s=0.0, events=[]), "duration_s"),
    (_plan(duration_s=601.0), "duration_s"),
    (_plan(environment="space"), "environment"),
    (_plan(*[_event(id=f"e{i}", start_s=0.0) for i in range(MAX_EVENTS + 1)]), "events"),
]


@pytest.mark.parametrize(("msg", "field"), BAD_PLANS, ids=[f for _, f in BAD_PLANS])
def test_invalid_plan_names_the_field(msg: pb.ScenePlan, field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        plan_from_proto(msg)
    assert err.value.field == field
    assert str(err.value).startswith(field)


BAD_OPTIONS = [
    (pb.RenderOptions(sample_rate=12345), "options.sample_rate"),
    (pb.RenderOptions(channels=3), "options.channels"),
    (pb.RenderOptions(format=9), "options.format"),  # type: ignore[arg-type]
    (pb.RenderOptions(bit_depth=8), "options.bit_depth"),
    (pb.RenderOptions(true_peak_db=0.5), "options.true_peak_db"),
    (pb.RenderOptions(seed=2**63), "options.seed"),
    (pb.RenderOptions(segment_s=0.5), "options.segment_s"),
    (pb.RenderOptions(planner="p" * 65), "options.planner"),
    (pb.RenderOptions(target_lufs=-50.0), "loudness"),
    (pb.RenderOptions(preset="loud"), "loudness"),
]


@pytest.mark.parametrize(("msg", "field"), BAD_OPTIONS, ids=[f for _, f in BAD_OPTIONS])
def test_invalid_options_name_the_field(msg: pb.RenderOptions, field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        options_from_proto(msg)
    assert err.value.field.endswith(field)


def test_invalid_scene_request_names_the_field() -> None:
    with pytest.raises(InvalidArgument) as err:
        request_from_proto(pb.SceneRequest(description=" "))
    assert err.value.field == "description"
    with pytest.raises(InvalidArgument) as err:
        request_from_proto(pb.SceneRequest(description="rain", environment="space"))
    assert err.value.field == "environment"


def test_unrepresentable_values_name_the_field() -> None:
    base = Event(id="a", kind=EventKind.SFX, caption="c", recipe="r", start_s=0.0, duration_s=1.0)
    cases = [
        (lambda: options_to_proto(RenderOptions(seed=-1)), "options.seed"),
        (lambda: options_to_proto(RenderOptions(format="mp3")), "options.format"),
        (lambda: options_to_proto(RenderOptions(sample_rate=2**40)), "options.sample_rate"),
        (
            lambda: plan_to_proto(ScenePlan(1.0, (dataclasses.replace(base, params={"x": True}),))),
            "events[0].params.x",
        ),
        (
            lambda: plan_to_proto(ScenePlan(1.0, (dataclasses.replace(base, kind="bed"),))),
            "events[0].kind",
        ),
    ]
    for call, field in cases:
        with pytest.raises(InvalidArgument) as err:
            call()
        assert err.value.field == field


# ---------------------------------------------------------------- (e) the .proto's promises

_DECL = re.compile(r"^\s*(message|enum|oneof|service)\s+(\w+)\s*\{")
_RPC = re.compile(r"^\s*rpc\s+(\w+)\s*\(")
_FIELD = re.compile(
    r"^\s*(?:(?:optional|repeated)\s+)?(?:map<[^>]+>|[\w.]+)\s+(\w+)\s*=\s*\d+\s*(?:\[[^\]]*\])?\s*;"
)
_ENUM_VALUE = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s*=\s*-?\d+\s*;")


@dataclasses.dataclass
class _Item:
    kind: str  # message, enum, oneof, service, rpc, field, value
    scope: str  # enclosing message / enum / service
    name: str
    line: int
    comment: str  # the leading `//` block plus any trailing comment


def _parse_proto(text: str) -> list[_Item]:
    items: list[_Item] = []
    stack: list[tuple[str, str]] = []  # (kind, name); a oneof belongs to its message
    pending: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("//"):
            pending.append(line[2:].strip())
            continue
        code, _, trailing = raw.partition("//")
        comment = " ".join([*pending, trailing.strip()]).strip()
        pending = []
        scope = next((name for kind, name in reversed(stack) if kind != "oneof"), "")
        if decl := _DECL.match(code):
            items.append(_Item(decl.group(1), scope, decl.group(2), number, comment))
            if "}" not in code:
                stack.append((decl.group(1), decl.group(2)))
        elif rpc := _RPC.match(code):
            items.append(_Item("rpc", scope, rpc.group(1), number, comment))
        elif stack and stack[-1][0] == "enum" and (value := _ENUM_VALUE.match(code)):
            items.append(_Item("value", scope, value.group(1), number, comment))
        elif stack and (field := _FIELD.match(code)):
            items.append(_Item("field", scope, field.group(1), number, comment))
        elif code.strip() == "}":
            stack.pop()
    return items


PROTO_ITEMS = _parse_proto(PROTO.read_text(encoding="utf-8"))


def test_proto_parser_sees_every_field_and_value() -> None:
    def walk(messages: Any) -> tuple[int, int]:
        fields = values = 0
        for m in messages:
            if m.GetOptions().map_entry:
                continue
            fields += len(m.fields)
            values += sum(len(e.values) for e in m.enum_types)
            f, v = walk(m.nested_types)
            fields, values = fields + f, values + v
        return fields, values

    fields, values = walk(pb.DESCRIPTOR.message_types_by_name.values())
    values += sum(len(e.values) for e in pb.DESCRIPTOR.enum_types_by_name.values())
    assert sum(i.kind == "field" for i in PROTO_ITEMS) == fields
    assert sum(i.kind == "value" for i in PROTO_ITEMS) == values
    assert sum(i.kind == "rpc" for i in PROTO_ITEMS) == len(
        pb.DESCRIPTOR.services_by_name["Soundloom"].methods
    )


def test_every_declaration_in_the_proto_is_commented() -> None:
    bare = [f"line {i.line}: {i.kind} {i.scope}.{i.name}" for i in PROTO_ITEMS if not i.comment]
    assert not bare, "uncommented in soundloom.proto:\n" + "\n".join(bare)


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@pytest.mark.parametrize(
    "cls", [ScenePlan, Event, RenderOptions, SceneRequest], ids=lambda c: c.__name__
)
def test_proto_comments_state_the_engine_ranges(cls: type) -> None:
    comments = {i.name: i.comment for i in PROTO_ITEMS if i.scope == cls.__name__}
    missing = {f.name for f in dataclasses.fields(cls)} - set(comments)
    assert not missing, f"{cls.__name__} fields missing from the proto: {sorted(missing)}"
    for f in dataclasses.fields(cls):
        spec, comment = f.metadata, comments[f.name]
        numbers = {float(n) for n in _NUMBER.findall(comment)}
        for key in ("ge", "gt", "le", "max_len", "max_items"):
            if key in spec:
                assert float(spec[key]) in numbers, (
                    f"{cls.__name__}.{f.name}: {key}={spec[key]} not in {comment!r}"
                )
        if spec.get("min_len"):
            assert "not blank" in comment, f"{cls.__name__}.{f.name} must say 'not blank'"
        if "pattern" in spec:
            assert spec["pattern"].strip("^$") in comment
        for allowed in spec.get("enum", ()):
            if isinstance(allowed, int):
                assert float(allowed) in numbers, (
                    f"{cls.__name__}.{f.name}: {allowed} not in {comment!r}"
                )
            elif isinstance(allowed, str) and allowed and f.name != "format":
                assert re.search(rf"\b{re.escape(allowed)}\b", comment), (
                    f"{cls.__name__}.{f.name}: {allowed}"
                )
