"""Build the Asset Library zip of the addon: `addons/soundloom/` (+ README, LICENSE notes).

    python godot_client/ci/release_zip.py [OUT_DIR]     # default: godot_client/dist

Writes `soundloom-godot-<version>.zip` (the version from plugin.cfg) with fixed timestamps, so
the same sources give the same bytes. Unzip it into a project's root: the files land in
`res://addons/soundloom/`.
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADDON = ROOT / "addons" / "soundloom"
EPOCH = (2026, 1, 1, 0, 0, 0)


def version() -> str:
    match = re.search(r'^version="([^"]+)"', (ADDON / "plugin.cfg").read_text(), re.M)
    if match is None:
        raise SystemExit("plugin.cfg has no version")
    return match.group(1)


def build(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"soundloom-godot-{version()}.zip"
    files = sorted(p for p in ADDON.rglob("*") if p.is_file() and p.suffix != ".uid")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"addons/soundloom/{path.relative_to(ADDON).as_posix()}", EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
        readme = zipfile.ZipInfo("addons/soundloom/README.md", EPOCH)
        readme.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(readme, (ROOT / "README.md").read_bytes())
    return target


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist"
    print(build(out))
