"""Encoding: our WAV writer (smpl, cue/labl/ltxt), OGG Vorbis and FLAC with Vorbis comments."""

from __future__ import annotations

import struct
from pathlib import Path

import mutagen.flac
import mutagen.oggvorbis
import numpy as np
import pytest
import soundfile as sf

from soundloom_server.engine.audio import LoopPoints, Marker
from soundloom_server.engine.encode import (
    FORMAT_SUFFIX,
    decode,
    encode,
    read_loop_comments,
    read_marker_comments,
)
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.wav import quantize, read_wav_metadata, write_wav

SR = 48000
MARKERS = [
    Marker(frame=0, label="start"),
    Marker(frame=1234, label="door slam", length=4800),  # odd length + NUL = even
    Marker(frame=20000, label="thunder"),  # 7 chars + NUL = 8
    Marker(frame=30001, label="ab"),  # 2 + NUL = 3: needs a pad byte
    Marker(frame=40000, label="éclair ⚡", length=1),  # UTF-8
    Marker(frame=47999, label=""),
]
LOOP = LoopPoints(start=1000, length=40000)


def noise(seconds: float, channels: int = 2, seed: int = 0, level: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (level * rng.uniform(-1, 1, (int(seconds * SR), channels))).astype(np.float32)


def chunks(payload: bytes, start: int = 12) -> list[tuple[bytes, int, int]]:
    """(fourcc, body offset, size) of each chunk, walked with RIFF's even padding."""
    out = []
    pos = start
    while pos + 8 <= len(payload):
        fourcc = payload[pos : pos + 4]
        (size,) = struct.unpack_from("<I", payload, pos + 4)
        out.append((fourcc, pos + 8, size))
        pos += 8 + size + (size & 1)
    assert pos == len(payload), "chunks must tile the file exactly"
    return out


@pytest.mark.parametrize("bit_depth", [16, 24])
def test_wav_round_trip_samples_and_metadata(tmp_path: Path, bit_depth: int) -> None:
    audio = noise(1.0)
    path = tmp_path / f"x{bit_depth}.wav"
    write_wav(path, audio, SR, bit_depth, loop=LOOP, markers=MARKERS, dither_seed=5)

    data, sr = sf.read(path, dtype="float64", always_2d=True)
    assert sr == SR and data.shape == audio.shape
    lsb = 2.0 ** -(bit_depth - 1)
    # 24-bit: rounding only. 16-bit: rounding plus TPDF dither of under one LSB.
    bound = 0.5 * lsb + 1e-9 if bit_depth == 24 else 1.5 * lsb + 1e-9
    assert np.abs(data - audio).max() <= bound
    info = sf.info(path)
    assert info.subtype == f"PCM_{bit_depth}" and info.frames == audio.shape[0]

    meta = read_wav_metadata(path)
    assert (meta.sample_rate, meta.channels, meta.bit_depth, meta.frames) == (
        SR,
        2,
        bit_depth,
        audio.shape[0],
    )
    assert meta.loop == LOOP
    assert meta.markers == MARKERS


def test_wav_chunk_layout(tmp_path: Path) -> None:
    path = tmp_path / "x.wav"
    write_wav(path, noise(1.0), SR, 16, loop=LOOP, markers=MARKERS, tags={"title": "Rain"})
    blob = path.read_bytes()
    assert blob[:4] == b"RIFF" and blob[8:12] == b"WAVE"
    assert struct.unpack_from("<I", blob, 4)[0] == len(blob) - 8
    found = {c[0]: c for c in chunks(blob)}
    assert list(found) == [b"fmt ", b"smpl", b"cue ", b"LIST", b"data"]

    _, off, size = found[b"fmt "]
    assert size == 16
    assert struct.unpack_from("<HHIIHH", blob, off) == (1, 2, SR, SR * 4, 4, 16)

    _, off, size = found[b"smpl"]
    assert size == 60
    smpl = struct.unpack_from("<9I6I", blob, off)
    assert smpl[2] == round(1e9 / SR) and smpl[3] == 60 and smpl[7] == 1
    assert smpl[9:13] == (0, 0, LOOP.start, LOOP.end - 1)  # id, forward, start, inclusive end

    _, off, size = found[b"cue "]
    assert struct.unpack_from("<I", blob, off)[0] == len(MARKERS)
    cue2 = struct.unpack_from("<II4sIII", blob, off + 4 + 24)
    assert cue2 == (2, 1234, b"data", 0, 0, 1234)

    # Both LIST chunks (adtl, INFO); every sub-chunk even-aligned, labels NUL-terminated.
    lists = [c for c in chunks(blob) if c[0] == b"LIST"]
    kinds = {blob[off : off + 4]: (off, size) for _, off, size in lists}
    assert set(kinds) == {b"adtl", b"INFO"}
    off, size = kinds[b"adtl"]
    subs = chunks(blob[off + 4 : off + size], start=0)
    labls = [(o, s) for f, o, s in subs if f == b"labl"]
    ltxts = [(o, s) for f, o, s in subs if f == b"ltxt"]
    assert len(labls) == len(MARKERS) and len(ltxts) == 2
    body = blob[off + 4 : off + size]
    for (o, s), marker in zip(labls, MARKERS, strict=True):
        text = body[o + 4 : o + s]
        assert text == marker.label.encode() + b"\x00"
    assert any(s % 2 for _, s in labls), "an odd-sized labl exercises the pad byte"
    assert read_wav_metadata(path).tags == {"TITLE": "Rain"}


def test_wav_deterministic_bytes(tmp_path: Path) -> None:
    audio = noise(1.0)
    a, b, c = tmp_path / "a.wav", tmp_path / "b.wav", tmp_path / "c.wav"
    write_wav(a, audio, SR, 16, loop=LOOP, markers=MARKERS, dither_seed=3)
    write_wav(b, audio.copy(), SR, 16, loop=LOOP, markers=MARKERS, dither_seed=3)
    write_wav(c, audio, SR, 16, loop=LOOP, markers=MARKERS, dither_seed=4)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_quantize_dither_and_grid() -> None:
    # Off-grid audio is dithered: a constant half-LSB comes back as a mix of 0 and 1 LSB whose
    # mean is the input (TPDF dither makes the error's mean zero).
    half = np.full((20000, 1), 0.5 / 32768, dtype=np.float32)
    q = quantize(half, 16, dither_seed=1)
    assert set(np.unique(q)) <= {-1, 0, 1, 2} and abs(q.mean() - 0.5) < 0.02
    # On-grid audio (already 16-bit, or silence) passes through untouched.
    grid = (np.arange(-300, 300, dtype=np.float32) / 32768)[:, None]
    np.testing.assert_array_equal(quantize(grid, 16)[:, 0], np.arange(-300, 300))
    assert not quantize(np.zeros((1000, 2), np.float32), 16).any()
    # Clipping to [-1, 1).
    edge = np.array([[-2.0], [-1.0], [1.0], [3.0]], dtype=np.float32)
    assert quantize(edge, 24)[:, 0].tolist() == [-(2**23), -(2**23), 2**23 - 1, 2**23 - 1]
    assert quantize(edge, 16)[:, 0].tolist() == [-32768, -32768, 32767, 32767]


def test_wav_multichannel_and_mono(tmp_path: Path) -> None:
    for channels in (1, 4):
        path = tmp_path / f"c{channels}.wav"
        audio = noise(0.2, channels=channels)
        write_wav(path, audio, SR, 24)
        data, _ = sf.read(path, always_2d=True)
        assert data.shape == audio.shape
        assert np.abs(data - audio).max() <= 2.0**-23 + 1e-9
        meta = read_wav_metadata(path)
        assert meta.channels == channels and meta.bit_depth == 24
        assert meta.format_tag == (0xFFFE if channels > 2 else 1)


def test_read_wav_metadata_of_other_tools(tmp_path: Path) -> None:
    # libsndfile's own WAV, no loop or markers.
    path = tmp_path / "sf.wav"
    sf.write(path, noise(0.1), SR, subtype="PCM_16")
    meta = read_wav_metadata(path)
    assert meta.frames == int(0.1 * SR) and meta.loop is None and meta.markers == []
    # Unknown (odd-sized) chunks are skipped, markers without labels still come back.
    ours = tmp_path / "ours.wav"
    write_wav(ours, noise(0.1), SR, 16, markers=[Marker(5, "x")])
    blob = ours.read_bytes()
    junk = b"junk" + struct.pack("<I", 3) + b"abc\x00"
    patched = blob[:12] + junk + blob[12:]
    patched = patched[:4] + struct.pack("<I", len(patched) - 8) + patched[8:]
    other = tmp_path / "other.wav"
    other.write_bytes(patched)
    assert read_wav_metadata(other).markers == [Marker(5, "x")]
    assert sf.info(other).frames == int(0.1 * SR)
    with pytest.raises(ValueError, match="RIFF"):
        bad = tmp_path / "bad.wav"
        bad.write_bytes(b"not a wav file at all")
        read_wav_metadata(bad)


def test_wav_argument_errors(tmp_path: Path) -> None:
    audio = noise(0.1)
    with pytest.raises(InvalidArgument) as e:
        write_wav(tmp_path / "x.wav", audio, SR, 20)
    assert e.value.field == "bit_depth"
    with pytest.raises(InvalidArgument) as e:
        write_wav(tmp_path / "x.wav", audio, SR, 16, loop=LoopPoints(0, 10**7))
    assert e.value.field == "loop"
    with pytest.raises(InvalidArgument) as e:
        write_wav(tmp_path / "x.wav", audio, SR, 16, markers=[Marker(1, "a"), Marker(-1, "b")])
    assert e.value.field == "markers[1].frame"
    bad = audio.copy()
    bad[3, 0] = np.nan
    with pytest.raises(InvalidArgument) as e:
        write_wav(tmp_path / "x.wav", bad, SR, 16)
    assert e.value.field == "audio"


def test_unknown_format_names_field(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument) as e:
        encode(tmp_path / "x.mp3", noise(0.1), SR, "mp3")
    assert e.value.field == "format"
    assert "wav, ogg, flac, opus" in str(e.value) and "mp3" in str(e.value)
    assert FORMAT_SUFFIX == {"wav": ".wav", "ogg": ".ogg", "flac": ".flac", "opus": ".opus"}


def test_ogg_long_write_in_blocks(tmp_path: Path) -> None:
    # 60 s stereo: a one-call write of this crashes libvorbis; encode writes in blocks.
    audio = noise(60.0, level=0.2)
    loop = LoopPoints(start=48000, length=SR * 50)
    path = tmp_path / "bed.ogg"
    tags = {"TITLE": "Harbour rain", "software": "soundloom test"}
    encode(path, audio, SR, "ogg", loop=loop, markers=MARKERS, tags=tags)
    info = sf.info(path)
    assert (info.format, info.subtype) == ("OGG", "VORBIS")
    assert info.frames == audio.shape[0]  # from the last granule position: exact
    data, sr = decode(path)
    assert sr == SR and data.shape == audio.shape and data.dtype == np.float32

    ogg = mutagen.oggvorbis.OggVorbis(path)
    assert ogg.tags["LOOPSTART"] == ["48000"]
    assert ogg.tags["LOOPLENGTH"] == [str(SR * 50)]
    assert ogg.tags["TITLE"] == ["Harbour rain"] and ogg.tags["SOFTWARE"] == ["soundloom test"]
    assert ogg.info.length == pytest.approx(60.0)
    assert read_loop_comments(path) == loop
    assert read_marker_comments(path) == MARKERS


def test_ogg_fidelity_and_determinism(tmp_path: Path) -> None:
    t = np.arange(SR * 2) / SR
    tone = 0.3 * np.sin(2 * np.pi * 440 * t)
    audio = np.stack([tone, 0.5 * tone], axis=1).astype(np.float32)
    a, b = tmp_path / "a.ogg", tmp_path / "b.ogg"
    encode(a, audio, SR, "ogg", loop=LoopPoints(0, SR))
    encode(b, audio, SR, "ogg", loop=LoopPoints(0, SR))
    # libsndfile picks a random stream serial; encode() replaces it with a content hash.
    assert a.read_bytes() == b.read_bytes()
    data, _ = decode(a)
    assert data.shape == audio.shape
    err = data[1000:-1000] - audio[1000:-1000]
    snr = 10 * np.log10(np.mean(audio**2) / np.mean(err**2))
    assert snr > 30
    # A different signal gets a different serial.
    encode(b, audio * 0.5, SR, "ogg")
    assert a.read_bytes()[14:18] != b.read_bytes()[14:18]


def test_opus_in_ogg_with_loop_comments_at_its_bitrate(tmp_path: Path) -> None:
    t = np.arange(SR * 4) / SR
    tone = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * noise(4.0, 1, level=1.0)[:, 0]
    audio = np.stack([tone, 0.5 * tone], axis=1).astype(np.float32)
    a, b = tmp_path / "a.opus", tmp_path / "b.opus"
    encode(a, audio, SR, "opus", loop=LOOP, markers=MARKERS, tags={"TITLE": "hum"})
    encode(b, audio, SR, "opus", loop=LOOP, markers=MARKERS, tags={"TITLE": "hum"})
    assert a.read_bytes() == b.read_bytes()  # the same input gives the same file
    info = sf.info(a)
    assert (info.format, info.subtype, info.frames) == ("OGG", "OPUS", audio.shape[0])
    assert read_loop_comments(a) == LOOP and read_marker_comments(a) == MARKERS
    kbps = a.stat().st_size * 8 / 4.0 / 1000
    assert 100 < kbps < 150  # 64 kb/s a channel, plus the container
    data, _ = decode(a)
    err = data[4000:-4000] - audio[4000:-4000]
    assert 10 * np.log10(np.mean(audio**2) / np.mean(err**2)) > 15


@pytest.mark.parametrize("bit_depth", [16, 24])
def test_flac_lossless_with_comments(tmp_path: Path, bit_depth: int) -> None:
    audio = noise(2.0, seed=9)
    flac_path, wav_path = tmp_path / "x.flac", tmp_path / "x.wav"
    encode(flac_path, audio, SR, "flac", bit_depth, loop=LOOP, markers=MARKERS, dither_seed=2)
    encode(wav_path, audio, SR, "wav", bit_depth, loop=LOOP, markers=MARKERS, dither_seed=2)
    info = sf.info(flac_path)
    assert info.format == "FLAC" and info.subtype == f"PCM_{bit_depth}"
    flac_data, sr = decode(flac_path)
    wav_data, _ = decode(wav_path)
    assert sr == SR
    # Same quantization (and dither) as WAV, and FLAC itself is lossless.
    np.testing.assert_array_equal(flac_data, wav_data)
    # Audio already on the grid round-trips exactly: decode -> encode -> decode.
    again = tmp_path / "again.flac"
    encode(again, flac_data, SR, "flac", bit_depth, dither_seed=99)
    np.testing.assert_array_equal(decode(again)[0], flac_data)

    tags = mutagen.flac.FLAC(flac_path).tags
    assert tags["LOOPSTART"] == [str(LOOP.start)] and tags["LOOPLENGTH"] == [str(LOOP.length)]
    assert read_loop_comments(flac_path) == LOOP
    assert read_marker_comments(flac_path) == MARKERS
    assert read_loop_comments(wav_path) == LOOP
    assert read_marker_comments(wav_path) == MARKERS


def test_encode_without_loop_has_no_loop_comments(tmp_path: Path) -> None:
    for fmt in ("ogg", "flac"):
        path = tmp_path / f"x{FORMAT_SUFFIX[fmt]}"
        encode(path, noise(0.5), SR, fmt)
        assert read_loop_comments(path) is None
        assert read_marker_comments(path) == []


def test_encode_argument_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument) as e:
        encode(tmp_path / "x.ogg", noise(0.1), SR, "ogg", quality=1.5)
    assert e.value.field == "quality"
    with pytest.raises(InvalidArgument) as e:
        encode(tmp_path / "x.flac", noise(0.1), SR, "flac", tags={"A=B": "x"})
    assert e.value.field == "tags['A=B']"
    with pytest.raises(InvalidArgument) as e:
        encode(tmp_path / "x.flac", noise(0.1), SR, "flac", bit_depth=8)
    assert e.value.field == "bit_depth"
    for fmt in FORMAT_SUFFIX:
        with pytest.raises(InvalidArgument) as e:
            encode(tmp_path / f"empty.{fmt}", np.zeros((0, 2), np.float32), SR, fmt)
        assert e.value.field == "audio"
