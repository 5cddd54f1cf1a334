"""A picture of a scene: waveform and spectrogram with the plan's events marked on both."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from soundloom_server.engine.plan import EventKind, ScenePlan


def spectrogram_db(mono: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(frequencies, times, power in dB) of a mono signal, 2048-point frames half overlapped."""
    from scipy.signal import spectrogram

    nperseg = 2048 if sample_rate >= 32000 else 1024
    freqs, times, power = spectrogram(mono, sample_rate, nperseg=nperseg, noverlap=nperseg // 2)
    return freqs, times, 10.0 * np.log10(power + 1e-12)


def write_spectrogram(path: Path, audio: np.ndarray, sample_rate: int, plan: ScenePlan) -> None:
    """Save a PNG: waveform on top, log-power spectrogram below, events as spans and lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    seconds = np.arange(mono.shape[0]) / sample_rate
    fig, (wave_ax, spec_ax) = plt.subplots(
        2, 1, figsize=(14, 7), sharex=True, gridspec_kw={"height_ratios": [1, 2]}
    )
    step = max(1, mono.shape[0] // 20000)  # enough points for the eye, few for the file
    wave_ax.plot(seconds[::step], mono[::step], linewidth=0.4, color="#2a6f97")
    wave_ax.set_ylim(-1, 1)
    wave_ax.set_ylabel("amplitude")
    wave_ax.set_title(plan.description[:120] or "Soundloom scene")
    freqs, times, power_db = spectrogram_db(mono, sample_rate)
    vmax = float(power_db.max())
    spec_ax.pcolormesh(
        times, freqs, power_db, shading="auto", cmap="magma", vmin=vmax - 90, vmax=vmax
    )
    spec_ax.set_yscale("symlog", linthresh=200)
    spec_ax.set_ylim(20, sample_rate / 2)
    spec_ax.set_ylabel("Hz")
    spec_ax.set_xlabel("seconds")
    for row, event in enumerate(plan.events):
        if event.kind is EventKind.AMBIENCE:
            wave_ax.axvspan(event.start_s, event.end_s, color=f"C{row % 10}", alpha=0.08)
            wave_ax.text(
                event.start_s, 0.9 - 0.15 * (row % 4), event.id, fontsize=7, color=f"C{row % 10}"
            )
        else:
            for ax in (wave_ax, spec_ax):
                ax.axvline(event.start_s, color="#e9c46a", linewidth=0.8, alpha=0.9)
            spec_ax.text(
                event.start_s,
                sample_rate / 2 * 0.6,
                event.id,
                rotation=90,
                fontsize=7,
                color="white",
                va="top",
            )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
