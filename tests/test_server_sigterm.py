"""SIGTERM: `soundloom serve` in a subprocess drains in-flight calls, then exits 0."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from test_server_errors import long_request
from test_server_grpc import assemble

from soundloom.v1 import soundloom_pb2 as pb
from soundloom.v1 import soundloom_pb2_grpc as pb_grpc

SERVE = [sys.executable, "-m", "soundloom.cli", "serve", "--grpc-port", "0", "--http-port", "0"]


def read_ports(process: subprocess.Popen[str]) -> tuple[str, str]:
    """The gRPC target and HTTP URL from the server's one line on stdout."""
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("soundloom serve: grpc "), line
    words = line.split()
    return words[3], words[5]


def test_sigterm_lets_the_call_in_flight_finish_and_exits_0(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*SERVE, "--store", str(tmp_path / "store"), "--grace", "20", "--log-level", "WARNING"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        target, http = read_ports(process)
        channel = grpc.insecure_channel(target)
        call = pb_grpc.SoundloomStub(channel).GenerateScene(long_request(77), timeout=60)
        first = next(call)
        assert first.WhichOneof("update") == "accepted"
        rest: list[object] = []
        reader = threading.Thread(target=lambda: rest.extend(call))
        reader.start()
        os.kill(process.pid, signal.SIGTERM)
        # While draining: health says NOT_SERVING on both transports; new work is refused.
        health = health_pb2_grpc.HealthStub(channel)
        deadline = time.monotonic() + 5
        status = None
        while time.monotonic() < deadline:
            status = health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
            if status == health_pb2.HealthCheckResponse.NOT_SERVING:
                break
            time.sleep(0.02)
        assert status == health_pb2.HealthCheckResponse.NOT_SERVING
        try:
            urllib.request.urlopen(f"{http}/healthz", timeout=5)
            raise AssertionError("healthz must be 503 while draining")
        except urllib.error.HTTPError as error:
            assert error.code == 503
            assert json.loads(error.read()) == {"status": "NOT_SERVING"}
        try:
            pb_grpc.SoundloomStub(channel).ListBackends(pb.ListBackendsRequest(), timeout=5)
            raise AssertionError("new calls must be refused while draining")
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.UNAVAILABLE
        reader.join(timeout=30)
        messages = [first, *rest]
        assert messages[-1].WhichOneof("update") == "done"
        info = next(m.asset for m in messages if m.WhichOneof("update") == "asset")
        assert len(assemble(messages)[0]) == info.size_bytes
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
