"""Unity .meta files for every file and folder of the package, with stable GUIDs.

`python unity_client/ci/check_meta.py` fails (exit 1) naming each missing, stray or duplicate
meta; `--write` creates the missing ones. A GUID is md5("dev.soundloom.client/" + path), so it
never changes once the file exists, and every clone of the package gets the same one. Folders
ending in `~` (Samples~, Documentation~) and dot-files are not imported by Unity: they get none.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
COMMON = "  externalObjects: {}\n  userData: \n  assetBundleName: \n  assetBundleVariant: \n"
IMPORTERS = {
    ".cs": "MonoImporter:\n  externalObjects: {}\n  serializedVersion: 2\n  defaultReferences: []\n"
    "  executionOrder: 0\n  icon: {instanceID: 0}\n  userData: \n  assetBundleName: \n"
    "  assetBundleVariant: \n",
    ".asmdef": "AssemblyDefinitionImporter:\n" + COMMON,
    ".json": "TextScriptImporter:\n" + COMMON,
    ".md": "TextScriptImporter:\n" + COMMON,
}


def _imported(path: Path) -> bool:
    parts = path.relative_to(PACKAGE).parts
    return not any(p.startswith(".") or p.endswith("~") for p in parts) and path.suffix != ".meta"


def guid_for(relative: str) -> str:
    """The stable GUID of a package path."""
    return hashlib.md5(f"dev.soundloom.client/{relative}".encode()).hexdigest()


def meta_text(path: Path) -> str:
    """The .meta a file or folder gets."""
    relative = path.relative_to(PACKAGE).as_posix()
    head = f"fileFormatVersion: 2\nguid: {guid_for(relative)}\n"
    if path.is_dir():
        return head + "folderAsset: yes\nDefaultImporter:\n" + COMMON
    return head + IMPORTERS.get(path.suffix, "DefaultImporter:\n" + COMMON)


def problems(write: bool) -> list[str]:
    """Missing, stray and duplicate metas (missing ones are written when `write`)."""
    found = []
    guids: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        if path.suffix == ".meta":
            if not (path.with_suffix("")).exists():
                found.append(f"{path.relative_to(PACKAGE)}: meta without its file")
            match = re.search(r"^guid: ([0-9a-f]{32})$", path.read_text(), re.M)
            if match is None:
                found.append(f"{path.relative_to(PACKAGE)}: no guid")
            elif match.group(1) in guids:
                found.append(f"{path.relative_to(PACKAGE)}: guid also in {guids[match.group(1)]}")
            else:
                guids[match.group(1)] = path.relative_to(PACKAGE)
            continue
        if not _imported(path):
            continue
        meta = path.with_name(path.name + ".meta")
        if not meta.exists():
            if write:
                meta.write_text(meta_text(path))
            else:
                found.append(f"{path.relative_to(PACKAGE)}: no .meta (run check_meta.py --write)")
    return found


if __name__ == "__main__":
    issues = problems(write="--write" in sys.argv[1:])
    for line in issues:
        print(line)
    sys.exit(1 if issues else 0)
