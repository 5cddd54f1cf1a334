"""Encode and decode package-stage audio: WAV (our writer), OGG Vorbis and FLAC (libsndfile).

Metadata in the files:
- WAV: `smpl` loop, `cue `/`labl`/`ltxt` markers, `LIST`/`INFO` for known tags (see wav.py).
- OGG and FLAC: Vorbis comments written with mutagen. `LOOPSTART` and `LOOPLENGTH` (samples,
  the convention of RPG Maker and most game engines' importers). Markers use
  `CUEPOINT_001=<frame> <label>` (numbered from 001 in marker order, label may contain spaces
  or be empty) plus `CUEPOINT_001_LENGTH=<frames>` for markers with a length. Other tags are
  written as given, with upper-cased names.

OGG files are made byte-for-byte deterministic: libsndfile picks a random Ogg stream serial
number per file, so after writing we replace it with one derived from the content (CRC-32 of the
pages) and recompute the page checksums.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import mutagen
import mutagen.flac
import mutagen.oggopus
import mutagen.oggvorbis
import numpy as np
import soundfile as sf

from soundloom_server.engine.audio import LoopPoints, Marker
from soundloom_server.engine.cancellation import raise_if_cancelled
from soundloom_server.engine.errors import InvalidArgument
from soundloom_server.engine.loudness import METER_CHUNK, LoudnessMeter, LoudnessReport
from soundloom_server.engine.plan import FORMAT_SUFFIX
from soundloom_server.engine.wav import (
    check_audio_args,
    needs_dither,
    quantize,
    read_wav_metadata,
    write_wav,
)

# libvorbis can overflow its stack when handed a long buffer in one call (REFERENCE.md, Encoding);
# half-second writes avoid it and cost nothing measurable.
BLOCK_S = 0.5
# Opus at 64 kb/s a channel: the low end of the range RFC 7587 (3.1.1) gives for full-band
# stereo music (64-128 kb/s); about three quarters of the size of Vorbis at quality 0.6.
OPUS_BITS_PER_CHANNEL = 64_000
CUE_PREFIX = "CUEPOINT_"


def _check_format(fmt: str) -> str:
    if fmt not in FORMAT_SUFFIX:
        raise InvalidArgument("format", f"must be one of {', '.join(FORMAT_SUFFIX)}, got {fmt!r}")
    return fmt


def _check_tag_name(name: str) -> str:
    # Vorbis comment field names: printable ASCII 0x20..0x7D without '='.
    if not name or any(not 0x20 <= ord(ch) <= 0x7D or ch == "=" for ch in name):
        raise InvalidArgument(f"tags[{name!r}]", "must be a non-empty ASCII name without '='")
    return name.upper()


def vorbis_comments(
    loop: LoopPoints | None, markers: Sequence[Marker], tags: Mapping[str, str]
) -> list[tuple[str, str]]:
    """The Vorbis comments encode() writes for OGG/FLAC, in order."""
    out: dict[str, str] = {}
    for name, value in tags.items():
        out[_check_tag_name(name)] = str(value)
    if loop is not None:
        out["LOOPSTART"] = str(loop.start)
        out["LOOPLENGTH"] = str(loop.length)
    for i, m in enumerate(markers, start=1):
        key = f"{CUE_PREFIX}{i:03d}"
        out[key] = f"{m.frame} {m.label}"
        if m.length > 0:
            out[f"{key}_LENGTH"] = str(m.length)
    return list(out.items())


def _write_blocks(
    f: sf.SoundFile,
    data: np.ndarray,
    sample_rate: int,
    gain: float = 1.0,
    as_pcm: Callable[[np.ndarray, int], np.ndarray] | None = None,
) -> None:
    """Write `data` in half-second blocks, each scaled by `gain` and converted by `as_pcm`
    (given the block and its first frame), so nothing scene-sized is made on the way."""
    block = max(1, int(sample_rate * BLOCK_S))
    for start in range(0, data.shape[0], block):
        raise_if_cancelled()
        part = data[start : start + block]
        part = part * np.float32(gain) if gain != 1.0 else part
        f.write(as_pcm(part, start) if as_pcm is not None else part)


def _set_comments(tags: mutagen.FileType, comments: list[tuple[str, str]]) -> None:
    # Replace whatever libsndfile wrote (its ENCODER=libsndfile) with exactly our comments.
    tags.clear()
    for key, value in comments:
        tags[key] = value


def _ogg_crc(page: bytes) -> int:
    # Ogg's CRC-32 is the MSB-first variant of zlib's (poly 0x04C11DB7, init 0, no final xor):
    # bit-reversing every byte and the result turns one into the other.
    crc = (~zlib.crc32(page.translate(_BITSWAP), 0xFFFFFFFF)) & 0xFFFFFFFF
    return int.from_bytes(crc.to_bytes(4, "big").translate(_BITSWAP), "little")


_BITSWAP = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def _ogg_pages(blob: bytes) -> list[tuple[int, int]] | None:
    """(offset, length) of every Ogg page, or None when blob is not one clean page sequence."""
    pages = []
    pos = 0
    while pos < len(blob):
        if blob[pos : pos + 4] != b"OggS" or pos + 27 > len(blob):
            return None
        nsegs = blob[pos + 26]
        length = 27 + nsegs + sum(blob[pos + 27 : pos + 27 + nsegs])
        pages.append((pos, length))
        pos += length
    return pages if pos == len(blob) else None


def normalize_ogg_serial(blob: bytes) -> bytes:
    """Replace the (random) stream serial of a single-stream Ogg file by a content-derived one."""
    pages = _ogg_pages(blob)
    if not pages:
        return blob
    serials = {blob[off + 14 : off + 18] for off, _ in pages}
    if len(serials) != 1:
        return blob  # several logical streams: leave it as it is
    digest = 0
    for off, length in pages:
        # Everything but the serial and the checksum: deterministic for the same content.
        digest = zlib.crc32(blob[off + 4 : off + 14], digest)
        digest = zlib.crc32(blob[off + 18 : off + 22], digest)
        digest = zlib.crc32(blob[off + 26 : off + length], digest)
    serial = struct.pack("<I", digest)
    out = bytearray(blob)
    for off, length in pages:
        out[off + 14 : off + 18] = serial
        out[off + 22 : off + 26] = b"\x00\x00\x00\x00"
        crc = _ogg_crc(bytes(out[off : off + length]))
        out[off + 22 : off + 26] = struct.pack("<I", crc)
    return bytes(out)


def _opus_level(bits_per_second: int) -> float:
    """libsndfile's Opus compression level for a bitrate (6 kb/s .. 512 kb/s)."""
    low, high = 6_000, 512_000
    return 1.0 - (min(max(bits_per_second, low), high) - low) / (high - low)


def _encode_ogg(
    path: str | os.PathLike[str],
    audio: np.ndarray,
    sample_rate: int,
    quality: float,
    comments: list[tuple[str, str]],
    gain: float,
    fmt: str = "ogg",
) -> None:
    # soundfile's compression_level is 1 - quality for Vorbis (libsndfile ogg_vorbis.c); for
    # Opus it sets the bitrate, linearly from 512 kb/s (0) down to 6 kb/s (1) (ogg_opus.c).
    channels = audio.shape[1]
    level = 1.0 - quality if fmt == "ogg" else _opus_level(OPUS_BITS_PER_CHANNEL * channels)
    with sf.SoundFile(
        path,
        "w",
        samplerate=sample_rate,
        channels=channels,
        format="OGG",
        subtype="VORBIS" if fmt == "ogg" else "OPUS",
        compression_level=level,
    ) as f:
        _write_blocks(f, audio, sample_rate, gain)
    ogg = mutagen.oggvorbis.OggVorbis(path) if fmt == "ogg" else mutagen.oggopus.OggOpus(path)
    assert ogg.tags is not None  # Vorbis and Opus streams always carry a comment header
    _set_comments(ogg.tags, comments)
    ogg.save(path)
    # Compressed, the file is a small fraction of the audio: normalising it in memory is cheap.
    blob = Path(path).read_bytes()
    Path(path).write_bytes(normalize_ogg_serial(blob))


def _encode_flac(
    path: str | os.PathLike[str],
    audio: np.ndarray,
    sample_rate: int,
    bit_depth: int,
    dither_seed: int,
    comments: list[tuple[str, str]],
    gain: float,
    start: int,
    dither: bool | None,
) -> None:
    # Quantize here instead of handing libsndfile floats: it would round without dither. This way
    # FLAC carries exactly the samples WAV does for the same seed, and on-grid input stays exact.
    if dither is None:
        dither = needs_dither(audio, bit_depth) if gain == 1.0 else bit_depth == 16

    def as_pcm(block: np.ndarray, at: int) -> np.ndarray:
        ints = quantize(block, bit_depth, dither_seed, start + at, dither)
        return ints.astype(np.int16) if bit_depth == 16 else ints << 8  # PCM_24: the top bytes

    with sf.SoundFile(
        path,
        "w",
        samplerate=sample_rate,
        channels=audio.shape[1],
        format="FLAC",
        subtype=f"PCM_{bit_depth}",
    ) as f:
        _write_blocks(f, audio, sample_rate, gain, as_pcm)
    flac = mutagen.flac.FLAC(path)
    if flac.tags is None:
        flac.add_tags()
    assert flac.tags is not None
    _set_comments(flac.tags, comments)
    flac.save(path)


def encode(
    path: str | os.PathLike[str],
    audio: np.ndarray,
    sample_rate: int,
    fmt: str,
    bit_depth: int = 16,
    loop: LoopPoints | None = None,
    markers: Sequence[Marker] = (),
    tags: Mapping[str, str] | None = None,
    dither_seed: int = 0,
    quality: float = 0.6,
    gain: float = 1.0,
    start: int = 0,
    dither: bool | None = None,
) -> None:
    """Encode (frames, ch) float32 audio to wav/ogg/flac at path, with loop, markers and tags.

    The audio is written block by block, times `gain`; `start` and `dither` make a slice of a
    longer signal quantize exactly as it does in the whole (see `wav.quantize`).
    """
    _check_format(fmt)
    tags = dict(tags or {})
    if fmt == "wav":
        write_wav(
            path,
            audio,
            sample_rate,
            bit_depth,
            loop,
            markers,
            dither_seed,
            tags,
            gain,
            start,
            dither,
        )
        return
    if not 0.0 <= quality <= 1.0:
        raise InvalidArgument("quality", f"must be in 0..1, got {quality}")
    # Same checks as WAV: shape, rate, bit depth, loop and markers inside the audio.
    arr = check_audio_args(audio, sample_rate, bit_depth, loop, markers)
    comments = vorbis_comments(loop, markers, tags)
    if fmt in ("ogg", "opus"):
        _encode_ogg(path, arr, sample_rate, quality, comments, gain, fmt)
    else:
        _encode_flac(path, arr, sample_rate, bit_depth, dither_seed, comments, gain, start, dither)


def decode(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """Read any supported file: float32 (frames, channels) and the sample rate."""
    data, sample_rate = sf.read(path, dtype="float32", always_2d=True)
    return data, int(sample_rate)


def measure_file(path: str | os.PathLike[str], target_lufs: float = float("nan")) -> LoudnessReport:
    """Loudness and peaks of an encoded file as a player decodes it, read block by block."""
    with sf.SoundFile(path) as f:
        frames, channels, rate = f.frames, f.channels, f.samplerate
        meter = LoudnessMeter(frames, channels, rate)
        fed = 0
        for block in f.blocks(blocksize=METER_CHUNK, dtype="float32", always_2d=True):
            block = block[: frames - fed]
            meter.add(block)
            fed += block.shape[0]
    if fed != frames:
        raise ValueError(f"{path}: decoded {fed} of the {frames} frames its header states")
    return meter.report(target_lufs)


def _comments(path: str | os.PathLike[str]) -> dict[str, str]:
    f = mutagen.File(path)
    if f is None or f.tags is None:
        return {}
    out: dict[str, str] = {}
    for key, value in f.tags.items():
        # Vorbis comments come back as lists; keep the first value.
        out[key.upper()] = value[0] if isinstance(value, list) and value else str(value)
    return out


def _is_wav(path: str | os.PathLike[str]) -> bool:
    with open(path, "rb") as f:
        head = f.read(12)
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def read_loop_comments(path: str | os.PathLike[str]) -> LoopPoints | None:
    """The loop stored in a file: LOOPSTART/LOOPLENGTH comments (OGG/FLAC) or WAV `smpl`."""
    if _is_wav(path):
        return read_wav_metadata(path).loop
    comments = _comments(path)
    try:
        start = int(comments["LOOPSTART"])
        if "LOOPLENGTH" in comments:
            length = int(comments["LOOPLENGTH"])
        elif "LOOPEND" in comments:
            # Some tools write LOOPEND instead; read as the exclusive end frame.
            length = int(comments["LOOPEND"]) - start
        else:
            return None
    except (KeyError, ValueError):
        return None
    if start < 0 or length < 1:
        return None
    return LoopPoints(start=start, length=length)


def read_marker_comments(path: str | os.PathLike[str]) -> list[Marker]:
    """Markers stored in a file: CUEPOINT_nnn comments (OGG/FLAC) or WAV `cue `/`labl`."""
    if _is_wav(path):
        return read_wav_metadata(path).markers
    comments = _comments(path)
    numbered = []
    for key, value in comments.items():
        suffix = key[len(CUE_PREFIX) :]
        if not key.startswith(CUE_PREFIX) or not suffix.isdigit():
            continue
        frame_text, _, label = value.partition(" ")
        try:
            frame = int(frame_text)
            length = int(comments.get(f"{key}_LENGTH", "0"))
        except ValueError:
            continue
        numbered.append((int(suffix), Marker(frame=frame, label=label, length=length)))
    return [m for _, m in sorted(numbered, key=lambda item: item[0])]
