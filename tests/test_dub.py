"""Dubbing: cuts and motion onsets seen to the frame, beds per place, one-shots on their frames."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

av = pytest.importorskip("av")

from soundloom_server.engine import loudness as lm  # noqa: E402
from soundloom_server.engine.dub.job import prepare_dub  # noqa: E402
from soundloom_server.engine.dub.picture import analyse_picture  # noqa: E402
from soundloom_server.engine.dub.video import grey_frames, probe_video  # noqa: E402
from soundloom_server.engine.pipeline import render_scene  # noqa: E402
from soundloom_server.engine.plan import EventKind, RenderOptions  # noqa: E402

FPS = 25
SR = 48000
# (frames, background RGB, stripe RGB, [(frame in the shot the box starts moving, px per frame)])
SHOTS = (
    (50, (40, 70, 160), (20, 35, 80), [(12, 5)]),
    (40, (60, 90, 170), (10, 10, 10), [(20, 6)]),  # a similar blue, other texture: still a cut
    (60, (190, 120, 50), (90, 60, 20), [(10, 4), (40, 9)]),
)


def make_video(
    path: Path, shots=SHOTS, size=(192, 108), fps: int = FPS, repeat_every: int = 0
) -> tuple[list, list]:
    """Write an H.264 video; returns the true cut frames and motion onset frames. With
    `repeat_every`, every n-th source frame is written twice (as a 24 fps film in 30 fps)."""
    w, h = size
    cuts, onsets, written, source = [], [], 0, 0
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for frames, bg, stripe, moves in shots:
            if written:
                cuts.append(written)
            starts = {start + 1 for start, _ in moves}  # the first frame that differs
            for f in range(frames):
                img = np.empty((h, w, 3), np.uint8)
                img[:] = bg
                img[::6] = stripe
                x = 10.0
                for start, speed in moves:
                    if f > start:
                        x += min(f - start, 12) * speed  # moves for 12 frames, then rests
                img[40:70, int(x) : int(x) + 24] = 250
                if f in starts:
                    onsets.append(written)
                source += 1
                copies = 2 if repeat_every and source % repeat_every == 0 else 1
                for _ in range(copies):
                    frame = av.VideoFrame.from_ndarray(img, format="rgb24")
                    for packet in stream.encode(frame):
                        container.mux(packet)
                    written += 1
        for packet in stream.encode():
            container.mux(packet)
    return cuts, onsets


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list, list]:
    path = tmp_path_factory.mktemp("dub") / "cutscene.mp4"
    cuts, onsets = make_video(path)
    return path, cuts, onsets


def _match(found: tuple[int, ...], truth: list[int], tolerance: int = 1) -> tuple[float, float]:
    hits = sum(any(abs(f - t) <= tolerance for t in truth) for f in found)
    recalled = sum(any(abs(f - t) <= tolerance for f in found) for t in truth)
    return hits / max(len(found), 1), recalled / max(len(truth), 1)


def _assert_found(info: Any, cuts: list[int], onsets: list[int]) -> None:
    """The picture analysis finds every cut exactly, and the motion onsets to 90 %."""
    picture = analyse_picture(grey_frames(info), info.fps)
    assert _match(picture.cuts, cuts) == (1.0, 1.0), (picture.cuts, cuts)
    precision, recall = _match(picture.onsets, onsets)
    assert precision >= 0.9 and recall >= 0.9, (picture.onsets, onsets)


def test_cuts_and_motion_onsets_are_found_to_the_frame(video) -> None:
    path, cuts, onsets = video
    info = probe_video(path)
    assert info.fps == FPS and info.frames == sum(s[0] for s in SHOTS)
    _assert_found(info, cuts, onsets)


def test_duplicated_frames_do_not_make_or_hide_onsets(tmp_path: Path) -> None:
    path = tmp_path / "pulldown.mp4"
    cuts, onsets = make_video(path, repeat_every=4)  # 24 -> 30 fps: every 4th frame twice
    _assert_found(probe_video(path), cuts, onsets)


def test_a_static_video_gives_beds_only(tmp_path: Path) -> None:
    path = tmp_path / "static.mp4"
    make_video(path, shots=((50, (30, 30, 30), (50, 50, 50), []),))
    dubbed = prepare_dub(path, "rain on a tin roof, a door slams", None, RenderOptions())
    assert dubbed.picture.onsets == ()
    kinds = {e.kind for e in dubbed.plan.events}
    assert kinds == {EventKind.AMBIENCE}


def test_beds_change_at_the_cut_and_one_shots_land_on_their_frames(video, tmp_path) -> None:
    path, cuts, _ = video
    shots = tmp_path / "shots.toml"
    shots.write_text('shots = ["", "", "a windy mountain pass"]\n')  # 1 and 2: the description
    options = RenderOptions(stems=True, seed=1)  # anchors are measured on the renders it makes
    dubbed = prepare_dub(path, "a forest stream at dawn, a metal impact", shots, options)
    plan = dubbed.plan
    # Shots 1 and 2 share words: one place, its bed runs on through the first cut.
    beds = [e for e in plan.events if e.kind is EventKind.AMBIENCE]
    assert {round(e.start_s * FPS) for e in beds} == {0, cuts[1]}
    second = [e for e in beds if e.start_s > 0]
    assert all(abs(e.start_s - cuts[1] / FPS) <= 1 / FPS for e in second)
    assert all("cut at frame" in e.caption for e in second)
    hits = [e for e in plan.events if e.kind is EventKind.SFX]
    assert len(hits) == len(dubbed.picture.onsets) and all("frame" in e.caption for e in hits)
    scene = render_scene(plan, options)
    sfx = scene.stems["sfx"].mean(axis=1)
    envelope = np.convolve(np.abs(sfx), np.ones(240) / 240, mode="same")
    for frame in dubbed.picture.onsets:
        at = frame / FPS
        lo, hi = int((at - 0.3) * SR), int((at + 0.3) * SR)
        window = envelope[max(lo, 0) : hi]
        landed = (max(lo, 0) + int(np.argmax(window >= 0.5 * window.max()))) / SR
        assert abs(landed - at) <= 0.040, (frame, landed, at)


def test_dub_cli_writes_audio_plan_and_a_preview_in_sync(video, tmp_path: Path) -> None:
    path, _, _ = video
    out, preview, plan_out = tmp_path / "dub.wav", tmp_path / "preview.mp4", tmp_path / "p.json"
    picture = tmp_path / "dub.png"
    run = subprocess.run(
        [sys.executable, "-m", "soundloom.cli", "dub", str(path), "--description",
         "rain on a tin roof, footsteps", "-o", str(out), "--preview", str(preview),
         "--plan-out", str(plan_out), "--spectrogram", str(picture), "-q"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # frames, cuts, onsets, spectrogram
    sidecar = json.loads(out.with_name(out.name + ".json").read_text())
    cut_marks = [m for m in sidecar["markers"] if m["label"].startswith("cut")]
    assert [m["label"] for m in cut_marks] == [f"cut: frame {c}" for c in video[1]]
    assert [m["frame"] for m in cut_marks] == [round(c / FPS * SR) for c in video[1]]
    plan = json.loads(plan_out.read_text())
    assert plan["duration_s"] == pytest.approx(sum(s[0] for s in SHOTS) / FPS)
    with av.open(str(preview)) as muxed, av.open(str(path)) as source:
        assert muxed.streams.video[0].codec_context.name == "h264"
        assert muxed.streams.audio[0].codec_context.name == "aac"
        copied = sum(1 for p in muxed.demux(muxed.streams.video[0]) if p.size)
        original = sum(1 for p in source.demux(source.streams.video[0]) if p.size)
        assert copied == original  # stream-copied: every frame, none re-encoded
    with av.open(str(preview)) as muxed:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SR)
        decoded = np.concatenate(
            [
                f.to_ndarray().ravel()
                for frame in muxed.decode(audio=0)
                for f in resampler.resample(frame)
            ]
        )
    import soundfile as sf

    stereo = sf.read(out, dtype="float32")[0]
    written = stereo.mean(axis=1)
    from scipy import signal

    n = min(decoded.size, written.size, 3 * SR)
    xcorr = signal.correlate(decoded[:n], written[:n], mode="full", method="fft")
    lag = int(np.argmax(xcorr)) - (n - 1)  # decoded[k + lag] ~ written[k]
    assert abs(lag) <= 48  # <= 1 ms at 48 kHz
    assert lm.integrated_lufs(stereo, SR) == pytest.approx(-24.0, abs=0.2)


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda p: p.write_text("not a video"), "is not a video"),
        (lambda p: p.write_bytes(b""), "is not a video"),
        ("truncated", "truncated"),
        ("audio", "no video stream"),
        ("long", "longer than 600 s"),
    ],
)
def test_bad_videos_are_one_line_exit_2_and_write_nothing(make, says, video, tmp_path) -> None:
    bad = tmp_path / "bad.mp4"
    if make == "truncated":
        data = video[0].read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif make == "long":
        make_video(bad, shots=((601, (0, 0, 0), (9, 9, 9), []),), size=(16, 16), fps=1)
    elif make == "audio":
        bad = tmp_path / "bad.wav"
        import soundfile as sf

        sf.write(bad, np.zeros((SR, 2), np.float32), SR)
    else:
        make(bad)
    out = tmp_path / "out.wav"
    run = subprocess.run(
        [sys.executable, "-m", "soundloom.cli", "dub", str(bad), "--description", "rain",
         "-o", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    err = run.stderr.strip()
    assert len(err.splitlines()) == 1 and says in err and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob("out*"))


def test_the_videos_own_sound_can_stay_under_the_new_one(video, tmp_path: Path) -> None:
    import soundfile as sf

    from soundloom_server.engine.dub.preview import mux_preview

    path, _, _ = video
    tone = tmp_path / "tone.wav"
    t = np.arange(int(6 * SR)) / SR
    sf.write(tone, np.stack([0.3 * np.sin(2 * np.pi * 1000 * t)] * 2, axis=1), SR)
    with_sound = tmp_path / "with_sound.mp4"
    mux_preview(path, tone, with_sound)
    own = tmp_path / "own.wav"
    options = RenderOptions(seed=1)
    dubbed = prepare_dub(with_sound, "rain on a tin roof", None, options, keep_audio=own)
    kept = [e for e in dubbed.plan.events if e.renderer == "clip"]
    assert len(kept) == 1 and own.exists() and kept[0].params["path"] == str(own.resolve())
    scene = render_scene(dubbed.plan, options)
    spectrum = np.abs(np.fft.rfft(scene.audio.mean(axis=1)))
    freqs = np.fft.rfftfreq(scene.audio.shape[0], 1 / SR)
    band = (freqs > 900) & (freqs < 1100)
    assert freqs[band][np.argmax(spectrum[band])] == pytest.approx(1000.0, abs=2.0)
    assert spectrum[band].max() > 20 * np.median(spectrum[(freqs > 500) & (freqs < 2000)])
    with pytest.raises(Exception, match="no sound of its own"):
        prepare_dub(path, "rain", None, options, keep_audio=tmp_path / "none.wav")


# ---------------------------------------------------------------- over the server


def test_embedded_and_remote_dubs_give_the_same_samples(video, server, tmp_path) -> None:
    import soundfile as sf

    from soundloom import AssetCache, AsyncClient, Client

    path, _, _ = video
    words = dict(description="rain on a tin roof, footsteps", shots=["", "", "a windy pass"])
    with Client(cache=AssetCache(tmp_path / "a")) as here:
        local = here.dub(path, output=tmp_path / "here.wav", **words)
    with Client(server.grpc_target, cache=AssetCache(tmp_path / "b")) as there:
        remote = there.dub(path, output=tmp_path / "there.wav", **words)
    a, rate = sf.read(local.path, dtype="float32")
    b, _ = sf.read(remote.path, dtype="float32")
    assert rate == SR and a.shape[0] == round(sum(s[0] for s in SHOTS) / FPS * SR)
    assert np.array_equal(a, b)

    async def awaited() -> Any:
        async with AsyncClient(server.grpc_target, cache=AssetCache(tmp_path / "c")) as client:
            return await client.dub(path, format="ogg", **words)

    import asyncio

    assert asyncio.run(awaited()).path.suffix == ".ogg"


def test_http_dub_route_and_a_bad_upload_named(video, server) -> None:
    import urllib.error
    import urllib.parse
    import urllib.request

    path, _, _ = video
    query = urllib.parse.urlencode(
        [("description", "rain on a tin roof"), ("shots", ""), ("shots", "a windy pass")]
    )
    request = urllib.request.Request(
        f"{server.http_url}/v1/dub?{query}", data=path.read_bytes(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        body = json.loads(response.read())
    assert body["asset_url"].startswith("/v1/assets/")
    captions = [e["caption"] for e in body["plan"]["events"]]
    assert any("cut at frame" in c for c in captions)
    bad = urllib.request.Request(
        f"{server.http_url}/v1/dub?description=rain", data=b"not a video", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(bad, timeout=60)
    error = json.loads(caught.value.read())["error"]
    assert caught.value.code == 400 and error["message"].startswith("video")


def test_a_bank_entry_can_dub_a_video(video, tmp_path: Path) -> None:
    import soundfile as sf

    from soundloom import AssetCache, build_bank, load_manifest

    path, _, _ = video
    (tmp_path / "intro.mp4").write_bytes(path.read_bytes())
    manifest = tmp_path / "bank.toml"
    manifest.write_text(
        '[bank]\nname = "cutscenes"\noutput = "out"\n'
        '[[entries]]\nname = "intro"\nvideo = "intro.mp4"\n'
        'description = "rain on a tin roof, footsteps"\nshots = ["", "", "a windy pass"]\n'
        'format = "wav"\n'
    )
    summary = build_bank(manifest, jobs=1, cache=AssetCache(tmp_path / "cache"))
    assert (summary.rendered, summary.failed) == (1, 0)
    audio, rate = sf.read(tmp_path / "out" / "intro.wav")
    assert audio.shape[0] == round(sum(s[0] for s in SHOTS) / FPS * rate)
    manifest.write_text(manifest.read_text().replace("intro.mp4", "missing.mp4"))
    with pytest.raises(Exception, match=r"entries\[0\]\.video"):
        load_manifest(manifest)


def test_a_camera_pan_is_not_an_event_but_a_moving_thing_in_it_is(tmp_path: Path) -> None:
    from scipy import ndimage

    path, (w, h) = tmp_path / "pan.mp4", (192, 108)
    rng = np.random.default_rng(3)
    world = ndimage.gaussian_filter(rng.uniform(0, 255, (h, w + 400)), 2.0)
    world = np.clip((world - world.mean()) * 4 + 128, 0, 255).astype(np.uint8)
    pan_from, box_from = 15, 50  # the camera pans (frames 16-35), later a box moves (from 51)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for f in range(80):
            x0 = 3 * min(max(f - pan_from, 0), 20)
            img = np.repeat(world[:, x0 : x0 + w, None], 3, axis=2).copy()
            bx = 20 + 4 * min(max(f - box_from, 0), 12)
            img[40:70, bx : bx + 24] = 250
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    info = probe_video(path)
    picture = analyse_picture(grey_frames(info), info.fps)
    assert picture.cuts == ()
    assert picture.camera[pan_from + 2 : pan_from + 20].mean() > 0.8  # seen as the camera
    assert not picture.camera[box_from + 2 : box_from + 12].any()  # the box is not the camera
    assert _match(picture.onsets, [box_from + 1]) == (1.0, 1.0), picture.onsets


def test_a_captioner_folder_describes_shots_without_words(video, tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    from soundloom_server.engine.dub import job
    from soundloom_server.engine.dub.captions import caption_images, load_captioner
    from soundloom_server.engine.errors import InvalidArgument
    from soundloom_server.engine.neural.tiny import build_tiny_model

    folder = build_tiny_model("captioner", tmp_path / "captioner")
    path, _, _ = video
    options = RenderOptions(seed=1)
    dubbed = prepare_dub(path, "", ["a windy pass"], options, captioner=folder)
    notes = [w for w in dubbed.plan.warnings if "captioned" in w]
    # Shot 1 has its line; shots 2 and 3 are captioned from their middle frames.
    assert [n.split(":")[0] for n in notes] == ["shot 2", "shot 3"]
    frames = [int(n.split("frame ")[1].split()[0]) for n in notes]
    shots = dubbed.picture.shots
    assert frames == [(shots[i][0] + shots[i][1] - 1) // 2 for i in (1, 2)]
    again = prepare_dub(path, "", ["a windy pass"], options, captioner=folder)
    assert again.plan == dubbed.plan  # greedy decoding: the same frames, the same words
    # The captions come from the model: what it says for those frames is what the plan used.
    info = probe_video(path)
    images = job.rgb_frames(info, frames, job.CAPTION_SIZE)
    said = caption_images(load_captioner(folder), images)
    assert [repr(c) for c in said] == [n.split("captioned ")[1] for n in notes]
    with pytest.raises(InvalidArgument, match="captioner"):
        prepare_dub(path, "rain", None, options, captioner=tmp_path)  # not a model folder


def test_the_server_refuses_a_video_past_its_upload_limit(video, server, monkeypatch) -> None:
    import grpc

    from soundloom.v1 import soundloom_pb2 as pb
    from soundloom.v1 import soundloom_pb2_grpc as pb_grpc
    from soundloom_server.service import dubbing

    monkeypatch.setattr(dubbing, "MAX_VIDEO_BYTES", 4096)
    data = video[0].read_bytes()
    assert len(data) > 4096

    def requests() -> Any:
        yield pb.DubVideoRequest(header=pb.DubVideoHeader(description="rain"))
        for at in range(0, len(data), 1024):
            yield pb.DubVideoRequest(data=data[at : at + 1024])

    stub = pb_grpc.SoundloomStub(grpc.insecure_channel(server.grpc_target))
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.DubVideo(requests(), timeout=60))
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert caught.value.details().startswith("video: more than")
