"""What the picture does: shot cuts, motion energy per frame, and motion onsets.

A cut is a frame whose content change (luma histogram and pixel difference together) stands far
above its neighbours' (an adaptive threshold, as PySceneDetect's adaptive detector does), so a
camera pan or a moving object does not read as a cut while a cut between similar shots still
does. Motion is the mean absolute frame difference, median-filtered so that duplicated frames
(a 24 fps source in 30 fps) do not flicker, then normalised per shot. An onset is where a shot's
motion rises out of rest: hysteresis between a low and a high threshold, with an absolute floor
so that a static shot's noise never triggers one. A camera move (the whole picture shifting) is
told apart by phase correlation and taken out of the motion, so a pan is not an event.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

HIST_BINS = 32
CUT_MIN_SCORE = 0.12  # content change a cut needs at least (0..1)
CUT_RATIO = 3.0  # ... and this many times its neighbours' mean change
CUT_WINDOW = 2  # neighbours on each side
MIN_SHOT_S = 0.3
MOTION_FLOOR = 0.6  # mean |diff| (0..255 luma) below which nothing moves (codec noise)
ONSET_HIGH, ONSET_LOW = 0.35, 0.12  # of the shot's motion scale
REST_FRAMES = 3  # frames below ONSET_LOW before a new onset counts
CAMERA_RESIDUAL = 0.4  # a shift explaining all but this much of a frame's change is the camera
CAMERA_SPREAD = 0.3  # ... when at least this share of the picture changed
CHANGED_LEVEL = 8.0  # luma steps (0..255) that count as a changed pixel


@dataclass(frozen=True)
class Picture:
    """The analysis of a video's picture, frame-indexed at `fps`."""

    fps: float
    frames: int
    cuts: tuple[int, ...]  # first frame of every shot after the first
    motion: np.ndarray  # per frame, normalised per shot (0 at rest, ~1 at the shot's busiest)
    raw_motion: np.ndarray  # per frame, mean |luma difference| (0..255)
    onsets: tuple[int, ...]  # frames where motion starts
    camera: np.ndarray  # per frame: the camera moved (a pan or tilt), not an object

    @property
    def shots(self) -> tuple[tuple[int, int], ...]:
        """[start, end) frames of every shot."""
        edges = (0, *self.cuts, self.frames)
        return tuple(itertools.pairwise(edges))

    def time_s(self, frame: int) -> float:
        """When a frame is shown, seconds from the start."""
        return frame / self.fps


def analyse_picture(frames: Iterable[np.ndarray], fps: float) -> Picture:
    """Cuts, motion and onsets from luma frames in order."""
    change, diff, camera = [], [], []
    previous, previous_hist = None, None
    for frame in frames:
        hist = np.histogram(frame, bins=HIST_BINS, range=(0.0, 256.0))[0] / frame.size
        if previous is None:
            change.append(0.0)
            diff.append(0.0)
            camera.append(False)
        else:
            pixels = float(np.mean(np.abs(frame - previous)))
            residual, moved = _object_motion(previous, frame, pixels)
            diff.append(residual)
            camera.append(moved)
            change.append(0.5 * pixels / 255.0 + 0.25 * float(np.abs(hist - previous_hist).sum()))
        previous, previous_hist = frame, hist
    change_a, diff_a = np.asarray(change), np.asarray(diff)
    cuts = detect_cuts(change_a, fps)
    motion_raw = _motion(diff_a, cuts)
    motion = _normalise_per_shot(motion_raw, cuts)
    onsets = detect_onsets(motion, motion_raw, cuts)
    return Picture(fps, change_a.shape[0], cuts, motion, motion_raw, onsets, np.asarray(camera))


def _object_motion(previous: np.ndarray, frame: np.ndarray, pixels: float) -> tuple[float, bool]:
    """The frame's object motion and whether the camera moved: phase correlation finds the
    whole picture's shift (cheap at 160 x 90); when that shift explains most of a change spread
    over the picture, it was a pan or tilt, and the frame's object motion is taken as none."""
    if pixels < MOTION_FLOOR:
        return pixels, False
    # A camera move changes most of the picture; an object, its own part of it.
    if float(np.mean(np.abs(frame - previous) > CHANGED_LEVEL)) < CAMERA_SPREAD:
        return pixels, False
    cross = np.fft.rfft2(frame) * np.conj(np.fft.rfft2(previous))
    surface = np.fft.irfft2(cross / np.maximum(np.abs(cross), 1e-9), s=frame.shape)
    dy, dx = np.unravel_index(int(np.argmax(surface)), surface.shape)
    dy = dy - frame.shape[0] if dy > frame.shape[0] // 2 else dy
    dx = dx - frame.shape[1] if dx > frame.shape[1] // 2 else dx
    if dy == 0 and dx == 0:
        return pixels, False
    shifted = np.roll(previous, (dy, dx), axis=(0, 1))
    margin = (slice(abs(dy), frame.shape[0] - abs(dy)), slice(abs(dx), frame.shape[1] - abs(dx)))
    residual = float(np.mean(np.abs(frame[margin] - shifted[margin])))
    if residual < CAMERA_RESIDUAL * pixels:
        # The camera's move: what is left is mostly resampling and codec noise, not a thing
        # that moved, so it counts as no motion (a thing starting to move mid-pan goes unseen).
        return 0.0, True
    return pixels, False


def detect_cuts(change: np.ndarray, fps: float) -> tuple[int, ...]:
    """Frames whose content change is a local peak well above its neighbours'."""
    cuts: list[int] = []
    min_gap = max(1, round(MIN_SHOT_S * fps))
    for i in range(1, change.shape[0]):
        lo, hi = max(1, i - CUT_WINDOW), min(change.shape[0], i + CUT_WINDOW + 1)
        around = np.r_[change[lo:i], change[i + 1 : hi]]
        local = float(around.mean()) if around.size else 0.0
        if change[i] < CUT_MIN_SCORE or change[i] < CUT_RATIO * max(local, 1e-3):
            continue
        if cuts and i - cuts[-1] < min_gap:
            if change[i] > change[cuts[-1]]:
                cuts[-1] = i
            continue
        cuts.append(i)
    return tuple(cuts)


def _motion(diff: np.ndarray, cuts: tuple[int, ...]) -> np.ndarray:
    motion = diff.copy()
    for cut in cuts:  # a cut is not motion; hold the shot's first frame at its next value
        motion[cut] = motion[cut + 1] if cut + 1 < motion.shape[0] else 0.0
    motion[0] = motion[1] if motion.shape[0] > 1 else 0.0
    # Duplicated frames read as 0 between two doubled differences: a 3-tap median evens it.
    filtered = np.empty_like(motion)
    for lo, hi in _spans(cuts, motion.shape[0]):
        filtered[lo:hi] = ndimage.median_filter(motion[lo:hi], size=3, mode="nearest")
    return filtered


def _spans(cuts: tuple[int, ...], frames: int) -> list[tuple[int, int]]:
    edges = (0, *cuts, frames)
    return list(itertools.pairwise(edges))


def _normalise_per_shot(motion: np.ndarray, cuts: tuple[int, ...]) -> np.ndarray:
    out = np.zeros_like(motion)
    for lo, hi in _spans(cuts, motion.shape[0]):
        shot = motion[lo:hi]
        rest = float(np.percentile(shot, 10))
        scale = float(np.percentile(shot, 98)) - rest
        if scale > MOTION_FLOOR:
            out[lo:hi] = np.clip((shot - rest) / scale, 0.0, None)
    return out


def detect_onsets(motion: np.ndarray, raw: np.ndarray, cuts: tuple[int, ...]) -> tuple[int, ...]:
    """Frames where a shot's motion rises from rest past ONSET_HIGH (and above the floor)."""
    onsets: list[int] = []
    for lo, hi in _spans(cuts, motion.shape[0]):
        resting, start = REST_FRAMES, lo  # a shot starts at rest
        for i in range(lo, hi):
            if motion[i] <= ONSET_LOW or raw[i] < MOTION_FLOOR:
                resting, start = resting + 1, i + 1
                continue
            if motion[i] >= ONSET_HIGH:
                # The onset is where the rise left rest, not where it crossed the threshold.
                if resting >= REST_FRAMES and start > lo:
                    onsets.append(start)
                resting = 0
    return tuple(onsets)
