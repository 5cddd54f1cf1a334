"""Mixing: place rendered clips on the timeline, duck beds under one-shots, add the scene reverb.

Beds (ambience) and one-shots (sfx) go to separate stems; ducking and reverb act per stem, so the
stems always sum to the mix. Under a one-shot the beds duck a few dB as a whole and, in the bands
where the one-shot sounds, a few more (a pocket carved by a dynamic EQ keyed by its spectrum).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import fft as scipy_fft
from scipy import ndimage, signal

from soundloom_server.engine import automation, reverb
from soundloom_server.engine import loudness as lm
from soundloom_server.engine.audio import Clip, ClipPiece, as_channels, seconds_to_frames
from soundloom_server.engine.cancellation import raise_if_cancelled
from soundloom_server.engine.plan import Event, EventKind, ScenePlan

STEMS = ("ambience", "sfx")
# Reverb sends: one-shots sit in the space; beds are mostly already diffuse recordings of it.
SENDS = {"ambience": 0.5, "sfx": 1.0}
DUCK_BLOCK_S = 0.001  # side-chain control rate
DUCK_ATTACK_S = 0.010
DUCK_RELEASE_S = 0.600
DUCK_MAX_DB = 9.0
DUCK_KNEE_DB = 12.0  # full reduction when the one-shot is this far above the bed
DUCK_BED_WINDOW_S = 0.4  # the bed's level is its mean power over this window
# Renderers put a default one-shot's loudest moment near -21 LUFS and a default bed near -31;
# several beds at once add up. When a scene has one-shots, the beds together are brought down
# to at most this (by up to BED_BUS_MAX_CUT_DB), so the foreground stays ~13 LU over them (at
# 10 a steady broadband bed such as rain still masked a walk's steps between the ducks).
BED_BUS_LUFS = -34.0
BED_BUS_MAX_CUT_DB = 12.0
# Spectral carving: on top of the broadband duck, the beds make a pocket in the bands where a
# one-shot sounds (a dynamic EQ keyed by the one-shot's own spectrum), so a broadband bed (rain)
# stops masking the one-shot's band while the rest of the bed carries on. Third-octave bands;
# the pocket opens a little ahead of the onset, holds through a gesture's gaps (the steps of a
# walk) and closes slowly.
CARVE_MAX_DB = 9.0
CARVE_KNEE_DB = 12.0  # full pocket when the one-shot's band is this far over the bed's
CARVE_FFT = 1024
CARVE_HOP = 512
CARVE_BLOCK_FRAMES = 2048  # ~22 s of spectra at a time (a few MB)
CARVE_LOOKAHEAD_S = 0.010
CARVE_HOLD_S = 0.30
CARVE_RELEASE_S = 0.80  # CARVE_MAX_DB back to nothing
CARVE_BANDS_PER_OCTAVE = 3
CARVE_LOW_HZ = 40.0
CARVE_MIN_DB = 0.5  # a shallower pocket (a one-shot under the bed, by chance) is not cut


@dataclass(frozen=True)
class MixResult:
    """The mix and its stems ("ambience", "sfx"); the stems sum to the mix."""

    mix: np.ndarray
    stems: dict[str, np.ndarray]


# ---------------------------------------------------------------- placement


def pan_gains(pan: float, source_channels: int) -> np.ndarray:
    """Equal-power (L, R) gains: mono sources pan (centre -3 dB), stereo ones balance (centre 1)."""
    theta = (min(max(pan, -1.0), 1.0) + 1.0) * math.pi / 4.0
    gains = np.array([math.cos(theta), math.sin(theta)])
    if source_channels == 1:
        return gains
    # Balance: the near side stays at unity, the far side follows the equal-power law.
    return np.minimum(gains * math.sqrt(2.0), 1.0)


def fade_curve(t: np.ndarray, kind: EventKind) -> np.ndarray:
    """Fade-in gain at t in [0, 1]: equal-power for beds (crossfades), raised-cosine otherwise."""
    if kind == EventKind.AMBIENCE:
        return np.sin(0.5 * np.pi * t)
    return 0.5 - 0.5 * np.cos(np.pi * t)


def _fade_envelope(
    event: Event, lo: int, hi: int, event_frames: int, sample_rate: int
) -> np.ndarray:
    k = np.arange(lo, hi, dtype=np.float64)
    env = np.ones(hi - lo)
    fade_in = min(seconds_to_frames(event.fade_in_s, sample_rate), event_frames)
    fade_out = min(seconds_to_frames(event.fade_out_s, sample_rate), event_frames)
    if fade_in:
        env *= fade_curve(np.clip(k / fade_in, 0.0, 1.0), event.kind)
    if fade_out:
        env *= fade_curve(np.clip((event_frames - 1 - k) / fade_out, 0.0, 1.0), event.kind)
    return env


def _place(
    target: np.ndarray,
    event: Event,
    samples: np.ndarray,
    sample_rate: int,
    offset: int = 0,
    origin: int = 0,
) -> None:
    """Add the event's frames [offset, offset + len) into `target`, whose frame 0 is `origin`."""
    total, channels = target.shape
    start = seconds_to_frames(event.start_s, sample_rate) + offset - origin
    event_frames = seconds_to_frames(event.duration_s, sample_rate)
    samples = np.asarray(samples, dtype=np.float32)
    samples = samples[:, None] if samples.ndim == 1 else samples
    length = min(samples.shape[0], event_frames - offset, total - start)
    if length <= 0:
        return
    if channels == 1:
        source = as_channels(samples[:length], 1)
        coeffs = np.ones(1)
    else:
        source = samples[:length] if samples.shape[1] == 2 else as_channels(samples[:length], 1)
        coeffs = pan_gains(event.pan, source.shape[1])
    coeffs = (coeffs * 10.0 ** (event.gain_db / 20.0)).astype(np.float32)
    if channels == 2 and event.automation.pan:
        _place_panned(target, event, source, start, offset, event_frames, sample_rate)
        return
    # Only the fade regions need a per-frame envelope; the body is one scaled add. Bounds are
    # the event's own frames, so a piece of a long bed gets only the fades that fall in it.
    head = seconds_to_frames(event.fade_in_s, sample_rate)
    tail = max(event_frames - seconds_to_frames(event.fade_out_s, sample_rate), head)
    end = offset + length
    for lo, hi in (
        (offset, min(head, end)),
        (max(head, offset), min(tail, end)),
        (max(tail, offset), end),
    ):
        if hi <= lo:
            continue
        into = target[start + lo - offset : start + hi - offset]
        part = source[lo - offset : hi - offset]
        if (lo, hi) == (max(head, offset), min(tail, end)) and part.shape[1] == into.shape[1]:
            # The body (most of a bed): scaled adds per channel, no temporary buffer.
            for ch in range(into.shape[1]):
                into[:, ch] += part[:, ch] * coeffs[ch]
            continue
        chunk = part * coeffs
        if hi <= head or lo >= tail:
            envelope = _fade_envelope(event, lo, hi, event_frames, sample_rate)
            chunk *= envelope.astype(np.float32)[:, None]
        into += chunk


def _place_panned(
    target: np.ndarray,
    event: Event,
    source: np.ndarray,
    start: int,
    offset: int,
    event_frames: int,
    sample_rate: int,
) -> None:
    """Place a clip whose pan moves: per-frame equal-power gains from the pan curve."""
    length = source.shape[0]
    gains = automation.pan_gains_over(event, event_frames, source.shape[1], offset, offset + length)
    assert gains is not None
    gains = gains * np.float32(10.0 ** (event.gain_db / 20.0))
    env = _fade_envelope(event, offset, offset + length, event_frames, sample_rate)
    if source.shape[1] == 1:
        source = np.repeat(source, 2, axis=1)
    target[start : start + length] += source * gains * env.astype(np.float32)[:, None]


# ---------------------------------------------------------------- ducking


POWER_CHUNK = 1 << 20  # frames squared at once when measuring a long bed


def _block_power(audio: np.ndarray, block: int) -> np.ndarray:
    """Mean power over channels of every `block` frames (the last block zero-padded)."""
    frames, channels = audio.shape
    blocks = -(-frames // block)
    out = np.zeros(blocks)
    step = (POWER_CHUNK // block) * block
    for lo in range(0, frames, step):
        part = audio[lo : lo + step]
        n = -(-part.shape[0] // block)
        power = np.zeros(n * block, dtype=np.float32)
        for ch in range(channels):
            power[: part.shape[0]] += np.square(part[:, ch])
        out[lo // block : lo // block + n] = power.reshape(n, block).mean(axis=1, dtype=np.float64)
    return out / channels


@dataclass
class SparseTrack:
    """Audio that exists only in places (the one-shots): sorted, disjoint (start, samples)."""

    frames: int
    channels: int
    regions: list[tuple[int, np.ndarray]] = field(default_factory=list)

    def span(self, start: int, length: int) -> tuple[np.ndarray, int]:
        """A writable buffer covering frames [start, start + length), and the frame it starts at."""
        start, stop = max(start, 0), min(start + length, self.frames)
        if stop <= start:  # nothing of it inside the scene
            return np.zeros((0, self.channels), dtype=np.float32), start
        hit = [r for r in self.regions if r[0] < stop and start < r[0] + r[1].shape[0]]
        if len(hit) == 1 and hit[0][0] <= start and stop <= hit[0][0] + hit[0][1].shape[0]:
            return hit[0][1], hit[0][0]
        lo = min([start] + [r[0] for r in hit])
        hi = max([stop] + [r[0] + r[1].shape[0] for r in hit])
        merged = np.zeros((max(hi - lo, 0), self.channels), dtype=np.float32)
        for at, data in hit:
            merged[at - lo : at - lo + data.shape[0]] += data
        self.regions = sorted([r for r in self.regions if r not in hit] + [(lo, merged)], key=_at)
        return merged, lo

    def block_power(self, block: int) -> np.ndarray:
        """`_block_power` of the whole track (zeros where nothing sounds)."""
        out = np.zeros(-(-self.frames // block))
        for at, data in self.regions:
            first, pad = divmod(at, block)
            padded = np.zeros((pad + data.shape[0], self.channels), dtype=np.float32)
            padded[pad:] = data
            power = _block_power(padded, block)
            out[first : first + power.shape[0]] += power[: out.shape[0] - first]
        return out

    def add_into(self, target: np.ndarray, scale: float = 1.0) -> None:
        """Add the track (times `scale`) into a dense buffer of the same frames."""
        for at, data in self.regions:
            target[at : at + data.shape[0]] += data if scale == 1.0 else data * np.float32(scale)

    def slice_mid(self, lo: int, hi: int) -> np.ndarray:
        """The channel mean over frames [lo, hi) (zeros where nothing sounds)."""
        out = np.zeros(hi - lo, dtype=np.float32)
        for at, data in self.regions:
            a, b = max(at, lo), min(at + data.shape[0], hi)
            if b > a:
                part = data[a - at : b - at]
                if part.shape[1] == 2:  # the mean of two channels, without a reduction
                    out[a - lo : b - lo] += (part[:, 0] + part[:, 1]) * np.float32(0.5)
                else:
                    out[a - lo : b - lo] += part.mean(axis=1)
        return out

    def any(self) -> bool:
        """Whether any region holds a non-zero sample."""
        return any(data.any() for _, data in self.regions)


def _at(region: tuple[int, np.ndarray]) -> int:
    return region[0]


def duck_gain(ambience: np.ndarray, sfx: SparseTrack, sample_rate: int) -> np.ndarray | None:
    """Control-rate bed gain (one value per `DUCK_BLOCK_S`), or None when nothing ducks."""
    block = max(1, round(DUCK_BLOCK_S * sample_rate))
    key = sfx.block_power(block)
    if not key.any() or not ambience.any():
        return None
    window = max(1, round(DUCK_BED_WINDOW_S / DUCK_BLOCK_S))
    # The bed's level only matters where a one-shot sounds (plus the averaging window).
    active = np.flatnonzero(key)
    lo_b, hi_b = max(int(active[0]) - window, 0), min(int(active[-1]) + window + 1, key.shape[0])
    bed = np.zeros_like(key)
    bed[lo_b:hi_b] = _block_power(ambience[lo_b * block : hi_b * block], block)[: hi_b - lo_b]
    bed = ndimage.uniform_filter1d(bed, window)
    # Side chain: a one-pole (10 ms) on the one-shots' power; the reduction it asks for is held
    # and released at a steady DUCK_MAX_DB per DUCK_RELEASE_S, then its corners are rounded.
    pole = math.exp(-DUCK_BLOCK_S / DUCK_ATTACK_S)
    level = signal.lfilter([1.0 - pole], [1.0, -pole], key)
    with np.errstate(divide="ignore", invalid="ignore"):
        over_db = 10.0 * np.log10(np.maximum(level, 1e-20) / np.maximum(bed, 1e-20))
    # Threshold at the bed's own level, smooth knee: a one-shot under the bed does nothing.
    t = np.clip(over_db / DUCK_KNEE_DB, 0.0, 1.0)
    wanted = DUCK_MAX_DB * t * t * (3.0 - 2.0 * t)
    ramp = np.arange(wanted.shape[0]) * (DUCK_MAX_DB * DUCK_BLOCK_S / DUCK_RELEASE_S)
    held = np.maximum.accumulate(wanted + ramp) - ramp
    reduction = signal.lfilter([1.0 - pole], [1.0, -pole], np.maximum(held, 0.0))
    reduction[reduction < 1e-4] = 0.0
    if not reduction.any():
        return None
    return 10.0 ** (-reduction / 20.0)


def _carve_bands(sample_rate: int) -> np.ndarray:
    """The band of every FFT bin (third octaves from CARVE_LOW_HZ; below it, band 0)."""
    freqs = np.fft.rfftfreq(CARVE_FFT, 1.0 / sample_rate)
    octaves = np.log2(np.maximum(freqs, CARVE_LOW_HZ) / CARVE_LOW_HZ)
    bands = np.floor(octaves * CARVE_BANDS_PER_OCTAVE).astype(np.int64)
    return np.unique(bands, return_inverse=True)[1]  # numbered without empty bands


def _power(spec: np.ndarray) -> np.ndarray:
    """|spec|^2 without the square root of abs."""
    return np.square(spec.real) + np.square(spec.imag)


def _carve_segments(sfx: SparseTrack, sample_rate: int) -> list[tuple[int, int]]:
    """Where the beds may be carved: each one-shot region, a little before it, its release after."""
    before = round((CARVE_LOOKAHEAD_S + 0.05) * sample_rate)
    after = round((CARVE_HOLD_S + CARVE_RELEASE_S + 0.1) * sample_rate)
    spans: list[tuple[int, int]] = []
    for at, data in sfx.regions:
        if not data.any():
            continue
        lo, hi = max(at - before, 0), min(at + data.shape[0] + after, sfx.frames)
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], hi))
        elif hi > lo:
            spans.append((lo, hi))
    return spans


def carve_pocket_db(key: np.ndarray, bed: np.ndarray, frame_s: float) -> np.ndarray:
    """(frames, bands) bed reduction in dB from the one-shot's and the bed's band powers.

    Threshold at the bed's own band level, a smooth knee to CARVE_MAX_DB; the pocket opens at
    once (the caller looks ahead), holds CARVE_HOLD_S and closes at CARVE_MAX_DB per
    CARVE_RELEASE_S, its corners rounded; neighbouring bands share it (no narrow notches).
    """
    window = max(1, round(DUCK_BED_WINDOW_S / frame_s))
    bed = ndimage.uniform_filter1d(bed, window, axis=0, mode="nearest")
    pole = math.exp(-frame_s / DUCK_ATTACK_S)
    key = signal.lfilter([1.0 - pole], [1.0, -pole], key, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        over_db = 10.0 * np.log10(np.maximum(key, 1e-20) / np.maximum(bed, 1e-20))
    t = np.clip(over_db / CARVE_KNEE_DB, 0.0, 1.0)
    wanted = CARVE_MAX_DB * t * t * (3.0 - 2.0 * t)
    wanted = ndimage.uniform_filter1d(wanted, 3, axis=1, mode="nearest")
    hold = max(1, round(CARVE_HOLD_S / frame_s))
    wanted = ndimage.maximum_filter1d(wanted, hold, axis=0, origin=(hold - 1) // 2, mode="nearest")
    ramp = (np.arange(wanted.shape[0]) * (CARVE_MAX_DB * frame_s / CARVE_RELEASE_S))[:, None]
    held = np.maximum.accumulate(wanted + ramp, axis=0) - ramp
    pocket = signal.lfilter([1.0 - pole], [1.0, -pole], np.maximum(held, 0.0), axis=0)
    # A pocket, not a second duck: what every band would lose (a broadband one-shot) is the
    # broadband duck's job, so only the shape above the shallowest band is carved.
    return pocket - pocket.min(axis=1, keepdims=True)


def carve_beds(ambience: np.ndarray, sfx: SparseTrack, sample_rate: int) -> None:
    """Cut a pocket in the beds where each one-shot's spectrum stands over theirs (in place).

    Spectra are taken CARVE_BLOCK_FRAMES frames at a time, for the band levels and again for
    the carving, so a long stretch of one-shots (a walk, a storm) costs a few MB, not its whole
    complex spectrum per channel (~0.4 GB for 300 s). The result is the same to the bit: each
    output sample is the sum of exactly two windowed frames, whichever block each came from.
    """
    if not sfx.any() or not ambience.any():
        return
    bands = _carve_bands(sample_rate)
    # Bands are runs of neighbouring bins: a band's power is a sum over its run.
    starts = np.flatnonzero(np.diff(bands, prepend=-1))
    widths = np.diff(np.append(starts, bands.shape[0])).astype(np.float32)

    def to_bands(spec: np.ndarray) -> np.ndarray:
        return np.add.reduceat(_power(spec), starts, axis=1) / widths

    hop_s = CARVE_HOP / sample_rate
    ahead = round(CARVE_LOOKAHEAD_S / hop_s)
    window = signal.windows.hann(CARVE_FFT, sym=False).astype(np.float32)
    for lo, hi in _carve_segments(sfx, sample_rate):
        raise_if_cancelled()
        bed = ambience[lo:hi]
        if not bed.any():
            continue
        key = _band_levels(_Framed(sfx.slice_mid(lo, hi)), window, to_bands).astype(np.float64)
        channels = [_Framed(np.ascontiguousarray(bed[:, ch])) for ch in range(bed.shape[1])]
        level = sum(_band_levels(c, window, to_bands) for c in channels) / len(channels)
        pocket = carve_pocket_db(key, level.astype(np.float64), hop_s)
        if ahead:  # open ahead of the onset: the reduction of frame n + ahead at frame n
            pocket = np.concatenate([pocket[ahead:], np.repeat(pocket[-1:], ahead, axis=0)])
        if float(pocket.max()) < CARVE_MIN_DB:
            continue
        for ch, framed in enumerate(channels):
            bed[:, ch] = _carved(framed, pocket, bands, window, hi - lo)


class _Framed:
    """A 1-D signal framed every CARVE_HOP (zero-padded a frame each end, so every sample lies
    under a full set of frames), whose frames' spectra are taken a block at a time."""

    def __init__(self, x: np.ndarray):
        pad = np.zeros(CARVE_FFT, np.float32)
        padded = np.concatenate([pad, x, pad])
        self.count = (padded.shape[0] - CARVE_FFT) // CARVE_HOP + 1
        self.frames = np.lib.stride_tricks.sliding_window_view(padded, CARVE_FFT)[::CARVE_HOP]

    def blocks(self) -> Iterator[tuple[int, int]]:
        """(first, end) frame ranges of CARVE_BLOCK_FRAMES."""
        for first in range(0, self.count, CARVE_BLOCK_FRAMES):
            yield first, min(first + CARVE_BLOCK_FRAMES, self.count)

    def spectrum(self, first: int, end: int, window: np.ndarray) -> np.ndarray:
        """(end - first, bins) spectra of those frames."""
        return scipy_fft.rfft(self.frames[first:end] * window, axis=1)


def _band_levels(
    framed: _Framed, window: np.ndarray, to_bands: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """(frames, bands) band powers of every frame, a block of spectra at a time."""
    return np.concatenate(
        [to_bands(framed.spectrum(a, b, window)) for a, b in framed.blocks()], axis=0
    )


def _carved(
    framed: _Framed, pocket: np.ndarray, bands: np.ndarray, window: np.ndarray, length: int
) -> np.ndarray:
    """The signal with `pocket` (frames, bands, dB) taken out, by weighted overlap-add (exact
    where the gain is 1: the window-square sum that normalises a sample repeats every hop)."""
    total = (framed.count - 1) * CARVE_HOP + CARVE_FFT
    out = np.zeros(total, np.float32)
    step = CARVE_FFT // CARVE_HOP
    for first, end in framed.blocks():
        gain = (10.0 ** (-pocket[first:end] / 20.0)).astype(np.float32)[:, bands]
        spec = framed.spectrum(first, end, window) * gain
        frames = scipy_fft.irfft(spec, n=CARVE_FFT, axis=1).astype(np.float32) * window
        for k in range(step):  # frames of one parity do not overlap: each is one strided add
            g = first + (k - first) % step  # the block's first frame of parity k
            part = frames[g - first :: step]
            out[g * CARVE_HOP : g * CARVE_HOP + part.size] += part.ravel()
    norm = np.square(window).reshape(step, CARVE_HOP).sum(axis=0)
    out = out[CARVE_FFT : CARVE_FFT + length]
    out.reshape(-1)[: length - length % CARVE_HOP].reshape(-1, CARVE_HOP)[:] /= norm
    out[length - length % CARVE_HOP :] /= norm[: length % CARVE_HOP]
    return out


def _apply_control_gain(audio: np.ndarray, gain: np.ndarray, block: int) -> None:
    active = np.flatnonzero(gain < 1.0 - 1e-7)
    if active.size == 0:
        return
    gain = np.append(gain, gain[-1]).astype(np.float32)
    ramp = np.arange(block, dtype=np.float32) / block
    step = max(POWER_CHUNK // block, 1)
    # Linear interpolation between block values keeps the gain free of steps.
    for lo_b in range(int(active[0]), int(active[-1]) + 1, step):
        hi_b = min(lo_b + step, int(active[-1]) + 1)
        frames = (
            gain[lo_b:hi_b, None] + (gain[lo_b + 1 : hi_b + 1] - gain[lo_b:hi_b])[:, None] * ramp
        ).ravel()
        lo, hi = lo_b * block, min(hi_b * block, audio.shape[0])
        audio[lo:hi] *= frames[: hi - lo, None]


# ---------------------------------------------------------------- scene


@dataclass
class MixBus:
    """A scene being mixed: the beds in one buffer, the one-shots where they sound."""

    plan: ScenePlan
    sample_rate: int
    ambience: np.ndarray
    sfx: SparseTrack


def new_bus(plan: ScenePlan, sample_rate: int, channels: int) -> MixBus:
    """An empty bus as long as the plan."""
    if channels not in (1, 2):
        raise ValueError(f"channels must be 1 or 2, got {channels}")
    total = seconds_to_frames(plan.duration_s, sample_rate)
    ambience = np.zeros((total, channels), dtype=np.float32)
    return MixBus(plan, sample_rate, ambience, SparseTrack(total, channels))


def place_piece(bus: MixBus, index: int, piece: ClipPiece) -> None:
    """Add one rendered piece of `plan.events[index]` to the bus (gain, pan, fades, motion)."""
    event = bus.plan.events[index]
    sr = bus.sample_rate
    samples = piece.samples
    if event.automation.distance or event.automation.gain_db:
        frames = seconds_to_frames(event.duration_s, sr)
        samples = automation.apply_motion(samples, event, sr, piece.offset, frames)
    if event.kind == EventKind.AMBIENCE:
        _place(bus.ambience, event, samples, sr, piece.offset)
        return
    start = seconds_to_frames(event.start_s, sr) + piece.offset
    length = min(samples.shape[0], seconds_to_frames(event.duration_s, sr) - piece.offset)
    region, origin = bus.sfx.span(start, length)
    _place(region, event, samples, sr, piece.offset, origin)


def place_clip(bus: MixBus, index: int, clip: Clip) -> None:
    """Add a whole rendered clip of `plan.events[index]` to the bus."""
    if clip.sample_rate != bus.sample_rate:
        raise ValueError(
            f"events[{index}] clip is at {clip.sample_rate} Hz, the mix at {bus.sample_rate} Hz"
        )
    place_piece(bus, index, ClipPiece(0, clip.samples))


def _level_bed_bus(ambience: np.ndarray, sfx: SparseTrack, sample_rate: int) -> None:
    """Bring the beds' sum down to BED_BUS_LUFS when one-shots must sound over it."""
    if not sfx.any() or not ambience.any():
        return
    level = lm.loudness_in_chunks(ambience, sample_rate)
    if not math.isfinite(level) or level <= BED_BUS_LUFS:
        return
    cut = min(level - BED_BUS_LUFS, BED_BUS_MAX_CUT_DB)
    scale = np.float32(10.0 ** (-cut / 20.0))
    for lo in range(0, ambience.shape[0], POWER_CHUNK):
        ambience[lo : lo + POWER_CHUNK] *= scale


def finish_mix(bus: MixBus, seed: int, stems: bool = True) -> MixResult:
    """Duck and carve the beds under the one-shots, add the scene reverb: the mix (and stems).

    Without stems everything happens in the bed buffer, which becomes the mix: a scene costs one
    buffer of its length. Stems need two more (each stem, then their sum).
    """
    sr, env = bus.sample_rate, bus.plan.environment
    ambience, sfx = bus.ambience, bus.sfx
    _level_bed_bus(ambience, sfx, sr)
    gain = duck_gain(ambience, sfx, sr)
    carve_beds(ambience, sfx, sr)
    if gain is not None:
        _apply_control_gain(ambience, gain, max(1, round(DUCK_BLOCK_S * sr)))
    if not stems:
        sfx.add_into(ambience)  # the bed buffer is now the dry mix

        def send(lo: int, hi: int) -> np.ndarray:
            # 0.5 x beds + 1.0 x one-shots, from the dry mix (beds + one-shots)
            mid = ambience[lo:hi].mean(axis=1) * np.float32(SENDS["ambience"])
            mid += sfx.slice_mid(lo, hi) * np.float32(SENDS["sfx"] - SENDS["ambience"])
            return mid

        reverb.add_return(ambience, send, sr, env, seed)
        return MixResult(mix=ambience, stems={})
    dense = np.zeros_like(ambience)
    sfx.add_into(dense)
    out = {"ambience": ambience, "sfx": dense}
    for name, stem in out.items():
        if stem.any():
            level = SENDS[name]
            reverb.add_return(
                stem,
                lambda lo, hi, s=stem, g=level: s[lo:hi].mean(axis=1) * np.float32(g),
                sr,
                env,
                seed,
            )
    return MixResult(mix=ambience + dense, stems=out)


def mix_scene(
    plan: ScenePlan,
    clips: Mapping[str, Clip],
    sample_rate: int,
    channels: int,
    seed: int,
    stems: bool = True,
) -> MixResult:
    """Place every event's clip, duck beds under one-shots, add the scene reverb; stems + mix.

    With `stems=False` the reverb runs once on the summed sends (half the convolution work) and
    the result carries no stems.
    """
    bus = new_bus(plan, sample_rate, channels)
    for i, event in enumerate(plan.events):
        raise_if_cancelled()
        clip = clips.get(event.id)
        if clip is None:
            raise KeyError(f"events[{i}] ({event.id!r}) has no rendered clip")
        place_clip(bus, i, clip)
    return finish_mix(bus, seed, stems)
