"""Convert the plan model (`ScenePlan`, `Event`, `RenderOptions`, `SceneRequest`) to and from
its soundloom.v1 protobuf messages.

`*_to_proto` converts faithfully and raises InvalidArgument only for values a message cannot
hold. `*_from_proto` maps unset fields to the dataclass defaults and validates, so errors name
the field (`events[2].kind`, `options.sample_rate`) exactly as the JSON path does.
`canonical_*` is a value exactly as a server parses it (a round trip through its message),
validated only when it was not already.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from soundloom.v1 import soundloom_pb2 as pb
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import (
    FORMATS,
    Automation,
    CurvePoint,
    Event,
    EventKind,
    ParamValue,
    RenderOptions,
    ScenePlan,
    SceneRequest,
    is_checked,
    mark_checked,
    validate_options,
    validate_plan,
    validate_request,
)
from soundloom_server.engine.stages import STAGES

# Stage names <-> the proto's Stage values (STAGE_PLAN ...), from the engine's one list.
STAGE_TO_PROTO = {stage: pb.Stage.Value(f"STAGE_{stage.upper()}") for stage in STAGES}
STAGE_FROM_PROTO = {value: stage for stage, value in STAGE_TO_PROTO.items()}

T = TypeVar("T")

_KIND_TO_PROTO: dict[EventKind, int] = {
    EventKind.AMBIENCE: pb.EVENT_KIND_AMBIENCE,
    EventKind.SFX: pb.EVENT_KIND_SFX,
}
_KIND_FROM_PROTO: dict[int, EventKind] = {v: k for k, v in _KIND_TO_PROTO.items()}
# Each format's proto value, by the enum's naming (wav -> AUDIO_FORMAT_WAV).
FORMAT_TO_PROTO: dict[str, int] = {
    fmt: pb.AudioFormat.Value(f"AUDIO_FORMAT_{fmt.upper()}") for fmt in FORMATS
}
_FORMAT_FROM_PROTO: dict[int, str] = {v: k for k, v in FORMAT_TO_PROTO.items()}
_OPTION_DEFAULTS = RenderOptions()
_PLAN_ENVIRONMENT_DEFAULT: str = ScenePlan.__dataclass_fields__["environment"].default


def _set(path: str, setter: Callable[[], T]) -> T:
    """Run a protobuf assignment; a value the field cannot hold becomes InvalidArgument(path)."""
    try:
        return setter()
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(path, f"cannot be represented in the message: {exc}") from None


# ---------------------------------------------------------------- plan


def _param_to_proto(path: str, value: Any) -> pb.ParamValue:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidArgument(path, f"must be a number or a word, got {value!r}")
    if isinstance(value, str):
        return pb.ParamValue(word=value)
    return pb.ParamValue(number=float(value))


def _param_from_proto(path: str, msg: pb.ParamValue) -> ParamValue:
    which = msg.WhichOneof("kind")
    if which == "number":
        return msg.number
    if which == "word":
        return msg.word
    raise InvalidArgument(path, "must be a number or a word, got neither")


def _fill(msg: Any, path: str, obj: Any, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(obj, name)
        _set(f"{path}{name}", lambda n=name, v=value: setattr(msg, n, v))


_EVENT_SCALARS = (
    "id",
    "caption",
    "recipe",
    "start_s",
    "duration_s",
    "gain_db",
    "pan",
    "fade_in_s",
    "fade_out_s",
    "loop",
    "renderer",
    "group",
    "implied",
    "match_score",
)
_CURVES = tuple(f for f in Automation.__dataclass_fields__)


def _automation_to_proto(msg: pb.Automation, path: str, automation: Automation) -> None:
    for name in _CURVES:
        curve = getattr(msg, name)
        for i, point in enumerate(getattr(automation, name)):
            where = f"{path}{name}[{i}]"
            _set(where, lambda c=curve, p=point: c.add(t=p.t, value=p.value))


def _automation_from_proto(msg: pb.Automation) -> Automation:
    return Automation(
        **{name: tuple(CurvePoint(p.t, p.value) for p in getattr(msg, name)) for name in _CURVES}
    )


def event_to_proto(event: Event, index: int = 0) -> pb.Event:
    """An Event as a soundloom.v1.Event message; `index` only names fields in errors."""
    path = f"events[{index}]."
    try:
        kind = _KIND_TO_PROTO[EventKind(event.kind)]
    except ValueError:
        raise InvalidArgument(
            f"{path}kind", f"must be ambience or sfx, got {event.kind!r}"
        ) from None
    msg = pb.Event(kind=kind)  # type: ignore[arg-type]
    _fill(msg, path, event, _EVENT_SCALARS)
    _automation_to_proto(msg.automation, f"{path}automation.", event.automation)
    for key, value in event.params.items():
        param = _param_to_proto(f"{path}params.{key}", value)
        _set(f"{path}params.{key}", lambda k=key, p=param: msg.params[k].CopyFrom(p))
    return msg


def event_from_proto(msg: pb.Event, index: int = 0) -> Event:
    """A soundloom.v1.Event message as an Event (not validated; see plan_from_proto)."""
    path = f"events[{index}]."
    if msg.kind not in _KIND_FROM_PROTO:
        got = "unset" if msg.kind == pb.EVENT_KIND_UNSPECIFIED else str(msg.kind)
        raise InvalidArgument(
            f"{path}kind", f"must be EVENT_KIND_AMBIENCE or EVENT_KIND_SFX, got {got}"
        )
    return Event(
        id=msg.id,
        kind=_KIND_FROM_PROTO[msg.kind],
        caption=msg.caption,
        recipe=msg.recipe,
        start_s=msg.start_s,
        duration_s=msg.duration_s,
        gain_db=msg.gain_db,
        pan=msg.pan,
        fade_in_s=msg.fade_in_s,
        fade_out_s=msg.fade_out_s,
        loop=msg.loop,
        params={
            k: _param_from_proto(f"{path}params.{k}", v) for k, v in sorted(msg.params.items())
        },
        renderer=msg.renderer,
        group=msg.group,
        implied=msg.implied,
        match_score=msg.match_score if msg.HasField("match_score") else 1.0,
        automation=_automation_from_proto(msg.automation),
    )


def plan_to_proto(plan: ScenePlan) -> pb.ScenePlan:
    """A ScenePlan as a soundloom.v1.ScenePlan message."""
    msg = pb.ScenePlan()
    _fill(msg, "", plan, ("duration_s", "style", "environment", "description", "planner"))
    _set("warnings", lambda: msg.warnings.extend(plan.warnings))
    _set("unmatched", lambda: msg.unmatched.extend(plan.unmatched))
    msg.events.extend(event_to_proto(e, i) for i, e in enumerate(plan.events))
    return msg


def plan_from_proto(msg: pb.ScenePlan) -> ScenePlan:
    """A soundloom.v1.ScenePlan message as a validated ScenePlan; errors name the field."""
    return validate_plan(_plan_from_proto(msg))


def _plan_from_proto(msg: pb.ScenePlan) -> ScenePlan:
    return ScenePlan(
        duration_s=msg.duration_s,
        events=tuple(event_from_proto(e, i) for i, e in enumerate(msg.events)),
        style=msg.style,
        environment=msg.environment or _PLAN_ENVIRONMENT_DEFAULT,
        description=msg.description,
        planner=msg.planner,
        warnings=tuple(msg.warnings),
        unmatched=tuple(msg.unmatched),
    )


# ---------------------------------------------------------------- options


def _is_canonical_number(text: str) -> bool:
    try:
        number = float(text)
    except ValueError:
        return False
    return math.isfinite(number) and str(number) == text


def options_to_proto(options: RenderOptions) -> pb.RenderOptions:
    """RenderOptions as a soundloom.v1.RenderOptions message, every field set explicitly.

    `loudness` goes to `target_lufs` when it is a number written as Python writes floats
    (so it comes back identical), else to `preset` verbatim (preset names, other number texts).
    """
    fmt = FORMAT_TO_PROTO.get(options.format)
    if fmt is None:
        raise InvalidArgument(
            "options.format", f"must be one of {', '.join(FORMATS)}, got {options.format!r}"
        )
    msg = pb.RenderOptions(format=fmt)  # type: ignore[arg-type]
    _fill(
        msg,
        "options.",
        options,
        (
            "sample_rate",
            "channels",
            "bit_depth",
            "true_peak_db",
            "seed",
            "loop",
            "segment_s",
            "stems",
            "planner",
            "renderer",
        ),
    )
    loudness: Any = options.loudness
    if isinstance(loudness, int | float) and not isinstance(loudness, bool):
        _set("options.loudness", lambda: setattr(msg, "target_lufs", loudness))
    elif isinstance(loudness, str) and _is_canonical_number(loudness):
        msg.target_lufs = float(loudness)
    else:
        _set("options.loudness", lambda: setattr(msg, "preset", loudness))
    return msg


def _loudness_from_proto(msg: pb.RenderOptions) -> str:
    which = msg.WhichOneof("loudness")
    if which == "target_lufs":
        return str(msg.target_lufs)
    if which == "preset":
        return msg.preset
    return _OPTION_DEFAULTS.loudness


def options_from_proto(msg: pb.RenderOptions) -> RenderOptions:
    """A soundloom.v1.RenderOptions message as validated RenderOptions; unset = defaults."""
    return validate_options(_options_from_proto(msg))


def _options_from_proto(msg: pb.RenderOptions) -> RenderOptions:
    if msg.format == pb.AUDIO_FORMAT_UNSPECIFIED:
        fmt = _OPTION_DEFAULTS.format
    elif msg.format in _FORMAT_FROM_PROTO:
        fmt = _FORMAT_FROM_PROTO[msg.format]
    else:
        raise InvalidArgument("options.format", f"must be WAV, OGG or FLAC, got {msg.format}")
    return RenderOptions(
        sample_rate=msg.sample_rate or _OPTION_DEFAULTS.sample_rate,
        channels=msg.channels or _OPTION_DEFAULTS.channels,
        format=fmt,
        bit_depth=msg.bit_depth or _OPTION_DEFAULTS.bit_depth,
        loudness=_loudness_from_proto(msg),
        true_peak_db=msg.true_peak_db
        if msg.HasField("true_peak_db")
        else _OPTION_DEFAULTS.true_peak_db,
        seed=msg.seed if msg.HasField("seed") else _OPTION_DEFAULTS.seed,
        loop=msg.loop,
        segment_s=msg.segment_s,
        stems=msg.stems,
        planner=msg.planner or _OPTION_DEFAULTS.planner,
        renderer=msg.renderer or _OPTION_DEFAULTS.renderer,
    )


# ---------------------------------------------------------------- scene request


def request_to_proto(request: SceneRequest) -> pb.SceneRequest:
    """A SceneRequest as a soundloom.v1.SceneRequest message."""
    msg = pb.SceneRequest()
    _fill(msg, "", request, ("description", "duration_s", "style", "environment"))
    return msg


def request_from_proto(msg: pb.SceneRequest) -> SceneRequest:
    """A soundloom.v1.SceneRequest message as a validated SceneRequest; errors name the field."""
    return validate_request(_request_from_proto(msg))


def _request_from_proto(msg: pb.SceneRequest) -> SceneRequest:
    return SceneRequest(
        description=msg.description,
        duration_s=msg.duration_s,
        style=msg.style,
        environment=msg.environment,
    )


# ---------------------------------------------------------------- canonical values


def _parsed(given: object, parsed: T, validate: Callable[[T], T]) -> T:
    """A round trip's result: trusted when `given` was checked, else validated as a server would.

    Trusting is sound because the conversions keep a valid value valid: numbers are doubles or
    integers both ways, strings and enums carry exactly, and a field left unset comes back as
    its dataclass default, itself valid.
    """
    return mark_checked(parsed) if is_checked(given) else validate(parsed)


def canonical_request(request: SceneRequest) -> SceneRequest:
    """The request exactly as a server parses it; validated unless it already was."""
    return _parsed(request, _request_from_proto(request_to_proto(request)), validate_request)


def canonical_options(options: RenderOptions) -> RenderOptions:
    """The options exactly as a server parses them; validated unless they already were."""
    return _parsed(options, _options_from_proto(options_to_proto(options)), validate_options)


def canonical_plan(plan: ScenePlan) -> ScenePlan:
    """The plan exactly as a server parses it; validated unless it already was."""
    return _parsed(plan, _plan_from_proto(plan_to_proto(plan)), validate_plan)
