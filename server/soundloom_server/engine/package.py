"""Package a mastered scene as files: main, segments, stems and a JSON sidecar, written atomically.

Loudness and true peak are measured again on each file as written (decoded), because lossy
encoding adds peaks; a file over the ceiling is re-encoded a little quieter.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from soundloom_server import ENGINE_VERSION
from soundloom_server.engine.audio import LoopPoints, Marker
from soundloom_server.engine.checksums import file_sha256
from soundloom_server.engine.encode import FORMAT_SUFFIX, encode, measure_file
from soundloom_server.engine.loudness import LoudnessReport, loudness_in_chunks
from soundloom_server.engine.pipeline import MasteredScene, ProgressFn
from soundloom_server.engine.plan import LOSSY_FORMATS, RenderOptions, to_dict
from soundloom_server.engine.segment import segment_bounds
from soundloom_server.engine.wav import needs_dither

LOUDNESS_AIM_LU = 0.1  # re-encode when the file as written is further than this off target
MAX_ENCODE_ROUNDS = 4
PEAK_MARGIN_DB = 0.05
# Vorbis lowers K-weighted loudness by 0.05-0.4 LU depending on the material. Encoding a few
# short excerpts first predicts it to within ~0.03 LU, so the main file is encoded once.
DRIFT_EXCERPTS = 3
DRIFT_EXCERPT_S = 3.0


@dataclass(frozen=True)
class OutputFile:
    """One file of an asset and what it holds."""

    path: Path
    role: str  # main | segment | stem | sidecar
    sha256: str
    size_bytes: int
    start_frame: int = 0
    frames: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (file name only, not the local path)."""
        return {
            "name": self.path.name,
            "role": self.role,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "start_frame": self.start_frame,
            "frames": self.frames,
        }


@dataclass(frozen=True)
class Asset:
    """A packaged scene: its files, the report measured on the main file, and its sidecar."""

    path: Path
    files: tuple[OutputFile, ...]
    report: LoudnessReport
    sidecar: dict[str, Any]

    @property
    def sidecar_path(self) -> Path:
        """Where the JSON sidecar was written."""
        return sidecar_path_for(self.path)


def sidecar_path_for(path: Path) -> Path:
    """`scene.ogg` -> `scene.ogg.json`."""
    return path.with_name(path.name + ".json")


def _read_umask() -> int:
    # Read once at import: os.umask can only be read by setting it, which races other threads.
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def _file_mode() -> int:
    return 0o666 & ~_UMASK


class _Staging:
    """Files written under temporary names, renamed into place only when all are done."""

    def __init__(self) -> None:
        self.pending: list[tuple[Path, Path]] = []

    def temp_for(self, final: Path) -> Path:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=final.suffix, dir=final.parent)
        os.close(fd)
        self.pending.append((Path(name), final))
        return Path(name)

    def commit(self) -> None:
        mode = _file_mode()
        for temp, final in self.pending:
            with temp.open("rb") as handle:
                os.fsync(handle.fileno())
            os.chmod(temp, mode)  # mkstemp makes 0600; outputs get the usual umask mode
            os.replace(temp, final)
        self.pending.clear()

    def discard(self) -> None:
        for temp, _ in self.pending:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        self.pending.clear()


@contextlib.contextmanager
def staged_outputs() -> Iterator[_Staging]:
    """All-or-nothing output: on any error no file (nor temp file) is left behind."""
    staging = _Staging()
    try:
        yield staging
        staging.commit()
    finally:
        staging.discard()


@dataclass(frozen=True)
class Encoded:
    """How the main file's samples were made from the mastered audio: a gain and the dither
    decision, so slices of it (segments) encode to exactly the same samples."""

    gain: float
    dither: bool


def encode_within_ceiling(
    path: Path,
    audio: np.ndarray,
    sample_rate: int,
    options: RenderOptions,
    loop: LoopPoints | None,
    markers: tuple[Marker, ...],
    tags: dict[str, str],
    target_lufs: float,
    match_loudness: bool = False,
    start: int = 0,
    encoded: Encoded | None = None,
) -> tuple[LoudnessReport, Encoded]:
    """Encode; if the decoded file's true peak is over the ceiling, re-encode quieter.

    With `match_loudness` (the main file), a lossy codec's loudness drift is corrected too.
    Given `encoded` (a slice of the main file from frame `start`), the slice gets the main
    file's gain and dither. Returns the report measured on the decoded file.
    """
    fixed = encoded is not None
    gain = encoded.gain if encoded is not None else 1.0
    if not fixed and match_loudness and options.format in LOSSY_FORMATS:
        gain = 10.0 ** (-codec_drift_db(path, audio, sample_rate, options) / 20.0)
    dither = encoded.dither if encoded is not None else needs_dither(audio, options.bit_depth)
    for _ in range(MAX_ENCODE_ROUNDS):
        encode(
            path,
            audio,
            sample_rate,
            options.format,
            options.bit_depth,
            loop,
            markers,
            tags,
            dither_seed=options.seed,
            gain=gain,
            start=start,
            dither=dither,
        )
        report = measure_file(path, target_lufs)
        step_db = _correction_db(report, target_lufs, options.true_peak_db, match_loudness)
        if step_db == 0.0 or fixed:
            break
        gain *= 10.0 ** (step_db / 20.0)
        dither = options.bit_depth == 16  # scaled audio is off the grid
    return report, Encoded(gain, dither)


def codec_drift_db(
    path: Path, audio: np.ndarray, sample_rate: int, options: RenderOptions
) -> float:
    """The loudness change (dB) the lossy codec will make, from a few encoded excerpts
    (0 when the audio is too short for excerpts to be cheaper than a second encode)."""
    length = int(DRIFT_EXCERPT_S * sample_rate)
    frames = audio.shape[0]
    if frames < 4 * DRIFT_EXCERPTS * length:
        return 0.0
    before, after = [], []
    probe = path.with_name(path.name + ".drift")
    try:
        for k in range(DRIFT_EXCERPTS):
            lo = int((k + 0.5) * frames / DRIFT_EXCERPTS) - length // 2
            excerpt = audio[lo : lo + length]
            encode(probe, excerpt, sample_rate, options.format, options.bit_depth)
            before.append(loudness_in_chunks(excerpt, sample_rate))
            after.append(measure_file(probe).integrated_lufs)
    finally:
        probe.unlink(missing_ok=True)
    pairs = [
        (b, a) for b, a in zip(before, after, strict=True) if np.isfinite(b) and np.isfinite(a)
    ]
    if not pairs:
        return 0.0
    # The whole file's change is the energy-weighted change of its parts.
    weights = np.array([10.0 ** (b / 10.0) for b, _ in pairs])
    ratios = np.array([10.0 ** ((a - b) / 10.0) for b, a in pairs])
    return float(10.0 * np.log10(np.sum(weights * ratios) / np.sum(weights)))


def _correction_db(
    report: LoudnessReport, target_lufs: float, ceiling_dbtp: float, match_loudness: bool
) -> float:
    """Gain for the next encode: peaks over the ceiling first, then a lossy codec's drift."""
    excess = report.true_peak_dbtp - ceiling_dbtp
    if np.isfinite(excess) and excess > 0.0:
        return -(excess + PEAK_MARGIN_DB)
    # Vorbis trims highs (and so K-weighted loudness) by a few tenths of an LU: put it back
    # when the peaks leave room for it.
    drift = target_lufs - report.integrated_lufs
    room = ceiling_dbtp - PEAK_MARGIN_DB - report.true_peak_dbtp
    if match_loudness and np.isfinite(drift) and abs(drift) > LOUDNESS_AIM_LU and drift <= room:
        return drift
    return 0.0


def package_scene(
    scene: MasteredScene,
    options: RenderOptions,
    path: Path,
    asset_key: str,
    progress: ProgressFn | None = None,
) -> Asset:
    """Write the scene's files next to `path` (atomically) and return the asset.

    Two stages, reported in order: "package" lays the files out (main, segments cut at event
    boundaries, stems), "encode" writes each in its codec and measures it as written.
    """
    report_stage = progress or _no_progress
    report_stage("package", 0.0)
    path = path.with_suffix(FORMAT_SUFFIX[options.format]) if not path.suffix else path
    bounds = _segment_bounds(scene, options)
    stems = sorted(scene.stems.items())
    report_stage("package", 1.0)
    files_total = 1 + len(bounds) + len(stems)

    def encoded_one(done: int) -> None:
        report_stage("encode", done / files_total)

    report_stage("encode", 0.0)
    tags = {
        "TITLE": scene.plan.description[:200] or path.stem,
        "SOFTWARE": f"Soundloom {ENGINE_VERSION}",
        "SOUNDLOOM_KEY": asset_key,
    }
    target = options.target_lufs
    with staged_outputs() as staging:
        temp = staging.temp_for(path)
        report, encoded = encode_within_ceiling(
            temp,
            scene.audio,
            scene.sample_rate,
            options,
            scene.loop,
            scene.markers,
            tags,
            target,
            match_loudness=True,
        )
        report = replace(
            report,
            gain_db=scene.report.gain_db,
            limiter_reduction_db=scene.report.limiter_reduction_db,
            method=scene.report.method,
        )
        files = [_described(temp, path, "main", 0, scene.frames)]
        encoded_one(1)
        files += _write_segments(scene, bounds, encoded, options, path, staging, tags)
        encoded_one(len(files))
        files += _write_stems(scene, stems, options, path, staging, tags)
        sidecar = build_sidecar(scene, options, asset_key, report, files)
        sidecar_temp = staging.temp_for(sidecar_path_for(path))
        sidecar_temp.write_text(json.dumps(sidecar, indent=2, allow_nan=False) + "\n")
    report_stage("encode", 1.0)
    return Asset(path, tuple(files), report, sidecar)


def _no_progress(stage: str, fraction: float) -> None:
    return None


def _segment_bounds(scene: MasteredScene, options: RenderOptions) -> list[tuple[int, int]]:
    """Where the segment files start and end (none unless `segment_s` asks for them)."""
    if options.segment_s <= 0:
        return []
    boundaries = sorted(
        {m.frame for m in scene.markers} | {m.frame + m.length for m in scene.markers}
    )
    return list(
        segment_bounds(scene.frames, scene.sample_rate, options.segment_s, boundaries, scene.audio)
    )


def _described(temp: Path, final: Path, role: str, start: int, frames: int) -> OutputFile:
    return OutputFile(final, role, file_sha256(temp), temp.stat().st_size, start, frames)


def _write_segments(
    scene: MasteredScene,
    bounds: list[tuple[int, int]],
    encoded: Encoded,
    options: RenderOptions,
    path: Path,
    staging: _Staging,
    tags: dict[str, str],
) -> list[OutputFile]:
    sr = scene.sample_rate
    files = []
    for number, (start, end) in enumerate(bounds, 1):
        final = path.with_name(f"{path.stem}_{number:03d}{path.suffix}")
        temp = staging.temp_for(final)
        markers = tuple(
            replace(m, frame=m.frame - start) for m in scene.markers if start <= m.frame < end
        )
        # Slices of the main file's own samples: the segments join back to it exactly.
        encode_within_ceiling(
            temp,
            scene.audio[start:end],
            sr,
            options,
            None,
            markers,
            tags,
            options.target_lufs,
            start=start,
            encoded=encoded,
        )
        files.append(_described(temp, final, "segment", start, end - start))
    return files


def _write_stems(
    scene: MasteredScene,
    stems: list[tuple[str, np.ndarray]],
    options: RenderOptions,
    path: Path,
    staging: _Staging,
    tags: dict[str, str],
) -> list[OutputFile]:
    files = []
    for name, stem in stems:
        final = path.with_name(f"{path.stem}.{name}{path.suffix}")
        temp = staging.temp_for(final)
        encode_within_ceiling(
            temp,
            stem,
            scene.sample_rate,
            options,
            scene.loop,
            scene.markers,
            tags,
            options.target_lufs,
        )
        files.append(_described(temp, final, "stem", 0, scene.frames))
    return files


def build_sidecar(
    scene: MasteredScene,
    options: RenderOptions,
    asset_key: str,
    report: LoudnessReport,
    files: list[OutputFile],
) -> dict[str, Any]:
    """The JSON sidecar: plan, markers, loudness, loop points, seed, versions, key and files."""
    sr = scene.sample_rate
    return {
        "soundloom": ENGINE_VERSION,
        "cache_key": asset_key,
        "seed": options.seed,
        "sample_rate": sr,
        "channels": int(scene.audio.shape[1]),
        "frames": scene.frames,
        "duration_s": scene.frames / sr,
        "format": options.format,
        "options": to_dict(options),
        "loudness": report.to_dict(),
        "loop": None
        if scene.loop is None
        else {
            "start_frame": scene.loop.start,
            "length_frames": scene.loop.length,
            # Where the file begins in the rendered timeline; markers and the plan are
            # already in the file's own times.
            "render_offset_s": round(scene.loop_offset_s, 6),
        },
        "markers_time_base": "file",
        "markers": [
            {
                "frame": m.frame,
                "label": m.label,
                "length_frames": m.length,
                "time_s": round(m.frame / sr, 6),
            }
            for m in scene.markers
        ],
        "renderers": {e.id: e.renderer or options.renderer for e in scene.plan.events},
        "files": [f.to_dict() for f in files],
        "plan": to_dict(scene.plan),
    }
