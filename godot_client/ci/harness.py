"""Run a Godot `.pck` in the official Godot 4 web template in headless Chromium.

One origin serves the page, the engine files (index.js, index.wasm, worklets), the pack, and a
proxy to the Soundloom gateway (`/v1/*`, `/healthz`, `/metrics`), so the game's HTTPRequests
need no CORS. The page forwards Godot's stdout/stderr and exit code here; the game may also
post a screenshot and ask the harness to stop the server (for offline tests); `/__flaky/...`
refuses each path once with 429 + Retry-After and `/__slow/...` answers late (retry and
timeout tests).

    python godot_client/ci/harness.py --engine DIR --pck tests.pck --gateway http://127.0.0.1:P \
        [--server-pid PID] [--config JSON] [--screenshot OUT.png] [--timeout 180]

Prints Godot's output, then exactly `N passed, N failed` (counting `PASS `/`FAIL ` lines); exits
non-zero when a test failed, none ran, the engine exited non-zero or timed out, or any line
says `SCRIPT ERROR` (or another engine error).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

ENGINE_FILES = (
    "index.js",
    "index.wasm",
    "index.audio.worklet.js",
    "index.audio.position.worklet.js",
)
PROXIED = ("/v1/", "/healthz", "/metrics")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}
ERROR_MARKERS = ("SCRIPT ERROR", "ERROR:", "Parse Error", "USER ERROR")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--use-angle=swiftshader",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--window-size=1024,700",
]

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>soundloom godot tests</title>
<style>html,body{margin:0;background:#222}canvas{display:block}</style></head>
<body><canvas id="canvas" width="1024" height="700"></canvas>
<script src="index.js"></script>
<script>
let chain = Promise.resolve();
function post(path, body) {
  chain = chain.then(() => fetch(path, {method: 'POST', body: body}).catch(() => {}));
  return chain;
}
function join(args) { return Array.prototype.map.call(args, String).join(' '); }
window.onerror = (msg, src, line) =>
  post('/__log?stream=err', 'JS ' + msg + ' ' + src + ':' + line);
const engine = new Engine({
  executable: 'index',
  mainPack: 'tests.pck',
  canvasResizePolicy: 0,
  onPrint: function () { post('/__log?stream=out', join(arguments)); },
  onPrintError: function () { post('/__log?stream=err', join(arguments)); },
  onExit: function (code) { post('/__exit', String(code)); },
});
engine.startGame({canvas: document.getElementById('canvas')}).catch(
  (err) => { post('/__log?stream=err', 'startGame failed: ' + err); post('/__exit', '97'); });
</script></body></html>
"""


class Harness:
    """The web app and what the run has collected."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.lines: list[str] = []
        self.exit_code: int | None = None
        self.exited = asyncio.Event()
        self.session: aiohttp.ClientSession | None = None
        self.refused: set[str] = set()

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 << 20)
        app.router.add_get("/", self.page)
        app.router.add_get("/tests.pck", self.pack)
        for name in ENGINE_FILES:
            app.router.add_get(f"/{name}", self.engine_file)
        app.router.add_post("/__log", self.log)
        app.router.add_post("/__exit", self.exit)
        app.router.add_get("/__config", self.config)
        app.router.add_post("/__screenshot", self.screenshot)
        app.router.add_post("/__stop_server", self.stop_server)
        app.router.add_route("*", "/__flaky/{tail:.*}", self.flaky)
        app.router.add_route("*", "/__slow/{tail:.*}", self.slow)
        app.router.add_route("*", "/{tail:.*}", self.proxy)
        return app

    async def page(self, _: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def pack(self, _: web.Request) -> web.FileResponse:
        return web.FileResponse(self.args.pck)

    async def engine_file(self, request: web.Request) -> web.FileResponse:
        name = request.path.lstrip("/")
        types = {"js": "application/javascript", "wasm": "application/wasm"}
        response = web.FileResponse(Path(self.args.engine) / name)
        response.content_type = types[name.rsplit(".", 1)[-1]]
        return response

    async def log(self, request: web.Request) -> web.Response:
        text = await request.text()
        stream = request.query.get("stream", "out")
        for line in text.splitlines() or [""]:
            line = f"[stderr] {line}" if stream == "err" else line
            self.lines.append(line)
            print(line, flush=True)
            if line.startswith("[stderr] JS ") and "RuntimeError" in line:
                self.exit_code = 98  # the engine crashed: it will never call onExit
                self.exited.set()
        return web.Response(text="ok")

    async def exit(self, request: web.Request) -> web.Response:
        self.exit_code = int((await request.text()).strip() or "99")
        self.exited.set()
        return web.Response(text="ok")

    async def config(self, _: web.Request) -> web.Response:
        return web.json_response(json.loads(self.args.config))

    async def screenshot(self, request: web.Request) -> web.Response:
        data = await request.read()
        if self.args.screenshot and data[:8] == b"\x89PNG\r\n\x1a\n":
            Path(self.args.screenshot).write_bytes(data)
            return web.Response(text="saved")
        return web.Response(status=400, text="not a PNG, or no --screenshot")

    async def stop_server(self, _: web.Request) -> web.Response:
        """SIGTERM the Soundloom server and wait until it is gone (for offline tests)."""
        pid = self.args.server_pid
        if not pid:
            return web.Response(status=400, text="no --server-pid")
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return web.Response(text="already stopped")
        for _ in range(600):  # gone once the gateway refuses connections (or the pid is gone)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return web.Response(text="stopped")
            if not await self._gateway_listening():
                return web.Response(text="stopped")
            await asyncio.sleep(0.05)
        return web.Response(status=500, text="still running")

    async def _gateway_listening(self) -> bool:
        url = urlsplit(self.args.gateway)
        try:
            _, writer = await asyncio.open_connection(url.hostname, url.port)
        except OSError:
            return False
        writer.close()
        return True

    async def flaky(self, request: web.Request) -> web.StreamResponse:
        """/__flaky/<path>: the first call per path is a 429 with Retry-After: 1, then proxied."""
        path = "/" + request.match_info["tail"]
        if path not in self.refused:
            self.refused.add(path)
            body = {"error": {"code": 8, "status": "RESOURCE_EXHAUSTED", "message": "queue full"}}
            return web.json_response(body, status=429, headers={"Retry-After": "1"})
        return await self.proxy(request, path)

    async def slow(self, request: web.Request) -> web.StreamResponse:
        """/__slow/<path>: answers after 5 s (for client timeouts)."""
        await asyncio.sleep(5)
        return await self.proxy(request, "/" + request.match_info["tail"])

    async def proxy(self, request: web.Request, path: str | None = None) -> web.StreamResponse:
        path = path or request.path
        if not path.startswith(PROXIED):
            return web.Response(status=404, text="no such harness path")
        assert self.session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        query = f"?{request.query_string}" if request.query_string else ""
        url = self.args.gateway.rstrip("/") + path + query
        try:
            upstream = await self.session.request(
                request.method,
                url,
                headers=headers,
                data=await request.read(),
                allow_redirects=False,
                auto_decompress=False,
            )
        except aiohttp.ClientError as exc:
            return web.Response(status=502, text=f"gateway unreachable: {exc}")
        async with upstream:
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for key, value in upstream.headers.items():
                if key.lower() not in HOP_BY_HOP:
                    response.headers.add(key, value)
            if upstream.headers.get("Content-Length") is not None:
                response.content_length = int(upstream.headers["Content-Length"])
            await response.prepare(request)
            async for data in upstream.content.iter_any():  # NDJSON lines pass on as they come
                await response.write(data)
            await response.write_eof()
            return response


def summarise(lines: list[str], exit_code: int | None) -> tuple[int, int, list[str]]:
    """(passed, failed, problems) from Godot's output and exit code."""
    passed = sum(1 for line in lines if line.startswith("PASS "))
    failed = sum(1 for line in lines if line.startswith("FAIL "))
    problems = [line for line in lines if any(m in line for m in ERROR_MARKERS)]
    if exit_code is None:
        problems.append("the engine did not exit before the timeout")
    elif exit_code != 0:
        problems.append(f"the engine exited with {exit_code}")
    if passed + failed == 0:
        problems.append("no test ran")
    return passed, failed, problems


async def run(args: argparse.Namespace) -> int:
    harness = Harness(args)
    harness.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
    runner = web.AppRunner(harness.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}/"
    print(f"harness: serving {url} (gateway {args.gateway})", flush=True)
    profile = tempfile.mkdtemp(prefix="godot-chromium-")
    chromium = await asyncio.create_subprocess_exec(
        args.chromium,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--remote-debugging-port=0",  # keeps headless Chromium running until killed
        url,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        await asyncio.wait_for(harness.exited.wait(), args.timeout)
        await asyncio.sleep(0.3)  # the last log posts travel before the exit post settles
    except TimeoutError:
        pass
    finally:
        if chromium.returncode is None:
            os.killpg(chromium.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(chromium.wait(), 10)
            except TimeoutError:
                os.killpg(chromium.pid, signal.SIGKILL)
                await chromium.wait()
        await harness.session.close()
        await runner.cleanup()
        shutil.rmtree(profile, ignore_errors=True)
    passed, failed, problems = summarise(harness.lines, harness.exit_code)
    for problem in problems:
        print(f"harness: problem: {problem}", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and not problems else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", required=True, help="folder with index.js and index.wasm")
    parser.add_argument("--pck", required=True)
    parser.add_argument("--gateway", required=True, help="the Soundloom gateway's base URL")
    parser.add_argument("--server-pid", type=int, default=0)
    parser.add_argument("--config", default="{}", help="JSON the game reads from /__config")
    parser.add_argument("--screenshot", help="where the game's posted PNG is written")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=180.0)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
