"""Cancellation reaches inside long work, and working in blocks changes no sample."""

from __future__ import annotations

import numpy as np
import pytest

from soundloom_server.engine.cancellation import cancel_scope, raise_if_cancelled
from soundloom_server.engine.errors import Cancelled
from soundloom_server.engine.pipeline import render_scene
from soundloom_server.engine.plan import Event, EventKind, RenderOptions, ScenePlan
from soundloom_server.engine.renderers.procedural import dsp


def test_filtering_in_blocks_gives_the_same_samples_bit_for_bit() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3 * dsp.FILT_BLOCK + 123, 2)).astype(np.float32)
    sos = dsp.cascade(dsp.lowpass(900.0, 48000), dsp.peak(2500.0, 4.0, 6.0, 48000))
    whole = dsp.filt(sos, x)
    with cancel_scope(lambda: False):
        blocked = dsp.filt(sos, x)
    assert np.array_equal(whole, blocked)


def test_a_cancel_inside_one_long_bed_stops_its_render() -> None:
    checks = 0

    def cancelled() -> bool:
        nonlocal checks
        checks += 1
        return checks > 3  # a few blocks into the first (and only) event

    bed = Event("wind-1", EventKind.AMBIENCE, "wind", "wind", 0.0, 600.0)
    with pytest.raises(Cancelled):
        render_scene(
            ScenePlan(duration_s=600.0, events=(bed,)), RenderOptions(), cancelled=cancelled
        )
    # Between events there are only two checks here: the rest were inside the bed's render.
    assert checks == 4


def test_no_scope_means_no_cancellation_and_scopes_nest() -> None:
    raise_if_cancelled()  # nothing installed: never raises
    # An inner scope without a probe keeps the outer one.
    with cancel_scope(lambda: True), cancel_scope(None), pytest.raises(Cancelled):
        raise_if_cancelled()
    raise_if_cancelled()
