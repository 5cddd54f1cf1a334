"""One way from a request to an asset on disk: plan -> render -> mix -> master -> package -> encode.

The CLI, the SDK's embedded engine, bank builds and the server all produce assets here, so
every front end names files, reports stages and checks requests the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from soundloom_server.engine.cancellation import cancel_scope
from soundloom_server.engine.errors import Cancelled
from soundloom_server.engine.package import Asset, package_scene
from soundloom_server.engine.pipeline import (
    CancelFn,
    MasteredScene,
    ProgressFn,
    plan_scene,
    render_scene,
)
from soundloom_server.engine.plan import FORMAT_SUFFIX, RenderOptions, ScenePlan, SceneRequest

# Between planning and rendering: a caller's check of the plan (a memory budget, --strict).
PlanCheck = Callable[[ScenePlan], None]
# Between mastering and packaging: a caller's edit of the scene (a dub marks its cuts).
SceneEdit = Callable[[MasteredScene], MasteredScene]


@dataclass(frozen=True)
class Produced:
    """What a produce call made: the plan it rendered, the mastered scene and the files."""

    plan: ScenePlan
    scene: MasteredScene
    asset: Asset


def main_file(directory: Path, options: RenderOptions) -> Path:
    """Where an asset's main file goes in a directory of its own: `scene.<format>`."""
    return directory / f"scene{FORMAT_SUFFIX[options.format]}"


def produce(
    source: SceneRequest | ScenePlan,
    options: RenderOptions,
    path: Path,
    key: str,
    progress: ProgressFn | None = None,
    cancelled: CancelFn | None = None,
    check: PlanCheck | None = None,
    edit: SceneEdit | None = None,
) -> Produced:
    """Plan (words) or take the plan, render, mix, master, then write the files at `path`.

    Stages are reported in pipeline order, each from 0 to 1: plan, render, mix, master,
    package, encode. `key` is the asset's content address, written into its files.
    """
    report = progress or _no_progress
    with cancel_scope(cancelled):
        report("plan", 0.0)
        plan = source if isinstance(source, ScenePlan) else plan_scene(source, options)
        report("plan", 1.0)
        if check is not None:
            check(plan)
        scene = render_scene(plan, options, report, cancelled)
        if edit is not None:
            scene = edit(scene)
        if cancelled is not None and cancelled():
            raise Cancelled("rendering was cancelled")
        asset = package_scene(scene, options, path, key, report)
    return Produced(plan, scene, asset)


def _no_progress(stage: str, fraction: float) -> None:
    return None
