"""Prometheus metrics in the text exposition format, with no global registry.

Each server owns its own `Metrics`, so several servers in one process (tests) never mix counts.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Callable

LabelValues = tuple[str, ...]
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RENDER_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)


def _labels(names: tuple[str, ...], values: LabelValues, extra: str = "") -> str:
    pairs = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        pairs.append(extra)
    return "{" + ",".join(pairs) + "}" if pairs else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


class Counter:
    """A monotonically increasing count per label set."""

    kind = "counter"

    def __init__(self, name: str, help_text: str, labelnames: tuple[str, ...] = ()) -> None:
        self.name, self.help, self.labelnames = name, help_text, labelnames
        self._values: dict[LabelValues, float] = {}
        self._lock = threading.Lock()

    def inc(self, *labels: str, amount: float = 1.0) -> None:
        """Add `amount` to the count of this label set."""
        with self._lock:
            self._values[labels] = self._values.get(labels, 0.0) + amount

    def value(self, *labels: str) -> float:
        """The current count of this label set (0 when never incremented)."""
        return self._values.get(labels, 0.0)

    def samples(self) -> list[str]:
        """Exposition lines."""
        with self._lock:
            items = sorted(self._values.items())
        return [f"{self.name}{_labels(self.labelnames, k)} {_number(v)}" for k, v in items]


class Gauge:
    """A value read when scraped."""

    kind = "gauge"

    def __init__(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        self.name, self.help, self._read = name, help_text, read

    def samples(self) -> list[str]:
        """Exposition lines."""
        return [f"{self.name} {_number(self._read())}"]


class Histogram:
    """Observations in cumulative buckets, per label set."""

    kind = "histogram"

    def __init__(
        self,
        name: str,
        help_text: str,
        buckets: tuple[float, ...],
        labelnames: tuple[str, ...] = (),
    ) -> None:
        self.name, self.help, self.labelnames, self.buckets = name, help_text, labelnames, buckets
        self._counts: dict[LabelValues, list[int]] = {}
        self._sums: dict[LabelValues, float] = {}
        self._lock = threading.Lock()

    def observe(self, value: float, *labels: str) -> None:
        """Record one observation."""
        with self._lock:
            counts = self._counts.setdefault(labels, [0] * (len(self.buckets) + 1))
            counts[bisect.bisect_left(self.buckets, value)] += 1
            self._sums[labels] = self._sums.get(labels, 0.0) + value

    def count(self, *labels: str) -> int:
        """How many observations this label set has."""
        return sum(self._counts.get(labels, ()))

    def samples(self) -> list[str]:
        """Exposition lines: cumulative buckets, sum and count."""
        lines = []
        with self._lock:
            items = sorted((k, list(v), self._sums[k]) for k, v in self._counts.items())
        for labels, counts, total in items:
            running = 0
            for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
                running += count
                le = f'le="{_number(bound)}"'
                lines.append(f"{self.name}_bucket{_labels(self.labelnames, labels, le)} {running}")
            lines.append(f"{self.name}_sum{_labels(self.labelnames, labels)} {_number(total)}")
            lines.append(f"{self.name}_count{_labels(self.labelnames, labels)} {running}")
        return lines


class Metrics:
    """Every metric the service exports."""

    def __init__(self, queue_depth: Callable[[], float], renders_running: Callable[[], float]):
        self.requests = Counter(
            "soundloom_requests_total",
            "Finished requests by transport, method and status code.",
            ("transport", "method", "code"),
        )
        self.render_seconds = Histogram(
            "soundloom_render_seconds",
            "Wall-clock seconds to plan, render, mix, master and package one asset.",
            RENDER_BUCKETS,
        )
        self.renders = Counter(
            "soundloom_renders_total",
            "Renders by outcome: ok, cancelled, error.",
            ("outcome",),
        )
        self.cache = Counter(
            "soundloom_cache_requests_total",
            "GenerateScene lookups in the asset store by result: hit, miss, shared (joined an "
            "identical render in flight), corrupt (found by a lookup or a read and discarded).",
            ("result",),
        )
        self.first_chunk_seconds = Histogram(
            "soundloom_time_to_first_chunk_seconds",
            "Seconds from the request to its first data chunk, by method.",
            LATENCY_BUCKETS,
            ("method",),
        )
        self.store_evictions = Counter(
            "soundloom_store_evictions_total", "Assets evicted to keep the store under its cap."
        )
        self._all = [
            self.requests,
            self.render_seconds,
            self.renders,
            self.cache,
            self.first_chunk_seconds,
            self.store_evictions,
            Gauge("soundloom_queue_depth", "Renders waiting for a worker.", queue_depth),
            Gauge("soundloom_renders_running", "Renders running on a worker.", renders_running),
        ]

    def exposition(self) -> str:
        """All metrics in the Prometheus text format (version 0.0.4)."""
        lines: list[str] = []
        for metric in self._all:
            lines.append(f"# HELP {metric.name} {metric.help}")
            lines.append(f"# TYPE {metric.name} {metric.kind}")
            lines.extend(metric.samples())
        return "\n".join(lines) + "\n"
