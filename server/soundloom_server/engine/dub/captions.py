"""Words for a shot from its picture: a local image-captioning model folder (neural path).

The folder is a transformers VisionEncoderDecoder checkpoint (a ViT-GPT2-style captioner: its
`config.json`, weights, image processor and tokenizer), loaded with `from_pretrained` from disk
only. Each shot's middle frame is captioned; greedy decoding, so the same frames give the same
words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from soundloom_server.engine.errors import InvalidArgument

MAX_NEW_TOKENS = 24
SUPPORTED = ("vision-encoder-decoder",)


@dataclass(frozen=True)
class Captioner:
    """A loaded captioning model with what turns frames into its input and its output to text."""

    model: Any
    image_processor: Any
    tokenizer: Any
    path: Path


def load_captioner(path: Path) -> Captioner:
    """Load a captioning folder, refusing (naming `captioner`) what is not one."""
    config = path / "config.json"
    if not config.is_file():
        raise InvalidArgument("captioner", f"{path} is not a model folder (no config.json)")
    model_type = json.loads(config.read_text()).get("model_type", "")
    if model_type not in SUPPORTED:
        raise InvalidArgument(
            "captioner",
            f"{path} holds a {model_type or 'unknown'} model; a captioner folder is one of "
            f"{', '.join(SUPPORTED)} (e.g. a ViT-GPT2 image captioner)",
        )
    try:
        from transformers import AutoImageProcessor, AutoTokenizer, VisionEncoderDecoderModel
    except ImportError as err:  # pragma: no cover - the neural extra is not installed
        raise InvalidArgument(
            "captioner", "needs transformers: pip install 'soundloom[neural]'"
        ) from err
    model = VisionEncoderDecoderModel.from_pretrained(path, local_files_only=True)
    model.eval()
    processor = AutoImageProcessor.from_pretrained(path, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    return Captioner(model, processor, tokenizer, path)


def caption_images(captioner: Captioner, images: list[np.ndarray]) -> list[str]:
    """One caption per RGB image (height, width, 3), greedy, printable text only."""
    if not images:
        return []
    import torch

    pixels = captioner.image_processor(images=images, return_tensors="pt").pixel_values
    with torch.no_grad():
        tokens = captioner.model.generate(
            pixels, max_new_tokens=MAX_NEW_TOKENS, do_sample=False, num_beams=1
        )
    texts = captioner.tokenizer.batch_decode(tokens, skip_special_tokens=True)
    return [" ".join("".join(c for c in text if c.isprintable()).split()) for text in texts]
