"""Acoustic signatures of the animal-call and wordless-voice recipes, measured on rendered audio.

Each test checks features that white noise and the neighbouring recipes do not share: voicing
(a periodic source), the pitch range and contour of the gesture, and its rhythm.
"""

from __future__ import annotations

import importlib

import numpy as np

from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest

SR = 48000
FRAME = 0.04


def recipe(name: str) -> Recipe:
    module = importlib.import_module(f"soundloom_server.engine.renderers.procedural.recipes.{name}")
    return module.RECIPE


def render(name: str, seconds: float, seed: int = 3, **params: object) -> np.ndarray:
    r = recipe(name)
    request = SynthRequest(
        int(seconds * SR), SR, np.random.default_rng(seed), r.resolve_params(params)
    )
    return np.asarray(r.synth(request)).mean(axis=1)


def white(seconds: float) -> np.ndarray:
    return np.random.default_rng(0).standard_normal(int(seconds * SR)) * 0.1


def frames(x: np.ndarray, frame_s: float = FRAME) -> np.ndarray:
    hop = int(frame_s * SR)
    return x[: x.shape[0] // hop * hop].reshape(-1, hop)


def level_db(x: np.ndarray, frame_s: float = 0.005) -> np.ndarray:
    """Frame rms in dB re the loudest frame."""
    rms = np.sqrt((frames(x, frame_s) ** 2).mean(axis=1))
    return 20 * np.log10(rms / rms.max() + 1e-9)


def pitch_track(x: np.ndarray, low: float = 150.0, high: float = 1200.0) -> np.ndarray:
    """f0 (Hz) per 40 ms frame where the frame is loud and clearly periodic, else NaN."""
    block = frames(x)
    loud = level_db(x, FRAME) > -20
    lags = np.arange(int(SR / high), int(SR / low))
    out = np.full(block.shape[0], np.nan)
    for i in np.flatnonzero(loud):
        f = block[i] - block[i].mean()
        spec = np.fft.rfft(f, 2 * f.shape[0])
        ac = np.fft.irfft(np.abs(spec) ** 2)[: lags[-1] + 1]
        ac /= ac[0] + 1e-12
        # The shortest lag nearly as similar as the best: the period, not a multiple of it.
        best = lags[np.flatnonzero(ac[lags] >= 0.9 * ac[lags].max())[0]]
        if ac[best] > 0.5:  # voiced: the frame resembles itself one period later
            out[i] = SR / best
    return out


def voiced_share(x: np.ndarray, **band: float) -> float:
    """Share of the loud frames that are clearly periodic."""
    loud = level_db(x, FRAME) > -20
    return float(np.isfinite(pitch_track(x, **band)).sum() / max(loud.sum(), 1))


def onsets(x: np.ndarray, min_gap_s: float = 0.12, rise_db: float = -15.0) -> int:
    """Rises of the 20 ms level through `rise_db` at least `min_gap_s` apart."""
    env = level_db(np.r_[np.zeros(SR // 10), x], 0.02)  # a sound may start at once
    above = np.flatnonzero((env[1:] >= rise_db) & (env[:-1] < rise_db)) + 1
    count, last = 0, -1e9
    for i in above:
        if (i - last) * 0.02 >= min_gap_s:
            count, last = count + 1, i
    return count


def test_dog_barks_come_in_voiced_bursts_lower_for_bigger_dogs() -> None:
    barks = render("dog_bark", 1.6, barks=3)
    assert onsets(barks) == 3
    # Harsh (forced air and chaotic folds) yet voiced: periodic frames that noise never has.
    assert voiced_share(barks) > 0.1 and voiced_share(white(1.6)) == 0.0
    assert onsets(render("cough", 1.6)) != 3  # a fit of coughs is not this burst
    small = np.r_[render("dog_bark", 1.6, size=0.0), render("dog_bark", 1.6, seed=4, size=0.0)]
    large = np.r_[render("dog_bark", 1.6, size=1.0), render("dog_bark", 1.6, seed=4, size=1.0)]
    low = {"low": 100.0}
    assert np.nanmedian(pitch_track(small, **low)) > 1.5 * np.nanmedian(pitch_track(large, **low))


def test_a_bark_is_cut_off_when_the_mouth_snaps_shut() -> None:
    # Not left to ring down with its falling pitch (that reads as a plop): the last fifth of
    # each bark lies well under its peak.
    bark = importlib.import_module(
        "soundloom_server.engine.renderers.procedural.recipes.dog_bark"
    )._bark
    hop = 240
    for seed in range(4):
        for size in (0.0, 0.5, 1.0):
            x = bark(np.random.default_rng(seed), SR, size, 0.5)
            power = (x[: x.shape[0] // hop * hop].reshape(-1, hop) ** 2).mean(axis=1)
            length = (x.shape[0] - int(0.04 * SR)) // hop  # the bark, without its padding
            tail = power[int(0.8 * length) : length].mean() / power.max()
            assert 10 * np.log10(tail) < -16.5, (seed, size)


def test_a_meow_is_a_high_voiced_glide_that_rises_and_falls() -> None:
    f0 = pitch_track(render("cat_meow", 1.4))
    heard = f0[np.isfinite(f0)]
    assert heard.shape[0] >= 8 and 600 < np.median(heard) < 1200
    # Octave slips of the tracker folded back, then a running median drops any stray one.
    heard = np.where(heard < 0.7 * np.median(heard), 2 * heard, heard)
    track = np.array([np.median(heard[max(i - 2, 0) : i + 3]) for i in range(heard.shape[0])])
    top = int(np.argmax(track))
    assert 0.1 * track.shape[0] < top < 0.75 * track.shape[0]
    assert track[top] > 1.1 * track[:3].mean() and track[top] > 1.1 * track[-3:].mean()
    assert not np.isfinite(pitch_track(white(1.4))).any()
    howl = pitch_track(render("wolf_howl", 4.0))
    assert np.nanmedian(howl) < 550  # a howl is far lower than a meow


def test_a_howl_is_a_long_steady_low_voiced_note() -> None:
    f0 = pitch_track(render("wolf_howl", 4.0))
    assert np.isfinite(f0).sum() * FRAME > 1.8  # seconds of clear voicing
    held = f0[np.isfinite(f0)]
    held = np.where(held < 0.7 * np.median(held), 2 * held, held)  # tracker octave slips
    # In a canine howl's register (~400-600 Hz), well above a groaning human voice.
    assert 400 < np.median(held) < 620
    assert np.std(np.log(held[len(held) // 4 : -len(held) // 4])) < 0.12  # held, not swooping
    meow = pitch_track(render("cat_meow", 4.0))
    assert np.isfinite(meow).sum() * FRAME < 1.8


def test_a_howl_lifts_into_its_note_quickly_not_like_a_siren_winding_up() -> None:
    # A wolf swells into the howl in a few tenths of a second (a siren's rotor takes a second).
    howl = importlib.import_module(
        "soundloom_server.engine.renderers.procedural.recipes.wolf_howl"
    )._howl
    rises = []
    for seed in range(8):
        level = level_db(howl(np.random.default_rng(seed), SR, 3.0, 0.5), 0.02)
        rises.append((np.flatnonzero(level > -6)[0] - np.flatnonzero(level > -30)[0]) * 0.02)
    assert 0.05 < np.mean(rises) < 0.3


def test_a_cough_bursts_out_after_a_held_breath() -> None:
    def silent_gap_before_peak(x: np.ndarray) -> float:
        env = level_db(x)
        top = int(np.argmax(env))
        quiet = env[:top] < -30
        # Longest run of quiet frames before the loudest moment (the glottis held shut).
        runs = np.diff(np.flatnonzero(np.diff(np.r_[0, quiet.astype(int), 0]) != 0))[::2]
        return float(runs.max() * 0.005) if runs.size else 0.0

    cough = render("cough", 1.2)
    assert silent_gap_before_peak(cough) >= 0.06
    env = level_db(cough)
    top = int(np.argmax(env))
    assert env[max(top - 4, 0)] < -10  # from near-silence to the blast within ~20 ms
    assert silent_gap_before_peak(white(1.2)) < 0.01
    assert silent_gap_before_peak(render("laugh", 1.2)) < 0.06


def test_laughter_is_a_rhythm_of_calls_near_five_a_second() -> None:
    laugh = render("laugh", 1.8, calls=6)
    assert 5 <= onsets(laugh, min_gap_s=0.1) <= 8  # six calls and the closing gasp
    env = 10 ** (level_db(laugh, 0.01) / 20)
    spectrum = np.abs(np.fft.rfft(env - env.mean(), 1024))
    rates = np.fft.rfftfreq(1024, 0.01)
    syllabic = (rates >= 2.0) & (rates < 12.0)
    assert 3.5 <= rates[syllabic][np.argmax(spectrum[syllabic])] <= 6.5
    assert voiced_share(laugh) > 0.3
    assert onsets(render("shout", 1.8), min_gap_s=0.1) <= 2  # a shout is one call


def test_a_shout_is_raised_speech_and_a_scream_far_higher_and_rougher() -> None:
    # A pressed voice's fundamental is weaker than its next harmonics: track in a man's range.
    shout = pitch_track(render("shout", 1.2, voice="man"), high=450.0)
    assert 180 < np.nanmedian(shout) < 330
    assert np.isfinite(shout).sum() * FRAME > 0.15
    scream = render("scream", 2.0, voice="man")
    assert np.nanmedian(pitch_track(scream)) > 1.4 * np.nanmedian(shout)

    def roughness(x: np.ndarray) -> float:
        """Share of the envelope's modulation energy at 30-150 Hz (flutter) vs 1-30 Hz."""
        env = np.abs(x)[: x.shape[0] // 48 * 48].reshape(-1, 48).mean(axis=1)  # 1 kHz rate
        spec = np.abs(np.fft.rfft(env - env.mean())) ** 2
        hz = np.fft.rfftfreq(env.shape[0], 1e-3)
        return float(spec[(hz >= 30) & (hz < 150)].sum() / spec[(hz >= 1) & (hz < 30)].sum())

    assert roughness(scream) > 2 * roughness(render("shout", 2.0, voice="man"))

    def flutter_line(x: np.ndarray) -> float:
        """The strongest 30-150 Hz line of the envelope's spectrum over that band's mean."""
        env = np.abs(x)[: x.shape[0] // 48 * 48].reshape(-1, 48).mean(axis=1)
        spec = np.abs(np.fft.rfft(env - env.mean())) ** 2
        hz = np.fft.rfftfreq(env.shape[0], 1e-3)
        band = spec[(hz >= 30) & (hz < 150)]
        return float(band.max() / band.mean())

    # The roughness is chaotic (irregular fold motion), not one flutter rate: a regular flutter
    # makes the cry a groan.
    for seed in range(3):
        assert flutter_line(render("scream", 2.0, seed=seed)) < 15.0, seed


def band_db(x: np.ndarray, low: float, high: float) -> float:
    """Energy in a band (dB re the strongest third-octave band between 250 Hz and 3 kHz)."""
    power = np.abs(np.fft.rfft(x)) ** 2
    hz = np.fft.rfftfreq(x.shape[0], 1 / SR)
    centres = 250.0 * 2 ** (np.arange(12) / 3)
    ref = max(power[(hz >= c / 2 ** (1 / 6)) & (hz < c * 2 ** (1 / 6))].sum() for c in centres)
    width = np.log2(high / low) * 3  # in third octaves
    return float(10 * np.log10(power[(hz >= low) & (hz < high)].sum() / width / ref))


def test_voices_keep_the_highs_of_the_tract_above_its_fifth_formant() -> None:
    # The tract's resonances above F5 (and a bright, forced-air aspiration) keep a voice's
    # 5-8 kHz band within ~50 dB of its loudest band; a cascade cut at F5 left it 60-100 dB
    # down, muffled as if through a wall. Yet the air band is not white noise's flat top.
    for name in ("laugh", "shout", "dog_bark"):
        x = render(name, 1.2)
        assert band_db(x, 5000, 8000) > -50, name
        assert band_db(x, 5000, 8000) < band_db(white(1.2), 5000, 8000) - 8, name


def test_a_scream_is_breathy_not_a_pure_held_tone() -> None:
    # Forced air roars through the open glottis: noise fills the 1-5 kHz band between the
    # harmonics (a clean held tone there reads as an alarm), yet it is still no white noise.
    def flatness(x: np.ndarray) -> float:
        loud = frames(x)[level_db(x, FRAME) > -20]
        freqs = np.fft.rfftfreq(loud.shape[1], 1 / SR)
        power = np.abs(np.fft.rfft(loud * np.hanning(loud.shape[1]), axis=1)) ** 2
        band = power[:, (freqs > 1000) & (freqs < 5000)] + 1e-20
        return float(np.median(np.exp(np.log(band).mean(axis=1)) / band.mean(axis=1)))

    breathy = np.mean([flatness(render("scream", 2.0, seed=seed)) for seed in range(4)])
    assert 0.03 < breathy < 0.5 * flatness(white(2.0))


def test_laughter_is_irregular_calls_ending_in_a_long_gasp() -> None:
    laugh = render("laugh", 2.2, calls=6)
    loud = level_db(laugh, 0.02) > -20
    edges = np.flatnonzero(np.diff(np.r_[0, loud.astype(int), 0]) != 0)
    starts, lengths = edges[::2] * 0.02, (edges[1::2] - edges[::2]) * 0.02
    assert lengths.size >= 5
    # The intake of air that ends the bout is longer than any "ha" call before it.
    assert lengths[-1] > 1.5 * np.median(lengths[:-1])
    # Calls come irregularly and slow down as the breath runs out: no metronome.
    gaps = np.diff(starts[:-1])
    assert np.std(gaps) > 0.01 and gaps[-1] > gaps[0]
    assert white(2.2).std() > 0 and np.all(level_db(white(2.2), 0.02) > -20)  # noise: no calls
