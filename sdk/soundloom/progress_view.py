"""How the CLI shows long work: bars on a terminal, JSON lines for scripts, or nothing.

`generate`, `render` and `bank build` report through one of three views, chosen once:
- a terminal gets rich progress bars, one per pipeline stage (plan, render n/m events, mix,
  master, package, encode) or one for a bank's entries, with elapsed and remaining time, on stderr;
- `--json` gets one JSON object per line on stderr (`{"type": "progress", ...}`), so an editor
  integration can follow the work while stdout carries only the result;
- anything else (a pipe, a file, `--quiet`) gets nothing but the result.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, Protocol

from soundloom_server.engine.stages import STAGES


class StageView(Protocol):
    """Receives pipeline progress: a stage and the fraction of it done."""

    def __call__(self, stage: str, fraction: float) -> None: ...

    def set_events(self, count: int) -> None:
        """How many events the render stage has (known once the plan is)."""

    def close(self) -> None:
        """The work ended (finished or failed): tidy the display."""


class EntryView(Protocol):
    """Receives bank progress: entries done out of the total, and the running counts."""

    def __call__(self, done: int, total: int, counts: Any) -> None: ...

    def close(self) -> None:
        """The build ended: tidy the display."""


def choose_mode(quiet: bool, as_json: bool) -> str:
    """`json`, `bar` (a terminal) or `none`."""
    if as_json:
        return "json"
    if quiet or not sys.stderr.isatty():
        return "none"
    return "bar"


def emit_json(kind: str, **fields: Any) -> None:
    """One JSON line on stderr: the channel `--json` uses for progress, warnings and errors."""
    sys.stderr.write(json.dumps({"type": kind, **fields}) + "\n")
    sys.stderr.flush()


class _Silent:
    """Shows nothing."""

    def __call__(self, *args: Any) -> None:
        return None

    def set_events(self, count: int) -> None:
        """Nothing to show."""

    def close(self) -> None:
        """Nothing to tidy."""


class _JsonStages:
    """Progress as JSON lines; repeated fractions of a stage are sent once."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.events = 0
        self.last: tuple[str, float] | None = None

    def __call__(self, stage: str, fraction: float) -> None:
        point = (stage, round(fraction, 3))
        if point == self.last:
            return
        self.last = point
        fields: dict[str, Any] = {"stage": stage, "fraction": point[1]}
        if stage == "render" and self.events:
            fields.update(done=round(fraction * self.events), total=self.events)
        emit_json("progress", elapsed_s=round(time.perf_counter() - self.started, 3), **fields)

    def set_events(self, count: int) -> None:
        """Render progress then names n of m events."""
        self.events = count

    def close(self) -> None:
        """Nothing to tidy."""


class _BarStages:
    """One rich bar per stage, in pipeline order, on stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description:<18}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.tasks = {stage: self.progress.add_task(stage, total=1.0) for stage in STAGES}
        self.events = 0
        self.progress.start()

    def __call__(self, stage: str, fraction: float) -> None:
        task = self.tasks.get(stage)
        if task is None:
            return
        label = stage
        if stage == "render" and self.events:
            label = f"render {round(fraction * self.events)}/{self.events} events"
        self.progress.update(task, completed=fraction, description=label)

    def set_events(self, count: int) -> None:
        """Render progress then names n of m events."""
        self.events = count

    def close(self) -> None:
        """Remove the bars (the result line follows)."""
        self.progress.stop()


def stage_view(mode: str) -> StageView:
    """The view for `mode` (see `choose_mode`)."""
    if mode == "json":
        return _JsonStages()
    if mode == "bar":
        return _BarStages()
    return _Silent()


class _JsonEntries:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int, counts: Any) -> None:
        emit_json(
            "progress",
            stage="bank",
            done=done,
            total=total,
            rendered=counts.rendered,
            cached=counts.cached,
            failed=counts.failed,
            elapsed_s=round(time.perf_counter() - self.started, 3),
        )

    def close(self) -> None:
        """Nothing to tidy."""


class _BarEntries:
    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("bank"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task("bank", total=None, counts="")
        self.progress.start()

    def __call__(self, done: int, total: int, counts: Any) -> None:
        text = f"rendered {counts.rendered}  cached {counts.cached}  failed {counts.failed}"
        self.progress.update(self.task, completed=done, total=total, counts=text)

    def close(self) -> None:
        """Remove the bar (the summary follows)."""
        self.progress.stop()


def entry_view(mode: str) -> EntryView:
    """The bank view for `mode` (see `choose_mode`)."""
    if mode == "json":
        return _JsonEntries()
    if mode == "bar":
        return _BarEntries()
    return _Silent()
