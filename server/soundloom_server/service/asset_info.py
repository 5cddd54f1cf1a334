"""AssetInfo messages for packaged assets (what GenerateScene announces and StatAsset returns)."""

from __future__ import annotations

import time

from soundloom.v1 import soundloom_pb2 as pb
from soundloom_server import ENGINE_VERSION
from soundloom_server.engine.checksums import file_sha256
from soundloom_server.engine.loudness_report import LoudnessReport
from soundloom_server.engine.package import Asset
from soundloom_server.engine.plan import FORMAT_MIME, RenderOptions
from soundloom_server.plan_proto import FORMAT_TO_PROTO

ROLES = {
    "main": pb.FILE_ROLE_MAIN,
    "segment": pb.FILE_ROLE_SEGMENT,
    "stem": pb.FILE_ROLE_STEM,
    "sidecar": pb.FILE_ROLE_SIDECAR,
}


def loudness_to_proto(report: LoudnessReport) -> pb.LoudnessReport:
    """A LoudnessReport as its message (-inf for silence stays -inf)."""
    method = {
        "bs1770": "pyloudnorm BS.1770-4, true peak 4x",
        "short-clip": "ungated short-clip loudness (< 400 ms), true peak 4x",
    }.get(report.method, report.method)
    return pb.LoudnessReport(
        integrated_lufs=report.integrated_lufs,
        true_peak_dbtp=report.true_peak_dbtp,
        loudness_range_lu=report.loudness_range_lu,
        sample_peak_dbfs=report.sample_peak_dbfs,
        target_lufs=report.target_lufs,
        gain_db=report.gain_db,
        limiter_reduction_db=report.limiter_reduction_db,
        method=method,
    )


def asset_info(asset: Asset, asset_id: str, options: RenderOptions) -> pb.AssetInfo:
    """Describe a packaged asset: main file first, then segments and stems, the sidecar last."""
    sidecar = asset.sidecar
    main = asset.files[0]
    info = pb.AssetInfo(
        asset_id=asset_id,
        sha256=main.sha256,
        size_bytes=main.size_bytes,
        format=FORMAT_TO_PROTO[options.format],  # type: ignore[arg-type]
        mime_type=FORMAT_MIME[options.format],
        sample_rate=sidecar["sample_rate"],
        channels=sidecar["channels"],
        duration_s=sidecar["duration_s"],
        frames=sidecar["frames"],
        loudness=loudness_to_proto(asset.report),
        engine_version=ENGINE_VERSION,
        seed=options.seed,
        created_unix=int(time.time()),
    )
    if sidecar["loop"] is not None:
        info.loop.start_frame = sidecar["loop"]["start_frame"]
        info.loop.length_frames = sidecar["loop"]["length_frames"]
    for marker in sidecar["markers"]:
        info.markers.add(
            frame=marker["frame"], label=marker["label"], length_frames=marker["length_frames"]
        )
    for output in asset.files:
        entry = info.files.add(
            name=output.path.name,
            role=ROLES[output.role],  # type: ignore[arg-type]
            sha256=output.sha256,
            size_bytes=output.size_bytes,
        )
        if output.role == "segment":
            entry.offset_frames = output.start_frame
    side = asset.sidecar_path
    info.files.add(
        name=side.name,
        role=pb.FILE_ROLE_SIDECAR,
        sha256=file_sha256(side),
        size_bytes=side.stat().st_size,
    )
    return info
