"""Automation as heard: a receding source gets quieter and duller, an approaching one louder,
a rising intensity denser, a pan curve moves across; plans without curves render as before."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.pipeline import render_scene
from soundloom_server.engine.plan import (
    Automation,
    CurvePoint,
    Event,
    EventKind,
    RenderOptions,
    ScenePlan,
)

SR = 24000


def _render(recipe: str, kind: EventKind, automation: Automation) -> np.ndarray:
    event = Event("e", kind, recipe, recipe, 0.0, 8.0, automation=automation)
    return render_scene(ScenePlan(8.0, (event,)), RenderOptions(sample_rate=SR)).audio


def _quarters(audio: np.ndarray) -> list[tuple[float, float]]:
    """(level dB, spectral centroid Hz) of the first and the last quarter."""
    q = audio.shape[0] // 4
    out = []
    for part in (audio[:q], audio[-q:]):
        mono = part.mean(axis=1)
        spectrum = np.abs(np.fft.rfft(mono))
        freqs = np.fft.rfftfreq(mono.shape[0], 1.0 / SR)
        level = 20.0 * np.log10(np.sqrt(np.mean(mono**2)) + 1e-12)
        out.append((float(level), float((spectrum * freqs).sum() / spectrum.sum())))
    return out


def _line(a: float, b: float) -> tuple[CurvePoint, ...]:
    return (CurvePoint(0.0, a), CurvePoint(1.0, b))


def test_a_receding_source_gets_quieter_and_duller() -> None:
    (near_db, near_hz), (far_db, far_hz) = _quarters(
        _render("engine", EventKind.SFX, Automation(distance=_line(0.1, 0.9)))
    )
    assert near_db - far_db > 10.0 and far_hz < 0.8 * near_hz


def test_an_approaching_source_gets_louder_and_brighter() -> None:
    (far_db, far_hz), (near_db, near_hz) = _quarters(
        _render("engine", EventKind.SFX, Automation(distance=_line(0.9, 0.1)))
    )
    assert near_db - far_db > 10.0 and near_hz > 1.25 * far_hz


def test_a_moving_source_is_heard_through_doppler() -> None:
    moving = _render("siren", EventKind.AMBIENCE, Automation(distance=_line(0.0, 1.0)))
    still = _render("siren", EventKind.AMBIENCE, Automation(distance=_line(0.0, 0.0001)))
    # Receding at ~7 m/s: the travel time grows, so the end is heard from earlier in the render.
    assert not np.allclose(moving[-SR:], still[-SR:] * (moving[-SR:].std() / still[-SR:].std()))


def test_rising_intensity_uses_the_recipe_and_gets_stronger() -> None:
    (low_db, _), (high_db, _) = _quarters(
        _render("rain", EventKind.AMBIENCE, Automation(intensity=_line(0.1, 0.95)))
    )
    assert high_db - low_db > 3.0


def test_a_gain_curve_and_a_pan_curve() -> None:
    (start_db, _), (end_db, _) = _quarters(
        _render("engine", EventKind.SFX, Automation(gain_db=_line(0.0, -20.0)))
    )
    assert start_db - end_db > 10.0
    panned = _render("engine", EventKind.SFX, Automation(pan=_line(-1.0, 1.0)))
    q = panned.shape[0] // 4
    first, last = np.sqrt((panned[:q] ** 2).mean(0)), np.sqrt((panned[-q:] ** 2).mean(0))
    assert first[0] > first[1] and last[1] > last[0]


def test_empty_curves_render_exactly_as_no_automation() -> None:
    event = Event("e", EventKind.SFX, "a door", "door", 0.5, 2.0, params={"action": "slam"})
    plain = render_scene(ScenePlan(3.0, (event,)), RenderOptions(sample_rate=SR)).audio
    again = render_scene(
        ScenePlan(3.0, (Event(**{**event.__dict__, "automation": Automation()}),)),
        RenderOptions(sample_rate=SR),
    ).audio
    assert plain.tobytes() == again.tobytes()
