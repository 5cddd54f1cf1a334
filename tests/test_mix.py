"""Mixing and reverb: placement, gain, fades, pan, ducking, stems, reverb decay, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from soundloom_server.engine import reverb
from soundloom_server.engine.audio import Clip
from soundloom_server.engine.mix import mix_scene
from soundloom_server.engine.plan import Event, EventKind, ScenePlan

SR = 48000


def _event(eid: str, kind: EventKind = EventKind.SFX, **kw: float) -> Event:
    fields = {"start_s": 0.0, "duration_s": 1.0, **kw}
    return Event(id=eid, kind=kind, caption="test", recipe="test", **fields)


def _mix(
    events: list[tuple[Event, np.ndarray]],
    duration_s: float,
    channels: int = 2,
    environment: str = "none",
    seed: int = 0,
):
    plan = ScenePlan(
        duration_s=duration_s, events=tuple(e for e, _ in events), environment=environment
    )
    clips = {e.id: Clip(e.id, samples.astype(np.float32), SR) for e, samples in events}
    return mix_scene(plan, clips, SR, channels, seed)


def _impulse(seconds: float, channels: int = 1) -> np.ndarray:
    clip = np.zeros((round(seconds * SR), channels), np.float32)
    clip[0] = 1.0
    return clip


def _ones(seconds: float, channels: int = 1) -> np.ndarray:
    return np.ones((round(seconds * SR), channels), np.float32)


def test_placement_is_sample_accurate() -> None:
    result = _mix([(_event("hit", start_s=1.2345, duration_s=0.1), _impulse(0.1))], 3.0, channels=1)
    assert result.mix.shape == (3 * SR, 1)
    assert np.flatnonzero(result.mix[:, 0]).tolist() == [round(1.2345 * SR)]
    assert result.mix[round(1.2345 * SR), 0] == pytest.approx(1.0)


def test_gain_db_and_scene_end_cut() -> None:
    result = _mix(
        [(_event("a", start_s=0.5, duration_s=1.0, gain_db=-6.0), _ones(1.0))], 1.0, channels=1
    )
    assert result.mix.shape == (SR, 1)
    assert result.mix[SR // 2 :, 0] == pytest.approx(10 ** (-6 / 20), rel=1e-6)
    assert not result.mix[: SR // 2].any()


@pytest.mark.parametrize(
    ("kind", "midpoint"), [(EventKind.SFX, 0.5), (EventKind.AMBIENCE, 2**-0.5)]
)
def test_fades(kind: EventKind, midpoint: float) -> None:
    event = _event("f", kind, duration_s=1.0, fade_in_s=0.1, fade_out_s=0.2)
    out = _mix([(event, _ones(1.0))], 1.0, channels=1).mix[:, 0]
    fade_in, fade_out = round(0.1 * SR), round(0.2 * SR)
    assert out[0] == 0.0 and out[-1] == 0.0
    assert out[fade_in // 2] == pytest.approx(midpoint, abs=1e-3)
    assert np.all(np.diff(out[: fade_in + 1]) >= 0) and np.all(np.diff(out[-fade_out:]) <= 0)
    assert out[fade_in : SR - fade_out] == pytest.approx(1.0)


def test_equal_power_pan_laws() -> None:
    left = _mix([(_event("l", pan=-1.0), _ones(1.0))], 1.0).mix
    assert left[:, 0] == pytest.approx(1.0) and not left[:, 1].any()
    centre = _mix([(_event("c", pan=0.0), _ones(1.0))], 1.0).mix
    assert centre == pytest.approx(2**-0.5)  # -3 dB per channel, constant power
    right = _mix([(_event("r", pan=0.5), _ones(1.0))], 1.0).mix
    assert np.sum(right[0] ** 2) == pytest.approx(1.0) and right[0, 1] > right[0, 0]
    stereo = np.random.default_rng(0).standard_normal((SR, 2)).astype(np.float32) * 0.1
    assert np.array_equal(
        _mix([(_event("s", pan=0.0), stereo)], 1.0).mix, stereo
    )  # balance: centre = unity
    balanced = _mix([(_event("b", pan=-1.0), stereo)], 1.0).mix
    assert np.array_equal(balanced[:, 0], stereo[:, 0]) and not balanced[:, 1].any()


def test_mono_output_downmixes() -> None:
    stereo = np.stack([np.full(SR, 0.2), np.full(SR, 0.4)], axis=1)
    out = _mix([(_event("s", pan=-1.0), stereo)], 1.0, channels=1).mix
    assert out.shape == (SR, 1) and out[:, 0] == pytest.approx(0.3)


def _rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64))))


def test_beds_duck_under_a_loud_one_shot_and_recover() -> None:
    rng = np.random.default_rng(1)
    bed = rng.standard_normal((6 * SR, 2)).astype(np.float32) * 0.008  # -35.5 LUFS: not levelled
    hit = rng.standard_normal((SR // 2, 1)).astype(np.float32) * 0.8
    events = [
        (_event("bed", EventKind.AMBIENCE, duration_s=6.0), bed),
        (_event("hit", start_s=2.0, duration_s=0.5), hit),
    ]
    amb = _mix(events, 6.0).stems["ambience"]
    before, during, after = (
        amb[SR : int(1.9 * SR)],
        amb[int(2.1 * SR) : int(2.4 * SR)],
        amb[4 * SR : 5 * SR],
    )
    assert _rms_db(during) < _rms_db(before) - 4.0
    assert _rms_db(during) > _rms_db(before) - 9.5  # at most ~9 dB: a broadband hit, no pocket
    assert _rms_db(after) == pytest.approx(_rms_db(bed[4 * SR : 5 * SR]), abs=0.05)
    quiet = [events[0], (_event("hit", start_s=2.0, duration_s=0.5), hit * 0.0067)]  # -3.5 dB
    assert np.array_equal(_mix(quiet, 6.0).stems["ambience"], bed)  # quiet one-shots do not duck


def _band_db(audio: np.ndarray, lo_hz: float, hi_hz: float) -> float:
    sos = signal.butter(4, [lo_hz, hi_hz], btype="band", fs=SR, output="sos")
    return _rms_db(signal.sosfilt(sos, audio.mean(axis=1)))


def test_beds_are_carved_where_a_one_shot_sounds_and_only_there() -> None:
    # A broadband bed (rain) and a one-shot in 400-2000 Hz (a walk's grit): the bed makes a
    # pocket in the one-shot's band, deeper than the broadband duck, while its highs only duck.
    rng = np.random.default_rng(4)
    bed = rng.standard_normal((6 * SR, 2)).astype(np.float32) * 0.008  # not levelled
    sos = signal.butter(4, [400, 2000], btype="band", fs=SR, output="sos")
    hit = (signal.sosfilt(sos, rng.standard_normal(SR)) * 2.0).astype(np.float32)[:, None]
    events = [
        (_event("bed", EventKind.AMBIENCE, duration_s=6.0), bed),
        (_event("hit", start_s=2.0, duration_s=1.0), hit),
    ]
    amb = _mix(events, 6.0).stems["ambience"]
    before, during = bed[SR : int(1.9 * SR)], amb[int(2.2 * SR) : int(2.9 * SR)]
    in_band = _band_db(before, 600, 1400) - _band_db(during, 600, 1400)
    highs = _band_db(before, 6000, 12000) - _band_db(during, 6000, 12000)
    assert in_band > highs + 6.0, (in_band, highs)  # a pocket, not only a duck
    assert 4.0 < highs < 9.5  # the rest of the bed ducks a few dB and carries on
    assert in_band < 20.0  # not silence
    after = amb[int(4.6 * SR) : int(5.6 * SR)]  # the pocket closes again
    assert _rms_db(after) == pytest.approx(_rms_db(bed[int(4.6 * SR) : int(5.6 * SR)]), abs=0.1)


def test_loud_beds_are_brought_under_the_one_shots_and_alone_left_as_they_are() -> None:
    from soundloom_server.engine.loudness import integrated_lufs
    from soundloom_server.engine.mix import BED_BUS_LUFS

    rng = np.random.default_rng(2)
    beds = [rng.standard_normal((8 * SR, 2)).astype(np.float32) * 0.02 for _ in range(3)]
    events = [
        (_event(f"bed{i}", EventKind.AMBIENCE, duration_s=8.0), b) for i, b in enumerate(beds)
    ]
    alone = _mix(events, 8.0).stems["ambience"]
    assert np.array_equal(
        alone, beds[0] + beds[1] + beds[2]
    )  # no one-shot: nothing to make room for
    hit = rng.standard_normal((SR // 4, 1)).astype(np.float32) * 0.5
    mixed = _mix([*events, (_event("hit", start_s=6.0, duration_s=0.25), hit)], 8.0)
    # Three -25 LUFS beds sum to ~-20: together they come down to the bed bus level, so the
    # one-shot's -21 LUFS convention puts it ~13 LU over them.
    head = mixed.stems["ambience"][: 5 * SR]
    assert integrated_lufs(head, SR) == pytest.approx(BED_BUS_LUFS, abs=0.3)
    assert np.allclose(
        head[:, 0] / (beds[0] + beds[1] + beds[2])[: 5 * SR, 0],
        head[0, 0] / (beds[0] + beds[1] + beds[2])[0, 0],
        rtol=1e-4,
    )  # one gain: the balance stays


def test_stems_sum_to_mix_with_reverb() -> None:
    rng = np.random.default_rng(2)
    events = [
        (
            _event("bed", EventKind.AMBIENCE, duration_s=4.0, fade_in_s=0.5),
            rng.standard_normal((4 * SR, 2)) * 0.05,
        ),
        (
            _event("hit", start_s=1.0, duration_s=0.3, pan=0.3),
            rng.standard_normal((round(0.3 * SR), 1)) * 0.5,
        ),
    ]
    result = _mix(events, 4.0, environment="hall")
    assert set(result.stems) == {"ambience", "sfx"}
    assert np.allclose(result.stems["ambience"] + result.stems["sfx"], result.mix, atol=1e-6)
    # The one-shot's stem carries its reverb tail well after the dry sound ends.
    assert _rms_db(result.stems["sfx"][int(1.5 * SR) : 2 * SR]) > -60


def test_mix_is_deterministic() -> None:
    rng = np.random.default_rng(3)
    events = [
        (
            _event("bed", EventKind.AMBIENCE, duration_s=3.0),
            rng.standard_normal((3 * SR, 2)) * 0.05,
        ),
        (
            _event("hit", start_s=1.0, duration_s=0.3),
            rng.standard_normal((round(0.3 * SR), 1)) * 0.5,
        ),
    ]
    first = _mix(events, 3.0, environment="cave", seed=7).mix
    assert np.array_equal(first, _mix(events, 3.0, environment="cave", seed=7).mix)
    assert not np.array_equal(first, _mix(events, 3.0, environment="cave", seed=8).mix)


# ---------------------------------------------------------------- reverb


def _rt60_1k(wet: np.ndarray) -> float:
    """Schroeder backward integration in the 1 kHz octave; T20 fit (-5 to -25 dB) scaled to 60."""
    band = signal.sosfiltfilt(
        signal.butter(4, [707, 1414], btype="band", fs=SR, output="sos"), wet, axis=0
    )
    energy = np.sum(np.square(band), axis=1)
    edc = 10 * np.log10(np.cumsum(energy[::-1])[::-1] / energy.sum() + 1e-30)
    lo, hi = np.argmax(edc <= -5), np.argmax(edc <= -25)
    slope = np.polyfit(np.arange(lo, hi) / SR, edc[lo:hi], 1)[0]
    return -60.0 / slope


@pytest.mark.parametrize("environment", ["room", "hall", "cave", "outdoor"])
def test_reverb_tail_decays_at_the_preset_rt60(environment: str) -> None:
    dry = np.zeros((6 * SR, 2), np.float32)
    dry[SR // 2] = 1.0
    wet = reverb.apply_reverb(dry, SR, environment, seed=1) - dry
    assert (
        np.abs(wet[: SR // 2]).max() < 1e-6
    )  # causal: nothing but FFT round-off before the impulse
    rt60 = _rt60_1k(wet[SR // 2 :])
    assert rt60 == pytest.approx(reverb.ENVIRONMENT_PRESETS[environment].rt60_s, rel=0.3)
    tail = wet[SR // 2 :]
    assert _rms_db(tail[: SR // 10]) > _rms_db(tail[SR // 2 : SR]) + 3  # decaying


def test_cave_is_longer_than_room_and_none_is_dry() -> None:
    assert (
        reverb.impulse_response("cave", SR, 0).shape[0]
        > reverb.impulse_response("room", SR, 0).shape[0]
    )
    dry = np.zeros((5 * SR, 2), np.float32)
    dry[0] = 1.0
    assert _rt60_1k(reverb.apply_reverb(dry, SR, "cave", 0) - dry) > 3 * _rt60_1k(
        reverb.apply_reverb(dry, SR, "room", 0) - dry
    )
    assert np.array_equal(reverb.apply_reverb(dry, SR, "none", 0), dry)


def test_impulse_response_is_stereo_decorrelated_and_deterministic() -> None:
    ir = reverb.impulse_response("hall", SR, 5)
    assert ir.shape[1] == 2 and ir.dtype == np.float32
    assert abs(np.corrcoef(ir[:, 0], ir[:, 1])[0, 1]) < 0.3
    assert np.array_equal(ir, reverb.impulse_response("hall", SR, 5))
    assert not np.array_equal(ir, reverb.impulse_response("hall", SR, 6))
    with pytest.raises(Exception, match="environment"):
        reverb.impulse_response("swamp", SR, 0)


def test_reverb_keeps_length_and_send_scales_wet() -> None:
    dry = np.random.default_rng(4).standard_normal((SR, 2)).astype(np.float32)
    full = reverb.apply_reverb(dry, SR, "room", 0, send=1.0) - dry
    half = reverb.apply_reverb(dry, SR, "room", 0, send=0.5) - dry
    assert full.shape == dry.shape
    assert np.allclose(half, full * 0.5, atol=1e-5)


def test_reverb_tail_is_cut_at_the_scene_end_not_wrapped_to_its_start() -> None:
    dry = np.zeros((2 * SR, 2), np.float32)
    dry[-10] = 1.0
    wet = reverb.apply_reverb(dry, SR, "cave", 0)
    assert np.abs(wet[:SR]).max() < 1e-6  # FFT round-off only
    assert np.abs(wet[-9:]).max() > 0.0


def test_mix_without_stems_equals_the_sum_of_stems() -> None:
    rng = np.random.default_rng(11)
    events = [
        (
            _event("bed", EventKind.AMBIENCE, duration_s=3.0),
            rng.standard_normal((3 * SR, 2)) * 0.05,
        ),
        (_event("hit", start_s=1.0, duration_s=0.3), rng.standard_normal((round(0.3 * SR), 1))),
    ]
    plan_events = [e for e, _ in events]
    clips = {e.id: Clip(e.id, s.astype(np.float32), SR) for e, s in events}
    plan = ScenePlan(duration_s=3.0, events=tuple(plan_events), environment="hall")
    with_stems = mix_scene(plan, clips, SR, 2, 5)
    alone = mix_scene(plan, clips, SR, 2, 5, stems=False)
    assert alone.stems == {}
    assert np.allclose(alone.mix, with_stems.mix, atol=1e-5)


def test_one_shots_are_levelled_by_loudness_within_their_peak_headroom() -> None:
    from soundloom_server.engine.loudness import momentary_max_lufs
    from soundloom_server.engine.registry import get_renderer
    from soundloom_server.engine.renderers.base import RenderContext
    from soundloom_server.engine.renderers.procedural import MAX_ONE_SHOT_PEAK

    renderer = get_renderer("procedural")
    ctx = RenderContext(sample_rate=SR, seed=3)
    levels, peaks = {}, {}
    # Door and footsteps now peak at the cap: splash and fire_whoosh keep two sounds below it.
    probes = ("glass_shatter", "impact", "sword_clash", "footsteps", "whoosh", "door")
    for recipe in (*probes, "splash", "fire_whoosh"):
        event = Event(f"{recipe}-1", EventKind.SFX, recipe, recipe, 0.0, 2.0)
        samples = renderer.render(event, ctx).samples
        levels[recipe] = momentary_max_lufs(samples, SR)
        peaks[recipe] = float(np.abs(samples).max())
    # Sparse rings and dense hits reach the same loudest moment, unless a peak would pass the
    # headroom (then the sound sits lower with its peak at the cap).
    uncapped = [r for r in levels if peaks[r] < MAX_ONE_SHOT_PEAK * 0.999]
    assert len(uncapped) >= 2
    assert max(levels[r] for r in uncapped) - min(levels[r] for r in uncapped) < 1.0, levels
    assert all(p <= MAX_ONE_SHOT_PEAK * 1.001 for p in peaks.values()), peaks


def test_carving_a_long_stretch_in_blocks_changes_no_sample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from soundloom_server.engine import mix

    sr = 48000
    rng = np.random.default_rng(4)
    bed = (0.1 * rng.standard_normal((40 * sr, 2))).astype(np.float32)  # rain-like noise
    hits = mix.SparseTrack(frames=bed.shape[0], channels=2)
    # A walk: steps every 0.5 s for 30 s, one carve segment of ~2,800 frames.
    for k in range(60):
        start = 5 * sr + k * sr // 2
        buffer, at = hits.span(start, sr // 10)
        buffer[start - at : start - at + sr // 10] += np.float32(0.5) * signal.windows.hann(
            sr // 10
        )[:, None].astype(np.float32)
    carved = {}
    for frames in (10**9, 2048, 7):  # one block, the default, many odd-sized blocks
        monkeypatch.setattr(mix, "CARVE_BLOCK_FRAMES", frames)
        out = bed.copy()
        mix.carve_beds(out, hits, sr)
        carved[frames] = out
    assert not np.array_equal(carved[10**9], bed)  # it did carve
    assert np.array_equal(carved[10**9], carved[2048])
    assert np.array_equal(carved[10**9], carved[7])
