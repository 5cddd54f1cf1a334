"""Where a bank's variations render: in this process, worker processes, a server or Ray tasks."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soundloom.bank.manifest import BankEntry
from soundloom.cache import AssetCache
from soundloom.client_core import render_to_directory
from soundloom.errors import InvalidArgument
from soundloom_server.engine.plan import (
    RenderOptions,
    ScenePlan,
    SceneRequest,
    options_from_dict,
    plan_from_dict,
    to_dict,
    validate_request,
)
from soundloom_server.engine.registry import check_backends, lane_for


def render_files(source: dict[str, Any], options: dict[str, Any], key: str) -> dict[str, bytes]:
    """Render one variation in this process; its files by name (main, segments, sidecar).

    Plain data in, bytes out: runs the same in a worker process or a Ray task on another host.
    """
    scene: SceneRequest | ScenePlan = (
        plan_from_dict(source) if "events" in source else validate_request(SceneRequest(**source))
    )
    opts = options_from_dict(options)
    check_backends(scene, opts)
    with tempfile.TemporaryDirectory(prefix="soundloom-render-") as work:
        render_to_directory(scene, opts, key, Path(work))
        return {p.name: p.read_bytes() for p in sorted(Path(work).iterdir())}


@dataclass(frozen=True)
class Variation:
    entry: BankEntry
    index: int
    source: SceneRequest | ScenePlan
    options: RenderOptions
    key: str
    file_name: str


class Runner:
    """Where renders run; each submit's future gives the files' bytes, or None when cached."""

    def __init__(
        self,
        jobs: int,
        server: str | None,
        ray_address: str | None,
        cache: AssetCache,
        token: str | None = None,
        tls: bool | str | Path = False,
    ) -> None:
        self.cache = cache
        self.server = server
        self.ray: Any = None
        self.owns_ray = False
        self.client: Any = None
        self.pool: Executor
        if ray_address is not None:
            try:
                import ray
            except ImportError:
                raise InvalidArgument(
                    "--ray", "needs the distributed extra: pip install 'soundloom[distributed]'"
                ) from None
            self.owns_ray = not ray.is_initialized()
            if self.owns_ray:
                if ray_address == "local":
                    ray.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False)
                else:
                    ray.init(address=ray_address, log_to_driver=False)
            self.ray = ray
            self.task = ray.remote(render_files)
            self.pool = ThreadPoolExecutor(1)
        elif server is not None:
            from soundloom.client import Client

            self.client = Client(server, token=token, tls=tls, cache=cache)
            self.pool = ThreadPoolExecutor(jobs)
        elif jobs > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: the driver has threads, and CUDA cannot be used in a forked child.
            self.pool = ProcessPoolExecutor(
                jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            )
        else:
            self.pool = ThreadPoolExecutor(1)

    def submit(self, job: Variation) -> Future[dict[str, bytes] | None]:
        """Start rendering one variation."""
        if self.client is not None:
            client = self.client

            def remote() -> None:
                client.generate(job.source, options=job.options)
                return None

            return self.pool.submit(remote)
        payload = (to_dict(job.source), to_dict(job.options), job.key)
        if self.ray is not None:
            gpus = 1 if lane_for(job.source, job.options) == "neural" else 0
            ref = self.task.options(num_cpus=1, num_gpus=gpus).remote(*payload)
            return ref.future()
        return self.pool.submit(render_files, *payload)

    def close(self) -> None:
        """Stop workers and close connections."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.client is not None:
            self.client.close()
        if self.owns_ray:
            self.ray.shutdown()


PARENT_CHECK_S = 0.25


def die_with_parent(parent_pid: int) -> None:
    """In a worker process: exit at once when the build that started it is gone.

    A killed build (SIGKILL leaves it no chance to stop its pool) would otherwise leave its
    workers waiting on a dead pipe forever; once orphaned, a process's parent id changes.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()
