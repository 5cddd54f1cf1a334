"""The plan model: validation names the field and its range; JSON round-trips; the schema holds."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import (
    Automation,
    CurvePoint,
    Event,
    EventKind,
    RenderOptions,
    ScenePlan,
    options_from_dict,
    plan_from_dict,
    plan_from_json,
    plan_json_schema,
    plan_to_json,
    to_dict,
    validate_options,
    validate_plan,
)


def _event(**overrides: object) -> Event:
    fields = dict(
        id="door-1",
        kind=EventKind.SFX,
        caption="a door slams",
        recipe="door",
        start_s=1.0,
        duration_s=2.0,
    )
    fields.update(overrides)
    return Event(**fields)  # type: ignore[arg-type]


def _curve(name: str, *points: tuple[float, float]) -> Automation:
    return Automation(**{name: tuple(CurvePoint(t, v) for t, v in points)})


def _plan(*events: Event, duration_s: float = 10.0) -> ScenePlan:
    return ScenePlan(duration_s=duration_s, events=events or (_event(),))


@pytest.mark.parametrize(
    ("plan", "field", "words"),
    [
        (_plan(_event(), _event()), "events[1].id", "not unique"),
        (_plan(_event(start_s=-0.5)), "events[0].start_s", ">= 0.0"),
        (_plan(_event(duration_s=0.0)), "events[0].duration_s", ">= 0.001"),
        (_plan(_event(duration_s=1e-5)), "events[0].duration_s", ">= 0.001"),
        (_plan(_event(start_s=9.0, duration_s=2.0)), "events[0].duration_s", "within the scene"),
        (_plan(_event(pan=1.5)), "events[0].pan", "<= 1.0"),
        (_plan(_event(pan=math.nan)), "events[0].pan", "finite"),
        (_plan(_event(gain_db=math.inf)), "events[0].gain_db", "finite"),
        (_plan(_event(caption="  ")), "events[0].caption", "empty"),
        (_plan(_event(id="bad id!")), "events[0].id", "must match"),
        (_plan(duration_s=601.0), "duration_s", "<= 600.0"),
        (_plan(duration_s=0.0), "duration_s", "> 0.0"),
        (ScenePlan(10.0, tuple(_event(id=f"e{i}") for i in range(129))), "events", "at most 128"),
        (replace(_plan(), environment="space"), "environment", "one of none, room"),
        (_plan(_event(params={"intensity": math.nan})), "events[0].params.intensity", "finite"),
        (ScenePlan(10.0, ()), "events", "at least one event"),
        (_plan(_event(match_score=1.5)), "events[0].match_score", "<= 1.0"),
        (_plan(_event(group="a truck")), "events[0].group", "must match"),
        (
            _plan(_event(automation=_curve("distance", (0.0, 0.2), (1.0, 1.5)))),
            "events[0].automation.distance[1].value",
            "allowed [0.0, 1.0]",
        ),
        (
            _plan(_event(automation=_curve("gain_db", (0.0, -70.0)))),
            "events[0].automation.gain_db[0].value",
            ">= -60.0",
        ),
        (
            _plan(_event(automation=_curve("pan", (0.5, 0.0), (0.5, 1.0)))),
            "events[0].automation.pan[1].t",
            "previous point",
        ),
        (
            _plan(_event(automation=_curve("intensity", (1.2, 0.5)))),
            "events[0].automation.intensity[0].t",
            "<= 1.0",
        ),
        (
            _plan(_event(automation=_curve("pan", *((i / 40, 0.0) for i in range(33))))),
            "events[0].automation.pan",
            "at most 32",
        ),
    ],
)
def test_validation_names_the_field_and_range(plan: ScenePlan, field: str, words: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        validate_plan(plan)
    assert caught.value.field == field
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (RenderOptions(sample_rate=12345), "options.sample_rate"),
        (RenderOptions(channels=3), "options.channels"),
        (RenderOptions(format="mp3"), "options.format"),
        (RenderOptions(loudness="loud"), "loudness"),
        (RenderOptions(loudness="-70"), "loudness"),
        (RenderOptions(true_peak_db=1.0), "options.true_peak_db"),
        (RenderOptions(segment_s=0.5), "options.segment_s"),
        (RenderOptions(bit_depth=8), "options.bit_depth"),
    ],
)
def test_option_validation(options: RenderOptions, field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        validate_options(options)
    assert caught.value.field == field


def test_loudness_presets_and_numbers() -> None:
    assert RenderOptions(loudness="console").target_lufs == -24.0
    assert RenderOptions(loudness="mobile").target_lufs == -18.0
    assert RenderOptions(loudness="broadcast").target_lufs == -23.0
    assert RenderOptions(loudness="streaming").target_lufs == -16.0
    assert RenderOptions(loudness="-20.5").target_lufs == -20.5


def test_json_errors_name_the_field() -> None:
    with pytest.raises(InvalidArgument, match="plan is not valid JSON"):
        plan_from_json("{not json")
    good = json.loads(plan_to_json(_plan()))
    good["events"][0]["start_s"] = "soon"
    with pytest.raises(InvalidArgument, match=r"events\[0\].start_s must be a number"):
        plan_from_dict(good)
    with pytest.raises(InvalidArgument, match=r"events\[0\].start_s must be a finite"):
        plan_from_json(plan_to_json(_plan()).replace('"start_s": 1.0', '"start_s": NaN'))
    del good["events"][0]["caption"]
    with pytest.raises(InvalidArgument, match=r"events\[0\].caption is required"):
        plan_from_dict(good)
    with pytest.raises(InvalidArgument, match=r"options\.colour is not a field"):
        options_from_dict({"colour": "blue"})


def test_schema_describes_the_plan_and_its_ranges() -> None:
    schema = plan_json_schema()
    assert schema["required"] == ["duration_s", "events"]
    assert schema["properties"]["duration_s"]["maximum"] == 600.0
    assert schema["properties"]["events"]["maxItems"] == 128
    event = schema["$defs"]["Event"]["properties"]
    assert event["pan"]["minimum"] == -1.0 and event["pan"]["maximum"] == 1.0
    assert event["kind"]["enum"] == ["ambience", "sfx"]
    json.dumps(schema)  # serialisable as is


# ---------------------------------------------------------------- properties

_ids = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
_finite = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def valid_plans(draw: st.DrawFn) -> ScenePlan:
    duration = draw(st.floats(0.5, 600.0))
    ids = draw(st.lists(_ids, min_size=1, max_size=12, unique=True))
    events = []
    for event_id in ids:
        start = draw(st.floats(0.0, duration * 0.9))
        length = draw(st.floats(0.01, 1.0)) * (duration - start)
        if length <= 0:
            continue
        events.append(
            Event(
                id=event_id,
                kind=draw(st.sampled_from(list(EventKind))),
                caption=draw(st.text(min_size=1, max_size=40).filter(lambda s: s.strip())),
                recipe=draw(st.sampled_from(["rain", "door", "thunder"])),
                start_s=start,
                duration_s=length,
                gain_db=draw(st.floats(-60.0, 12.0)),
                pan=draw(st.floats(-1.0, 1.0)),
                params=draw(
                    st.dictionaries(
                        st.sampled_from(["intensity", "material"]),
                        st.one_of(st.floats(0, 1), st.sampled_from(["wood", "metal"])),
                    )
                ),
                group=draw(st.sampled_from(["", "truck", "storm-1"])),
                implied=draw(st.booleans()),
                match_score=draw(st.floats(0.0, 1.0)),
                automation=_curve("distance", (0.0, draw(st.floats(0, 1))), (1.0, 0.9)),
            )
        )
    if not events:
        events.append(Event(ids[0], EventKind.SFX, "a door", "door", 0.0, duration / 2))
    return ScenePlan(duration_s=duration, events=tuple(events))


@settings(max_examples=80, deadline=None)
@given(valid_plans())
def test_valid_plans_round_trip_through_json(plan: ScenePlan) -> None:
    validate_plan(plan)
    assert plan_from_json(plan_to_json(plan)) == plan


@settings(max_examples=80, deadline=None)
@given(valid_plans(), st.sampled_from(["start_s", "duration_s", "pan", "gain_db"]), _finite)
def test_validation_accepts_exactly_the_ranges(plan: ScenePlan, name: str, value: float) -> None:
    if not plan.events:
        return
    event = replace(plan.events[0], **{name: value})
    changed = replace(plan, events=(event, *plan.events[1:]))
    ok = (
        event.start_s >= 0
        and 0.001 <= event.duration_s <= 600
        and event.end_s <= plan.duration_s + 1e-6
        and -1 <= event.pan <= 1
        and -60 <= event.gain_db <= 12
    )
    if ok:
        assert validate_plan(changed) is changed
    else:
        with pytest.raises(InvalidArgument) as caught:
            validate_plan(changed)
        assert caught.value.field.startswith("events[0].")


def test_to_dict_is_json_ready() -> None:
    data = to_dict(_plan(_event(params={"material": "wood", "intensity": 0.5})))
    assert json.loads(json.dumps(data)) == data
