"""Shared pieces of the neural backends: what is installed, which device and dtype, seeded noise.

Nothing here imports torch at import time; functions that need it import it inside, so the core
engine, the CLI and the backend registries stay torch-free.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from soundloom_server.engine.seeds import derive_seed

NEURAL_PACKAGES = ("torch", "transformers", "diffusers")


def missing_packages(names: tuple[str, ...] = NEURAL_PACKAGES) -> list[str]:
    """Which of `names` cannot be imported here (checked without importing them)."""
    return [name for name in names if importlib.util.find_spec(name) is None]


def install_hint(missing: list[str]) -> str:
    """One line telling the user what is missing and how to get it."""
    return f"{', '.join(missing)} not installed (pip install 'soundloom[neural]')"


def select_device(requested: str | None = None) -> str:
    """`requested`, else $SOUNDLOOM_DEVICE, else cuda when there is a GPU, else cpu."""
    device = requested or os.environ.get("SOUNDLOOM_DEVICE", "")
    if device:
        return device
    return "cuda" if gpu_available() else "cpu"


def gpu_available() -> bool:
    """Whether torch sees a CUDA device (False without torch)."""
    if missing_packages(("torch",)):
        return False
    import torch

    return bool(torch.cuda.is_available())


def select_dtype(device: str) -> Any:
    """bf16 on a GPU (half the memory, tensor cores), float32 on the CPU (bf16 is slow there)."""
    import torch

    return torch.bfloat16 if device.startswith("cuda") else torch.float32


def torch_generator(seed: int, key: str, device: str = "cpu") -> Any:
    """A torch Generator seeded from (scene seed, key) exactly as the NumPy ones are."""
    import torch

    # CUDA generators draw different numbers than CPU ones; noise is drawn on the CPU generator
    # when the device is the CPU and on the device otherwise, so one machine is reproducible.
    generator = torch.Generator(device=device)
    return generator.manual_seed(derive_seed(seed, key) & (2**63 - 1))


def transformers_dtype_kwargs(dtype: Any) -> dict[str, Any]:
    """`dtype=` for transformers >= 4.56 (which deprecates `torch_dtype=`), else `torch_dtype=`."""
    import transformers
    from packaging.version import Version

    modern = Version(transformers.__version__).release >= (4, 56)
    return {"dtype": dtype} if modern else {"torch_dtype": dtype}


def diffusers_from_pretrained(cls: Any, folder: Any, dtype: Any) -> Any:
    """`cls.from_pretrained(folder)` in `dtype`, across diffusers versions."""
    import warnings

    # Every diffusers release takes `torch_dtype`; recent ones warn that it becomes `dtype` in 1.0.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*torch_dtype.*", category=FutureWarning)
        return cls.from_pretrained(folder, torch_dtype=dtype)
