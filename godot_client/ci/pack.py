"""Write a Godot 4 `.pck` (pack format 3) from folders, with the global class cache it needs.

    python godot_client/ci/pack.py OUT.pck res/path=source/dir [res/other=dir2 ...]

Each `RES=DIR` puts DIR's files (recursively) under `res://RES/` (`.=DIR` for the root), and
`RES=FILE` one file at `res://RES`. The
pack also gets `.godot/global_script_class_cache.cfg`, built from the packed scripts'
`class_name` and `extends` lines: without it, `class_name`s do not resolve in an exported game.

Layout (Godot 4.4+ `PackedData`/`PCKPacker`, version 3): magic `GDPC`, u32 pack version 3, u32
engine major, minor, patch, u32 flags (2 = PACK_REL_FILEBASE: file offsets relative to the file
base), u64 file base, u64 directory offset, 16 reserved u32; then the files, each 16-aligned;
then the directory: u32 count, per file u32 path length (padded to 4 with NULs), path (no
`res://`), u64 offset, u64 size, 16-byte md5, u32 flags.
"""

from __future__ import annotations

import hashlib
import re
import struct
import sys
from pathlib import Path

PACK_FORMAT = 3
ENGINE = (4, 6, 0)
PACK_REL_FILEBASE = 2
ALIGN = 16
SKIP = {".import", ".uid"}  # editor side files
CLASS_NAME = re.compile(r"^class_name\s+(\w+)", re.M)
EXTENDS = re.compile(r"^extends\s+(\w+)", re.M)
TOOL = re.compile(r"^@tool\b", re.M)


def _pad(n: int, to: int = ALIGN) -> int:
    return (to - n % to) % to


def class_cache(files: dict[str, bytes]) -> bytes:
    """`.godot/global_script_class_cache.cfg` for the `class_name`s among the files."""
    entries = []
    for path, data in sorted(files.items()):
        if not path.endswith(".gd"):
            continue
        text = data.decode()
        name = CLASS_NAME.search(text)
        if name is None:
            continue
        base = EXTENDS.search(text)
        entries.append(
            "{\n"
            f'"base": &"{base.group(1) if base else "RefCounted"}",\n'
            f'"class": &"{name.group(1)}",\n'
            '"icon": "",\n'
            '"is_abstract": false,\n'
            f'"is_tool": {"true" if TOOL.search(text) else "false"},\n'
            '"language": &"GDScript",\n'
            f'"path": "res://{path}"\n'
            "}"
        )
    return ("list=[" + ", ".join(entries) + "]\n").encode()


def write_pack(out: Path, files: dict[str, bytes]) -> None:
    """Write `files` (res-relative path → bytes) as a .pck at `out`."""
    files = dict(files)
    files[".godot/global_script_class_cache.cfg"] = class_cache(files)
    header_size = 4 + 4 * 5 + 8 + 8 + 16 * 4
    base = header_size + _pad(header_size)
    body = bytearray()
    directory = []
    for path in sorted(files):
        data = files[path]
        directory.append((path, len(body), len(data), hashlib.md5(data).digest()))
        body += data + b"\0" * _pad(len(data))
    dir_offset = base + len(body)
    head = struct.pack("<4sIIIII", b"GDPC", PACK_FORMAT, *ENGINE, PACK_REL_FILEBASE)
    head += struct.pack("<QQ", base, dir_offset) + b"\0" * 64
    index = bytearray(struct.pack("<I", len(directory)))
    for path, offset, size, md5 in directory:
        raw = path.encode()
        raw += b"\0" * _pad(len(raw), 4)
        index += struct.pack("<I", len(raw)) + raw + struct.pack("<QQ", offset, size) + md5
        index += struct.pack("<I", 0)
    out.write_bytes(head + b"\0" * (base - len(head)) + body + index)


def collect(mappings: list[str]) -> dict[str, bytes]:
    """res-relative path → bytes for each `RES=DIR` mapping."""
    files: dict[str, bytes] = {}
    for mapping in mappings:
        res, _, folder = mapping.partition("=")
        root = Path(folder)
        if root.is_file():
            files[res.strip("/")] = root.read_bytes()
            continue
        prefix = "" if res in ("", ".") else res.strip("/") + "/"
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix not in SKIP and "__pycache__" not in path.parts:
                files[prefix + path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    files = collect(argv[1:])
    write_pack(Path(argv[0]), files)
    print(f"pack.py: {argv[0]}: {len(files) + 1} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
