"""Our own RIFF/WAVE writer and metadata reader: PCM samples plus `smpl` loop and `cue `/`labl`.

libsndfile cannot write cue labels reliably, so the package stage writes WAV itself. Samples
are read back with soundfile; `read_wav_metadata` parses only the chunks carrying metadata and
skips every chunk it does not know, so it reads files from other tools too.

Chunk order: `fmt `, `smpl`, `cue `, `LIST`/`adtl`, `LIST`/`INFO`, `data`. Metadata goes before
`data` because some simple readers stop at `data`.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

from soundloom_server.engine.audio import LoopPoints, Marker
from soundloom_server.engine.errors import InvalidArgument

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_EXTENSIBLE = 0xFFFE
# KSDATAFORMAT_SUBTYPE_PCM GUID, as it appears in the file.
_PCM_GUID = bytes.fromhex("0100000000001000800000aa00389b71")
MIDI_UNITY_NOTE = 60
BIT_DEPTHS = (16, 24)
# Vorbis-style tag names -> RIFF INFO ids; tags not listed here are not written to WAV.
INFO_IDS: dict[str, bytes] = {
    "TITLE": b"INAM",
    "ARTIST": b"IART",
    "ALBUM": b"IPRD",
    "COMMENT": b"ICMT",
    "COPYRIGHT": b"ICOP",
    "DATE": b"ICRD",
    "GENRE": b"IGNR",
    "SOFTWARE": b"ISFT",
    "ENCODER": b"ISFT",
}
_INFO_NAMES = {v: k for k, v in INFO_IDS.items() if k != "ENCODER"}
_MAX_RIFF = 0xFFFFFFFF


@dataclass(frozen=True)
class WavMetadata:
    """What `read_wav_metadata` found: format, length, the first smpl loop and cue markers."""

    sample_rate: int
    channels: int
    bit_depth: int
    frames: int
    loop: LoopPoints | None = None
    markers: list[Marker] = field(default_factory=list)
    format_tag: int = WAVE_FORMAT_PCM
    tags: dict[str, str] = field(default_factory=dict)


def _full_scale(bit_depth: int) -> int:
    return 1 << (bit_depth - 1)


def _on_grid(fixed: np.ndarray, frac_bits: int) -> bool:
    """Whether every value (fixed point with frac_bits fraction bits) is a whole number."""
    mask = (1 << frac_bits) - 1
    # A strided probe rejects ordinary (off-grid) audio without a second full pass.
    if np.any(fixed[::61] & mask):
        return False
    return not np.any(fixed & mask)


def _tpdf(n: int, seed: int | list[int]) -> np.ndarray:
    """n TPDF dither values in 1/256 LSB, in -255..255: the difference of two uniform bytes."""
    # Whole uint64 draws split into bytes: several times faster than float draws, and 8-bit
    # resolution puts the dither's own quantization ~48 dB below the LSB.
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 2**64 - 1, size=(2 * n + 7) // 8, dtype=np.uint64, endpoint=True)
    pairs = raw.view(np.uint8)[: 2 * n].reshape(2, n)
    d = pairs[0].astype(np.int32)
    d -= pairs[1]
    return d


DITHER_GRID = 1 << 16  # frames per dither block: each block's noise is seeded by its position


def _dither(lo: int, hi: int, channels: int, seed: int) -> np.ndarray:
    """The dither of frames [lo, hi) (interleaved), the same whichever slice asks for it."""
    parts = []
    for block in range(lo // DITHER_GRID, -(-hi // DITHER_GRID)):
        first = block * DITHER_GRID
        values = _tpdf(DITHER_GRID * channels, [seed, block])
        a, b = max(lo, first) - first, min(hi, first + DITHER_GRID) - first
        parts.append(values[a * channels : b * channels])
    return np.concatenate(parts) if parts else np.zeros(0, np.int32)


def needs_dither(audio: np.ndarray, bit_depth: int) -> bool:
    """Whether 16-bit output needs dither: no for audio already on the 16-bit grid (decoded
    16-bit, digital silence), so re-encoding it is lossless."""
    if bit_depth != 16:
        return False
    arr = np.asarray(audio, dtype=np.float32)
    for lo in range(0, arr.shape[0], DITHER_GRID):
        fixed = np.rint(arr[lo : lo + DITHER_GRID].reshape(-1) * np.float32(1 << 23))
        if not _on_grid(fixed.astype(np.int32), 8):
            return True
    return False


def quantize(
    audio: np.ndarray,
    bit_depth: int,
    dither_seed: int = 0,
    start: int = 0,
    dither: bool | None = None,
) -> np.ndarray:
    """Float (frames, ch) -> int32 PCM values at bit_depth (16: seeded TPDF dither; 24: rounding).

    Input is clipped to [-1, 1). Audio already on the target grid (e.g. decoded 16-bit, or digital
    silence) is not dithered, so re-encoding it is lossless. The dither depends on the frame's
    position (`start` is the first frame's), so a slice quantizes exactly as it does in the
    whole; `dither` forces the whole's decision onto a slice.
    """
    if bit_depth not in BIT_DEPTHS:
        raise InvalidArgument("bit_depth", f"must be one of 16, 24, got {bit_depth}")
    arr = np.asarray(audio, dtype=np.float32)
    shaped = arr if arr.ndim == 2 else arr.reshape(arr.shape[0], -1)
    # x * 2**23 is exact in float32, so rounding here loses nothing at 24 bits; at 16 bits it
    # keeps 8 fraction bits (1/256 LSB) for the dither to act on.
    fixed = np.rint(arr.reshape(-1) * np.float32(1 << 23)).astype(np.int32)
    full = _full_scale(bit_depth)
    if bit_depth == 16:
        if dither if dither is not None else not _on_grid(fixed, 8):
            frames, channels = shaped.shape[0], max(shaped.shape[1], 1)
            fixed += _dither(start, start + frames, channels, dither_seed)
        fixed += 128  # round half up on the shift below (an arithmetic shift floors)
        fixed >>= 8
    np.clip(fixed, -full, full - 1, out=fixed)
    return fixed.reshape(arr.shape)


def _pcm_bytes(ints: np.ndarray, bit_depth: int) -> bytes:
    if bit_depth == 16:
        return ints.astype("<i2").tobytes()
    # 24-bit packed: the low three bytes of each little-endian int32.
    as_bytes = ints.astype("<i4").reshape(-1).view(np.uint8).reshape(-1, 4)
    return as_bytes[:, :3].tobytes()


def _chunk(fourcc: bytes, payload: bytes) -> bytes:
    pad = b"\x00" if len(payload) % 2 else b""
    return fourcc + struct.pack("<I", len(payload)) + payload + pad


def _fmt_chunk(channels: int, sample_rate: int, bit_depth: int) -> bytes:
    block_align = channels * bit_depth // 8
    base = struct.pack(
        "<HHIIHH",
        WAVE_FORMAT_EXTENSIBLE if channels > 2 else WAVE_FORMAT_PCM,
        channels,
        sample_rate,
        sample_rate * block_align,
        block_align,
        bit_depth,
    )
    if channels <= 2:
        return _chunk(b"fmt ", base)
    # More than two channels needs WAVE_FORMAT_EXTENSIBLE and a speaker mask (first N speakers).
    mask = (1 << channels) - 1 if channels <= 18 else 0
    ext = struct.pack("<HHI", 22, bit_depth, mask) + _PCM_GUID
    return _chunk(b"fmt ", base + ext)


def _smpl_chunk(loop: LoopPoints, sample_rate: int) -> bytes:
    header = struct.pack(
        "<9I",
        0,  # manufacturer
        0,  # product
        round(1e9 / sample_rate),  # sample period, ns
        MIDI_UNITY_NOTE,
        0,  # pitch fraction
        0,  # SMPTE format
        0,  # SMPTE offset
        1,  # one sample loop
        0,  # no sampler-specific data
    )
    # dwEnd is inclusive (the last frame played), per the spec.
    # Loop type 0 = forward; play count 0 = loop forever.
    body = struct.pack("<6I", 0, 0, loop.start, loop.end - 1, 0, 0)
    return _chunk(b"smpl", header + body)


def _cue_chunk(markers: Sequence[Marker]) -> bytes:
    parts = [struct.pack("<I", len(markers))]
    for i, m in enumerate(markers, start=1):
        parts.append(struct.pack("<II4sIII", i, m.frame, b"data", 0, 0, m.frame))
    return _chunk(b"cue ", b"".join(parts))


def _adtl_chunk(markers: Sequence[Marker]) -> bytes:
    parts = [b"adtl"]
    for i, m in enumerate(markers, start=1):
        parts.append(_chunk(b"labl", struct.pack("<I", i) + m.label.encode("utf-8") + b"\x00"))
        if m.length > 0:
            # ltxt: a region of dwSampleLength frames; purpose 'rgn ', no country/language/text.
            ltxt = struct.pack("<II4sHHHH", i, m.length, b"rgn ", 0, 0, 0, 0)
            parts.append(_chunk(b"ltxt", ltxt))
    return _chunk(b"LIST", b"".join(parts))


def _info_chunk(tags: Mapping[str, str]) -> bytes:
    entries: dict[bytes, str] = {}
    for key, value in tags.items():
        fourcc = INFO_IDS.get(key.upper())
        if fourcc is not None:
            entries[fourcc] = value
    if not entries:
        return b""
    parts = [b"INFO"]
    for fourcc, value in entries.items():
        parts.append(_chunk(fourcc, value.encode("utf-8") + b"\x00"))
    return _chunk(b"LIST", b"".join(parts))


def check_audio_args(
    audio: np.ndarray,
    sample_rate: int,
    bit_depth: int,
    loop: LoopPoints | None,
    markers: Sequence[Marker],
) -> np.ndarray:
    """Validate encode arguments (naming the bad field); returns audio as (frames, ch) float32."""
    arr = np.asarray(audio, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise InvalidArgument("audio", f"must be shaped (frames, channels), got {arr.shape}")
    if arr.shape[0] < 1:
        raise InvalidArgument("audio", "must have at least one frame")
    if sample_rate <= 0:
        raise InvalidArgument("sample_rate", f"must be > 0, got {sample_rate}")
    if bit_depth not in BIT_DEPTHS:
        raise InvalidArgument("bit_depth", f"must be one of 16, 24, got {bit_depth}")
    for lo in range(0, arr.shape[0], 1 << 18):  # in blocks: no scene-sized mask
        if not np.isfinite(arr[lo : lo + (1 << 18)]).all():
            raise InvalidArgument("audio", "must not contain NaN or infinite samples")
    frames = arr.shape[0]
    if loop is not None and not (loop.start >= 0 and loop.length >= 1 and loop.end <= frames):
        raise InvalidArgument(
            "loop", f"must lie within 0..{frames} with length >= 1, got {loop.start}+{loop.length}"
        )
    for i, m in enumerate(markers):
        if not 0 <= m.frame <= frames:
            raise InvalidArgument(f"markers[{i}].frame", f"must be in 0..{frames}, got {m.frame}")
        if m.length < 0:
            raise InvalidArgument(f"markers[{i}].length", f"must be >= 0, got {m.length}")
    return arr


WRITE_BLOCK = 1 << 16  # frames quantized and written at once


def _write_wav_to(
    f: BinaryIO,
    arr: np.ndarray,
    sample_rate: int,
    bit_depth: int,
    loop: LoopPoints | None,
    markers: Sequence[Marker],
    dither_seed: int,
    tags: Mapping[str, str] | None,
    gain: float,
    start: int,
    dither: bool | None,
) -> None:
    frames, channels = arr.shape
    chunks = [_fmt_chunk(channels, sample_rate, bit_depth)]
    if loop is not None:
        chunks.append(_smpl_chunk(loop, sample_rate))
    if markers:
        chunks.append(_cue_chunk(markers))
        chunks.append(_adtl_chunk(markers))
    if tags:
        chunks.append(_info_chunk(tags))
    head = b"".join(chunks)
    size = frames * channels * (bit_depth // 8)
    pad = b"\x00" if size % 2 else b""
    riff_size = 4 + len(head) + 8 + size + len(pad)
    if riff_size > _MAX_RIFF:
        raise InvalidArgument("audio", f"is too long for a RIFF WAV file ({riff_size} bytes)")
    f.write(b"".join([b"RIFF", struct.pack("<I", riff_size), b"WAVE", head]))
    f.write(b"data" + struct.pack("<I", size))
    if dither is None:
        dither = needs_dither(arr, bit_depth) if gain == 1.0 else bit_depth == 16
    for lo in range(0, frames, WRITE_BLOCK):
        block = arr[lo : lo + WRITE_BLOCK]
        block = block * np.float32(gain) if gain != 1.0 else block
        ints = quantize(block, bit_depth, dither_seed, start + lo, dither)
        f.write(_pcm_bytes(ints, bit_depth))
    f.write(pad)


def wav_bytes(
    audio: np.ndarray,
    sample_rate: int,
    bit_depth: int,
    loop: LoopPoints | None = None,
    markers: Sequence[Marker] = (),
    dither_seed: int = 0,
    tags: Mapping[str, str] | None = None,
) -> bytes:
    """The complete WAV file `write_wav` writes, as bytes."""
    arr = check_audio_args(audio, sample_rate, bit_depth, loop, markers)
    buf = io.BytesIO()
    _write_wav_to(buf, arr, sample_rate, bit_depth, loop, markers, dither_seed, tags, 1.0, 0, None)
    return buf.getvalue()


def write_wav(
    path: str | os.PathLike[str],
    audio: np.ndarray,
    sample_rate: int,
    bit_depth: int,
    loop: LoopPoints | None = None,
    markers: Sequence[Marker] = (),
    dither_seed: int = 0,
    tags: Mapping[str, str] | None = None,
    gain: float = 1.0,
    start: int = 0,
    dither: bool | None = None,
) -> None:
    """Write PCM WAV (16-bit TPDF-dithered or 24-bit) with smpl loop, cue/labl markers, INFO.

    Written block by block: `gain` scales each block, and `start`/`dither` quantize a slice of
    a longer signal exactly as the whole would be (see `quantize`).
    """
    arr = check_audio_args(audio, sample_rate, bit_depth, loop, markers)
    with open(path, "wb") as f:
        _write_wav_to(
            f, arr, sample_rate, bit_depth, loop, markers, dither_seed, tags, gain, start, dither
        )


def _cstring(raw: bytes) -> str:
    text = raw.split(b"\x00", 1)[0]
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        # Older tools write labels in a Windows code page; latin-1 never fails.
        return text.decode("latin-1")


def _parse_subchunks(payload: bytes) -> list[tuple[bytes, bytes]]:
    out = []
    pos = 0
    while pos + 8 <= len(payload):
        fourcc = payload[pos : pos + 4]
        (size,) = struct.unpack_from("<I", payload, pos + 4)
        body = payload[pos + 8 : pos + 8 + size]
        out.append((fourcc, body))
        pos += 8 + size + (size & 1)
    return out


def read_wav_metadata(path: str | os.PathLike[str]) -> WavMetadata:
    """Parse a RIFF WAVE file's format, length, smpl loop and cue/labl/ltxt markers."""
    file_size = os.path.getsize(path)
    fmt: tuple[int, int, int, int, int] | None = None
    data_size: int | None = None
    loop: LoopPoints | None = None
    cues: list[tuple[int, int]] = []  # (cue id, frame) in file order
    labels: dict[int, str] = {}
    lengths: dict[int, int] = {}
    tags: dict[str, str] = {}
    with open(path, "rb") as f:
        header = f.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            raise ValueError(f"{os.fspath(path)!r} is not a RIFF WAVE file")
        pos = 12
        while pos + 8 <= file_size:
            f.seek(pos)
            fourcc = f.read(4)
            (size,) = struct.unpack("<I", f.read(4))
            body_pos = pos + 8
            # Streaming writers leave sizes at 0 or 0xFFFFFFFF; clamp to what the file holds.
            size = min(size, file_size - body_pos)
            if fourcc == b"data":
                data_size = size
            elif fourcc in (b"fmt ", b"smpl", b"cue ", b"LIST"):
                body = f.read(size)
                if fourcc == b"fmt " and len(body) >= 16:
                    tag, ch, sr, _, align, bits = struct.unpack_from("<HHIIHH", body)
                    if tag == WAVE_FORMAT_EXTENSIBLE and len(body) >= 40:
                        valid_bits = struct.unpack_from("<H", body, 18)[0]
                        bits = valid_bits or bits
                    fmt = (tag, ch, sr, align, bits)
                elif fourcc == b"smpl" and len(body) >= 36 + 24:
                    (n_loops,) = struct.unpack_from("<I", body, 28)
                    if n_loops >= 1:
                        _, _, start, end, _, _ = struct.unpack_from("<6I", body, 36)
                        if end >= start:
                            loop = LoopPoints(start=start, length=end - start + 1)
                elif fourcc == b"cue " and len(body) >= 4:
                    (count,) = struct.unpack_from("<I", body)
                    for i in range(min(count, (len(body) - 4) // 24)):
                        cue_id, _, _, _, _, offset = struct.unpack_from(
                            "<II4sIII", body, 4 + 24 * i
                        )
                        cues.append((cue_id, offset))
                elif fourcc == b"LIST" and len(body) >= 4:
                    kind = body[:4]
                    for sub, sub_body in _parse_subchunks(body[4:]):
                        if kind == b"adtl" and sub in (b"labl", b"note") and len(sub_body) >= 4:
                            (cue_id,) = struct.unpack_from("<I", sub_body)
                            if sub == b"labl" or cue_id not in labels:
                                labels[cue_id] = _cstring(sub_body[4:])
                        elif kind == b"adtl" and sub == b"ltxt" and len(sub_body) >= 8:
                            cue_id, length = struct.unpack_from("<II", sub_body)
                            lengths[cue_id] = length
                        elif kind == b"INFO" and sub in _INFO_NAMES:
                            tags[_INFO_NAMES[sub]] = _cstring(sub_body)
            pos = body_pos + size + (size & 1)
    if fmt is None:
        raise ValueError(f"{os.fspath(path)!r} has no fmt chunk")
    tag, channels, sample_rate, block_align, bits = fmt
    frames = (data_size or 0) // block_align if block_align else 0
    markers = [
        Marker(frame=frame, label=labels.get(cue_id, ""), length=lengths.get(cue_id, 0))
        for cue_id, frame in cues
    ]
    return WavMetadata(
        sample_rate=sample_rate,
        channels=channels,
        bit_depth=bits,
        frames=frames,
        loop=loop,
        markers=markers,
        format_tag=tag,
        tags=tags,
    )
