"""Input is validated once, where it enters; the engine trusts what was checked and still checks
what it is handed raw, with the same errors."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

import soundloom
from soundloom.asset import Asset
from soundloom.canonical import canonical
from soundloom_server.engine import plan as plan_module
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.pipeline import plan_scene, render_scene
from soundloom_server.engine.plan import (
    RenderOptions,
    SceneRequest,
    validate_options,
    validate_plan,
    validate_request,
)
from soundloom_server.engine.planners.rules import RulesPlanner
from soundloom_server.plan_proto import request_from_proto, request_to_proto

VALIDATORS = ("validate_request", "validate_options", "validate_plan")


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every call of a validate_* function, wherever it was imported; a plan checked while an
    asset is read from its sidecar (the cache's own boundary, disk or download) is counted apart."""
    counts: Counter[str] = Counter()
    reading: list[bool] = []
    originals = {name: getattr(plan_module, name) for name in VALIDATORS}

    def counting(name: str) -> Any:
        def validate(obj: Any) -> Any:
            counts[f"{name} (sidecar)" if reading else name] += 1
            return originals[name](obj)

        return validate

    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith(("soundloom", "soundloom_server")):
            continue
        for name, original in originals.items():
            if getattr(module, name, None) is original:
                monkeypatch.setattr(module, name, counting(name))

    from_sidecar = Asset.from_sidecar.__func__  # type: ignore[attr-defined]

    def reading_sidecar(cls: type[Asset], *args: Any, **kwargs: Any) -> Asset:
        reading.append(True)
        try:
            return from_sidecar(cls, *args, **kwargs)
        finally:
            reading.pop()

    monkeypatch.setattr(Asset, "from_sidecar", classmethod(reading_sidecar))
    return counts


def test_one_embedded_generate_validates_request_options_and_plan_once(
    validations: Counter[str],
) -> None:
    with soundloom.Client(cache=False) as client:
        asset = client.generate("a door slams", duration=2)
    assert asset.plan.events
    assert validations == {
        "validate_request": 1,  # the SDK's boundary; not the proto round trip, not the planner
        "validate_options": 1,  # the SDK's boundary; not the round trip, plan_scene, render_scene
        "validate_plan": 1,  # the planner's own output; not render_scene
        "validate_plan (sidecar)": 1,  # the cache reading the committed entry back
    }


def test_a_render_validates_the_given_plan_once(validations: Counter[str]) -> None:
    with soundloom.Client(cache=False) as client:
        plan = client.plan("a door slams", duration=2)
        validations.clear()
        client.render(replace(plan, style="muffled"))
    assert validations["validate_plan"] == 1  # the boundary's; the renderer trusts it
    assert validations["validate_options"] == 1


def _message(call: Any) -> str:
    with pytest.raises(InvalidArgument) as caught:
        call()
    return str(caught.value)


def test_engine_entry_points_still_check_raw_input_with_the_same_errors() -> None:
    from soundloom_server.engine.plan import is_checked

    bad_options = RenderOptions(sample_rate=12345)
    options_error = _message(lambda: validate_options(bad_options))
    assert "options.sample_rate" in options_error
    request = SceneRequest("a door slams", duration_s=2.0)
    assert _message(lambda: plan_scene(request, bad_options)) == options_error

    bad_request = SceneRequest("a door slams", duration_s=0.05)
    expected = _message(lambda: validate_request(bad_request))
    assert "duration_s" in expected
    assert _message(lambda: RulesPlanner().plan(bad_request)) == expected
    assert _message(lambda: plan_scene(bad_request, RenderOptions())) == expected

    plan = plan_scene(request, RenderOptions())
    assert is_checked(plan)
    event = replace(plan.events[0], duration_s=-1.0)
    bad_plan = replace(plan, events=(event, *plan.events[1:]))  # a changed copy: unchecked
    assert not is_checked(bad_plan)
    expected = _message(lambda: validate_plan(bad_plan))
    assert "events[0].duration_s" in expected
    assert _message(lambda: render_scene(bad_plan, RenderOptions())) == expected
    assert _message(lambda: render_scene(plan, bad_options)) == options_error


def test_canonical_trusts_only_what_was_checked() -> None:
    from soundloom_server.engine.plan import is_checked

    raw = SceneRequest("a door slams", duration_s=700.0)
    with pytest.raises(InvalidArgument, match="duration_s"):
        canonical(raw, validate_options(RenderOptions()))
    checked = validate_request(SceneRequest("a door slams", duration_s=2.0))
    source, options, _ = canonical(checked, validate_options(RenderOptions(loudness="-18")))
    assert is_checked(source) and is_checked(options)
    assert source == request_from_proto(request_to_proto(checked))  # as a server parses it
    # Checked objects are remembered by identity, not by a field: the dataclass is unchanged.
    assert SceneRequest(**source.__dict__) == source
