"""Generate the committed protobuf/gRPC stubs in sdk/soundloom/v1 from proto/, or check them.

Usage (from anywhere, with the dev extra installed)::

    python -m soundloom_server.codegen           # regenerate sdk/soundloom/v1
    python -m soundloom_server.codegen --check   # exit 1 if the committed stubs are stale

It runs grpc_tools' bundled protoc as
``protoc -Iproto -I<grpc_tools/_proto> --python_out=sdk --grpc_python_out=sdk --pyi_out=sdk
soundloom/v1/*.proto``, so the stubs import as ``from soundloom.v1 import soundloom_pb2``.
grpcio-tools is only in the ``dev`` extra; it is imported lazily.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path


def _repo_root() -> Path:
    """The checkout this module sits in (editable install), else the current directory."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / "proto").is_dir() else Path.cwd()


REPO_ROOT = _repo_root()
PROTO_DIR = "proto"
SDK_DIR = "sdk"
PACKAGE = Path("soundloom") / "v1"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2_grpc.py", "_pb2.pyi")
INIT_TEXT = '"""Generated stubs of soundloom.v1: python -m soundloom_server.codegen."""\n'
MISSING_TOOLS = (
    "grpcio-tools is not installed; it is in the dev extra: pip install -e '.[dev]' "
    "(or pip install grpcio-tools==<the pinned version>)"
)


class CodegenError(RuntimeError):
    """protoc failed, or grpcio-tools is missing."""


def proto_files(root: Path = REPO_ROOT) -> list[Path]:
    """The .proto files under proto/, relative to proto/, sorted."""
    base = root / PROTO_DIR
    return sorted(p.relative_to(base) for p in base.rglob("*.proto"))


def _is_generated(path: Path) -> bool:
    return path.name == "__init__.py" or path.name.endswith(GENERATED_SUFFIXES)


def generate(out_dir: Path, root: Path = REPO_ROOT) -> list[Path]:
    """Run protoc on every proto under root/proto into out_dir; return the files written."""
    try:
        from importlib.resources import files

        from grpc_tools import protoc
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise CodegenError(MISSING_TOOLS) from exc
    well_known = files("grpc_tools") / "_proto"
    sources = proto_files(root)
    if not sources:
        raise CodegenError(f"no .proto files under {root / PROTO_DIR}")
    out_dir.mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        f"-I{root / PROTO_DIR}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--pyi_out={out_dir}",
        *(str(root / PROTO_DIR / s) for s in sources),
    ]
    code = protoc.main(args)
    if code != 0:
        raise CodegenError(f"protoc failed with exit code {code}: {' '.join(args[1:])}")
    for package in {s.parent for s in sources}:
        (out_dir / package / "__init__.py").write_bytes(INIT_TEXT.encode("utf-8"))
    return sorted(p for p in out_dir.rglob("*") if p.is_file() and _is_generated(p))


def _stub_files(base: Path, packages: set[Path]) -> dict[Path, bytes]:
    found: dict[Path, bytes] = {}
    for package in packages:
        directory = base / package
        if directory.is_dir():
            for path in directory.iterdir():
                if path.is_file() and _is_generated(path):
                    found[path.relative_to(base)] = path.read_bytes()
    return found


def check(root: Path = REPO_ROOT) -> list[str]:
    """Regenerate into a temporary folder; return one line per stale file (empty = fresh)."""
    packages = {s.parent for s in proto_files(root)}
    with tempfile.TemporaryDirectory(prefix="soundloom-codegen-") as tmp:
        generate(Path(tmp), root)
        fresh = _stub_files(Path(tmp), packages)
    committed = _stub_files(root / SDK_DIR, packages)
    problems: list[str] = []
    for rel in sorted(set(fresh) | set(committed)):
        shown = (Path(SDK_DIR) / rel).as_posix()
        if rel not in committed:
            problems.append(f"missing: {shown}")
        elif rel not in fresh:
            problems.append(f"not generated from any .proto (delete it): {shown}")
        elif fresh[rel] != committed[rel]:
            diff = list(
                difflib.unified_diff(
                    committed[rel].decode("utf-8", "replace").splitlines(),
                    fresh[rel].decode("utf-8", "replace").splitlines(),
                    f"{shown} (committed)",
                    f"{shown} (fresh)",
                    lineterm="",
                    n=1,
                )
            )
            changed = sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
            head = "\n".join(f"    {line}" for line in diff[:12])
            more = "\n    ..." if len(diff) > 12 else ""
            problems.append(f"stale: {shown} ({changed} lines differ)\n{head}{more}")
    return problems


def write(root: Path = REPO_ROOT) -> list[Path]:
    """Regenerate the committed stubs in root/sdk; return the files written."""
    sdk = root / SDK_DIR
    packages = {s.parent for s in proto_files(root)}
    with tempfile.TemporaryDirectory(prefix="soundloom-codegen-") as tmp:
        generated = generate(Path(tmp), root)
        for stale in _stub_files(sdk, packages):
            (sdk / stale).unlink()
        written = []
        for path in generated:
            target = sdk / path.relative_to(tmp)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: regenerate the stubs, or with --check report stale ones."""
    parser = argparse.ArgumentParser(
        prog="python -m soundloom_server.codegen", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if committed stubs are stale")
    parser.add_argument(
        "--root", type=Path, default=REPO_ROOT, help="repository root (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = check(args.root)
            if problems:
                print(
                    "generated stubs are stale; run: python -m soundloom_server.codegen",
                    file=sys.stderr,
                )
                for problem in problems:
                    print(problem, file=sys.stderr)
                return 1
            print(f"stubs in {args.root / SDK_DIR / PACKAGE} are fresh")
            return 0
        for path in write(args.root):
            print(f"wrote {path.relative_to(args.root).as_posix()}")
        return 0
    except CodegenError as exc:
        print(f"codegen: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
