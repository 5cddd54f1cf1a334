#!/usr/bin/env bash
# The Unity package's engine-free core, built and tested with Mono against a real server.
# Run from the repository root with the project venv active:  bash unity_client/ci/run_tests.sh
# Installs Debian's Mono, NUnit 2.6 and Newtonsoft.Json when missing; starts `soundloom serve` on
# 127.0.0.1 (ephemeral ports, a bearer token, a scratch store); builds a small bank on it; compiles
# Soundloom.Core and its tests with mcs -langversion:7.2 (the C# that Debian's Mono has, so the
# core stays buildable outside Unity); runs nunit-console; prints "N passed, N failed" from
# TestResult.xml; exits non-zero on a compile error, a failure, an error or a test that did not run.
set -euo pipefail

ROOT=$(pwd)
PKG="$ROOT/unity_client"
[ -f "$PKG/package.json" ] || { echo "run from the repository root (unity_client/package.json not found)" >&2; exit 2; }
command -v soundloom >/dev/null || { echo "soundloom is not on PATH: activate the project venv first" >&2; exit 2; }

if ! command -v mcs >/dev/null || ! command -v nunit-console >/dev/null \
    || [ ! -f /usr/lib/cli/Newtonsoft.Json-5.0/Newtonsoft.Json.dll ]; then
  echo "installing Mono, NUnit and Newtonsoft.Json (Debian packages)..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq mono-devel nunit-console libnunit-cil-dev libnewtonsoft-json-cil-dev >/dev/null
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/soundloom-unity-ci.XXXXXX")
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NEWTONSOFT=/usr/lib/cli/Newtonsoft.Json-5.0/Newtonsoft.Json.dll
NUNIT=$(ls /usr/lib/cli/nunit.framework-2.6*/nunit.framework.dll | head -n1)
BIN="$WORK/bin"
mkdir -p "$BIN"
cp "$NEWTONSOFT" "$NUNIT" "$BIN/"

echo "compiling Soundloom.Core and its tests (mcs -langversion:7.2)..."
REFS=(-r:System.Net.Http.dll -r:System.Runtime.Serialization.dll -r:"$NEWTONSOFT")
compile_failed() { echo "compile error: $1" >&2; echo "0 passed, 1 failed"; exit 1; }
mcs -langversion:7.2 -warnaserror+ -nologo -target:library -out:"$BIN/Soundloom.Core.dll" "${REFS[@]}" \
  -doc:"$BIN/Soundloom.Core.xml" -nowarn:1591 $(find "$PKG/Runtime/Core" -name '*.cs' | sort) \
  || compile_failed "Runtime/Core"
mcs -langversion:7.2 -warnaserror+ -nologo -target:library -out:"$BIN/Soundloom.Core.Tests.dll" "${REFS[@]}" \
  -r:"$BIN/Soundloom.Core.dll" -r:"$NUNIT" $(find "$PKG/Tests/Core" -name '*.cs' | sort) \
  || compile_failed "Tests/Core"

# The Unity-only layers cannot be compiled here (no UnityEngine assemblies): parse them at least,
# and check that every file Unity imports has its .meta.
for f in $(find "$PKG/Runtime/Unity" "$PKG/Editor" "$PKG/Tests/Editor" "$PKG/Tests/Runtime" "$PKG/Samples~" -name '*.cs' | sort); do
  mcs --parse -nologo "$f" >/dev/null || compile_failed "syntax of ${f#$ROOT/}"
done
python "$PKG/ci/check_meta.py" || compile_failed ".meta files (run python unity_client/ci/check_meta.py --write)"

# The server: ephemeral ports, a token, its own store; its first stdout line names the ports.
TOKEN="ci-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
soundloom serve --host 127.0.0.1 --grpc-port 0 --http-port 0 --store "$WORK/store" --token "$TOKEN" \
  --log-level WARNING >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 1 300); do
  grep -q "http http://" "$WORK/serve.out" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "soundloom serve exited:" >&2; cat "$WORK/serve.err" >&2; exit 1; }
  sleep 0.1
done
URL=$(sed -n 's/.* http \(http:[^ ]*\).*/\1/p' "$WORK/serve.out" | head -n1)
GRPC=$(sed -n 's/.*grpc \([^ ]*\) http.*/\1/p' "$WORK/serve.out" | head -n1)
[ -n "$URL" ] || { echo "soundloom serve did not report its ports" >&2; cat "$WORK/serve.err" >&2; exit 1; }
echo "server: $URL (gRPC $GRPC)"

# A small bank for the bank.json test. Rendered in-process: `bank build --server` sends no bearer
# token (it has no --token and ignores $SOUNDLOOM_TOKEN), and this server requires one.
cat >"$WORK/bank.toml" <<TOML
[bank]
name = "mini"
output = "$WORK/bank"

[defaults]
format = { ambience = "ogg", sfx = "wav" }
sample_rate = 48000

[[entries]]
name = "rain_on_tin"
description = "steady rain on a tin roof"
duration = 2
kind = "ambience"

[[entries]]
name = "door_slam"
description = "a heavy wooden door slams"
duration = 1
variations = 2
seed = 100
TOML
soundloom bank build "$WORK/bank.toml" --jobs 1 --cache-dir "$WORK/sdk-cache" -q >/dev/null

python "$PKG/ci/proto_contract.py" >"$WORK/contract.json"

echo "running nunit-console..."
set +e
(
  cd "$WORK"
  SOUNDLOOM_TEST_URL="$URL" SOUNDLOOM_TEST_TOKEN="$TOKEN" SOUNDLOOM_BIN="$(command -v soundloom)" \
  SOUNDLOOM_TEST_BANK="$WORK/bank" SOUNDLOOM_TEST_CONTRACT="$WORK/contract.json" \
  SOUNDLOOM_CACHE_DIR="$WORK/unused-default-cache" \
    nunit-console -nologo -labels -result="$WORK/TestResult.xml" "$BIN/Soundloom.Core.Tests.dll" >"$WORK/nunit.log" 2>&1
)
NUNIT_RC=$?
set -e
if [ ! -f "$WORK/TestResult.xml" ]; then
  cat "$WORK/nunit.log"
  echo "0 passed, 1 failed"
  echo "nunit-console wrote no TestResult.xml (exit $NUNIT_RC)" >&2
  exit 1
fi

# Totals from TestResult.xml (NUnit 2.6 format): every test case's result.
python3 - "$WORK/TestResult.xml" "$WORK/nunit.log" <<'PY'
import sys
import xml.etree.ElementTree as ET

cases = ET.parse(sys.argv[1]).getroot().iter("test-case")
passed, failed, not_run = 0, [], []
for case in cases:
    name = case.get("name")
    if case.get("executed") == "False":
        reason = case.findtext("reason/message") or ""
        not_run.append(f"{name}: {reason.strip()}")
    elif case.get("success") == "True":
        passed += 1
    else:
        message = (case.findtext("failure/message") or "").strip()
        failed.append(f"{name}: {message}")
for line in failed:
    print("FAILED", line)
for line in not_run:
    print("NOT RUN", line)
if failed or not_run:
    print("--- nunit-console output ---")
    print(open(sys.argv[2]).read()[-20000:])
print(f"{passed} passed, {len(failed) + len(not_run)} failed")
sys.exit(1 if failed or not_run or passed == 0 else 0)
PY
