"""What mastering measured and did, as data: the report every file's sidecar carries."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class LoudnessReport:
    """What mastering measured and did: loudness, peaks, range, gain and limiting."""

    integrated_lufs: float
    true_peak_dbtp: float
    loudness_range_lu: float
    sample_peak_dbfs: float
    target_lufs: float
    gain_db: float
    limiter_reduction_db: float
    method: str  # "bs1770" (gated integrated) or "short-clip" (ungated, clip < 400 ms)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: -inf (silence) and NaN (no target) become None."""
        return {
            key: (None if isinstance(value, float) and not math.isfinite(value) else value)
            for key, value in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoudnessReport:
        """The inverse of `to_dict`: None (or a missing key) reads as -inf, NaN for a target."""

        def number(key: str, missing: float) -> float:
            value = data.get(key)
            return missing if value is None else float(value)

        return cls(
            integrated_lufs=number("integrated_lufs", -math.inf),
            true_peak_dbtp=number("true_peak_dbtp", -math.inf),
            loudness_range_lu=number("loudness_range_lu", 0.0),
            sample_peak_dbfs=number("sample_peak_dbfs", -math.inf),
            target_lufs=number("target_lufs", math.nan),
            gain_db=number("gain_db", 0.0),
            limiter_reduction_db=number("limiter_reduction_db", 0.0),
            method=str(data.get("method", "")),
        )
