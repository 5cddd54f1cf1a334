"""The dub job: check the video, see the picture, plan from picture and words."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import soundfile as sf

from soundloom_server.engine.audio import Marker, seconds_to_frames
from soundloom_server.engine.checksums import file_sha256
from soundloom_server.engine.dub.picture import Picture, analyse_picture
from soundloom_server.engine.dub.planning import plan_dub
from soundloom_server.engine.dub.preview import extract_audio
from soundloom_server.engine.dub.video import VideoInfo, grey_frames, probe_video, rgb_frames
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.pipeline import MasteredScene
from soundloom_server.engine.plan import Event, EventKind, RenderOptions, ScenePlan

MAX_SHOT_LINES = 1000
CAPTION_SIZE = (384, 216)  # frames handed to the captioner's own processor
MAX_WORDS = 4000


@dataclass(frozen=True)
class DubbedPlan:
    """A video, what its picture does, and the plan that sounds it."""

    video: VideoInfo
    picture: Picture
    plan: ScenePlan


def read_shot_lines(path: Path | None) -> dict[int, str]:
    """`shots = ["words for shot 1", "", ...]` from a TOML file: shot index -> words."""
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise InvalidArgument("shots", f"cannot read {path}: {err}") from err
    lines = data.get("shots")
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        raise InvalidArgument("shots", f'{path} must hold shots = ["words", ...], one per shot')
    return shot_lines(lines)


def shot_lines(lines: Sequence[str]) -> dict[int, str]:
    """Shot index -> words, from one line per shot (empty lines take the description)."""
    if len(lines) > MAX_SHOT_LINES:
        raise InvalidArgument(
            "shots", f"must have at most {MAX_SHOT_LINES} lines, got {len(lines)}"
        )
    for i, words in enumerate(lines):
        if len(words) > MAX_WORDS:
            raise InvalidArgument(f"shots[{i}]", f"must be at most {MAX_WORDS} characters")
    return {i: words for i, words in enumerate(lines) if words.strip()}


def prepare_dub(
    video: Path,
    description: str,
    shots: Path | Sequence[str] | None,
    options: RenderOptions,
    keep_audio: Path | None = None,
    captioner: Path | None = None,
) -> DubbedPlan:
    """Probe and analyse the video, then plan its soundtrack.

    With `captioner` (an image-captioning model folder), every shot without its own line is
    described by a caption of its middle frame, before the description; the captions are
    listed in the plan's warnings.

    With `keep_audio` (a WAV path), the video's own sound is extracted there and kept in the
    plan as a `clip` event on the one-shot bus: the beds duck under it as under any one-shot.
    """
    lines = shot_lines(shots) if isinstance(shots, Sequence) else read_shot_lines(shots)
    if len(description) > MAX_WORDS:
        raise InvalidArgument("description", f"must be at most {MAX_WORDS} characters")
    if not description.strip() and not lines and captioner is None:
        raise InvalidArgument(
            "description", "say what is heard: --description, --shots or --captioner"
        )
    info = probe_video(video)
    picture = analyse_picture(grey_frames(info), info.fps)
    notes: tuple[str, ...] = ()
    if captioner is not None:
        lines, notes = _captioned(info, picture, lines, description, captioner)
    plan = plan_dub(picture, description, lines, options)
    plan = replace(plan, warnings=(*plan.warnings, *notes))
    if keep_audio is not None:
        if not info.has_audio:
            raise InvalidArgument("keep_audio", f"{video} has no sound of its own to keep")
        extract_audio(video, keep_audio, options.sample_rate)
        plan = replace(plan, events=(*plan.events, _own_sound(keep_audio, plan.duration_s)))
    return DubbedPlan(info, picture, plan)


def _captioned(
    info: VideoInfo,
    picture: Picture,
    lines: dict[int, str],
    description: str,
    folder: Path,
) -> tuple[dict[int, str], tuple[str, ...]]:
    """Shot lines with a caption for every shot that has none, and a note per caption."""
    from soundloom_server.engine.dub.captions import caption_images, load_captioner

    captioner = load_captioner(folder)
    shots = [i for i in range(len(picture.shots)) if i not in lines]
    middles = [(picture.shots[i][0] + picture.shots[i][1] - 1) // 2 for i in shots]
    images = rgb_frames(info, middles, CAPTION_SIZE)
    out, notes = dict(lines), []
    for shot, frame, caption in zip(shots, middles, caption_images(captioner, images), strict=True):
        notes.append(f"shot {shot + 1}: frame {frame} captioned {caption!r}")
        if caption:
            out[shot] = f"{caption}, {description}" if description.strip() else caption
    return out, tuple(notes)


def _own_sound(path: Path, duration_s: float) -> Event:
    frames = sf.info(str(path)).frames / sf.info(str(path)).samplerate
    return Event(
        "video-sound",
        EventKind.SFX,
        "the video's own sound",
        "clip",
        0.0,
        round(min(frames, duration_s), 6),
        params={"path": str(path.resolve()), "sha256": file_sha256(path), "offset_s": 0.0},
        renderer="clip",
    )


CUT_LABEL = "cut"


def mark_cuts(scene: MasteredScene, picture: Picture) -> MasteredScene:
    """The scene with a marker at every shot cut ("cut: frame N"), in the file's own time."""
    length = scene.frames / scene.sample_rate
    marks = []
    for cut in picture.cuts:
        at = (picture.time_s(cut) - scene.loop_offset_s) % max(length, 1e-9)
        frame = min(seconds_to_frames(at, scene.sample_rate), max(scene.frames - 1, 0))
        marks.append(Marker(frame, f"{CUT_LABEL}: frame {cut}"))
    markers = tuple(sorted((*scene.markers, *marks), key=lambda m: m.frame))
    return replace(scene, markers=markers)
