"""The dub's picture: a strip of frames with the cuts and motion onsets, over the spectrogram."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from soundloom.spectrogram import spectrogram_db
from soundloom_server.engine.dub.picture import Picture

THUMB = (96, 54)  # width, height of a frame in the strip
STRIP_FRAMES = 12


def _thumbnails(video: Path, indices: list[int]) -> dict[int, np.ndarray]:
    import av

    wanted, out = set(indices), {}
    with av.open(str(video)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i in wanted:
                small = frame.reformat(width=THUMB[0], height=THUMB[1], format="rgb24")
                out[i] = small.to_ndarray()
            if len(out) == len(wanted):
                break
    return out


def write_dub_picture(
    path: Path, video: Path, picture: Picture, audio: np.ndarray, sample_rate: int, title: str
) -> None:
    """Save a PNG: frames along time (cuts red, onsets yellow), motion, and the spectrogram."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    duration = picture.frames / picture.fps
    indices = sorted(
        {int(i) for i in np.linspace(0, picture.frames - 1, STRIP_FRAMES)} | set(picture.cuts)
    )
    thumbs = _thumbnails(video, indices)
    fig, (strip, motion, spec) = plt.subplots(
        3, 1, figsize=(14, 7), sharex=True, gridspec_kw={"height_ratios": [1, 0.6, 2]}
    )
    width = duration / STRIP_FRAMES
    for index, image in thumbs.items():
        at = picture.time_s(index)
        strip.imshow(image, extent=(at, at + width * 0.95, 0, 1), aspect="auto")
    strip.set_ylim(0, 1)
    strip.set_yticks([])
    strip.set_title(title[:120] or "Soundloom dub")
    times = np.arange(picture.frames) / picture.fps
    motion.plot(times, picture.motion, color="#2a6f97", linewidth=0.8)
    motion.set_ylabel("motion")
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    freqs, seconds, power = spectrogram_db(mono, sample_rate)
    top = float(power.max())
    spec.pcolormesh(seconds, freqs, power, shading="auto", cmap="magma", vmin=top - 90, vmax=top)
    spec.set_yscale("symlog", linthresh=200)
    spec.set_ylim(20, sample_rate / 2)
    spec.set_ylabel("Hz")
    spec.set_xlabel("seconds")
    for ax in (strip, motion, spec):
        for cut in picture.cuts:
            ax.axvline(picture.time_s(cut), color="#e63946", linewidth=1.2)
        for onset in picture.onsets:
            ax.axvline(picture.time_s(onset), color="#e9c46a", linewidth=0.8, linestyle="--")
    spec.set_xlim(0, duration)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
