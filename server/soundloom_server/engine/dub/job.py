"""The dub job: check the video, see the picture, plan from picture and words."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from soundloom_server.engine.dub.picture import Picture, analyse_picture
from soundloom_server.engine.dub.planning import plan_dub
from soundloom_server.engine.dub.video import VideoInfo, grey_frames, probe_video
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.plan import RenderOptions, ScenePlan


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
    return {i: words for i, words in enumerate(lines) if words.strip()}


def prepare_dub(
    video: Path, description: str, shots: Path | None, options: RenderOptions
) -> DubbedPlan:
    """Probe and analyse the video, then plan its soundtrack."""
    lines = read_shot_lines(shots)
    if not description.strip() and not lines:
        raise InvalidArgument("description", "say what is heard: --description or --shots")
    info = probe_video(video)
    picture = analyse_picture(grey_frames(info), info.fps)
    return DubbedPlan(info, picture, plan_dub(picture, description, lines, options))
