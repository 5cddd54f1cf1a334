"""A tiny random StableAudio3InpaintPipeline in the real layout (SAME VAE, T5Gemma, DiT).

How the widths connect (the real checkpoint's numbers in brackets): the T5Gemma encoder gives
token states of `TEXT_DIM` [768]; the duration embedder's vector of the same width is both the
DiT's global (AdaLN) condition and one more cross-attention token, so `cond_token_dim` and
`global_cond_dim` equal `TEXT_DIM`. The SAME VAE turns `patch_size * prod(strides)` samples into
one latent frame of `LATENT_DIM` channels [256]; the inpaint condition is mask + masked latent,
`1 + LATENT_DIM` channels [257]. The DiT has no fixed window; the longest duration the model is
conditioned on is the duration embedder's `max_val` [384 s], which is the renderer's window.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEXT_DIM = 16
LATENT_DIM = 4
# 8 kHz stereo, 32 samples per latent frame; a 2 s window so a few-second event needs seams.
TINY_SA3 = {"sampling_rate": 8000, "patch_size": 8, "strides": (4,), "max_s": 2.0}
SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"]  # Gemma's ids 0..4


def _gemma_tokenizer(vocab_size: int = 400, model_max_length: int = 64) -> Any:
    """A Gemma tokenizer (pad 0, eos 1, bos 2, unk 3) over a BPE vocabulary trained here."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import GemmaTokenizer

    from soundloom_server.engine.neural.corpus import tokenizer_corpus

    # Train with Gemma's own normalisation (spaces become "▁") so the pieces fit its BPE model.
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.normalizer = normalizers.Replace(" ", "▁")
    tokenizer.pre_tokenizer = pre_tokenizers.Split("▁", behavior="merged_with_next")
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS)
    tokenizer.train_from_iterator(tokenizer_corpus(), trainer)
    model = json.loads(tokenizer.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    return GemmaTokenizer(vocab=model["vocab"], merges=merges, model_max_length=model_max_length)


def tiny_sa3_inpaint_pipeline() -> Any:
    """A StableAudio3InpaintPipeline of the real layout with tiny random weights (in memory)."""
    import torch
    from diffusers import (
        AutoencoderSAME,
        FlowMatchEulerDiscreteScheduler,
        StableAudio3DiTModel,
        StableAudio3DurationEmbedder,
        StableAudio3InpaintPipeline,
    )
    from transformers import T5GemmaConfig, T5GemmaEncoderModel
    from transformers.models.t5gemma.configuration_t5gemma import T5GemmaModuleConfig

    tokenizer = _gemma_tokenizer()
    module = T5GemmaModuleConfig(
        vocab_size=len(tokenizer),
        hidden_size=TEXT_DIM,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=8,
        max_position_embeddings=128,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=2,
    )
    text_encoder = T5GemmaEncoderModel(
        T5GemmaConfig(encoder=module.to_dict(), decoder=module.to_dict(), is_encoder_decoder=False)
    )
    vae = AutoencoderSAME(
        audio_channels=2,
        patch_size=TINY_SA3["patch_size"],
        encoder_channels=8,
        encoder_c_mults=(2,),
        encoder_strides=TINY_SA3["strides"],
        encoder_transformer_depths=(1,),
        latent_dim=LATENT_DIM,
        dim_heads=8,
        ff_mult=2,
        sampling_rate=TINY_SA3["sampling_rate"],
    )
    duration_embedder = StableAudio3DurationEmbedder(
        output_dim=TEXT_DIM, fourier_dim=16, max_val=TINY_SA3["max_s"]
    )
    transformer = StableAudio3DiTModel(
        io_channels=LATENT_DIM,
        embed_dim=16,
        depth=2,
        num_heads=2,
        cond_token_dim=TEXT_DIM,
        global_cond_dim=TEXT_DIM,
        local_add_cond_dim=1 + LATENT_DIM,
        timestep_features_dim=16,
        ff_mult=2.0,
        num_memory_tokens=2,
    )
    # Real checkpoints zero-initialise output projections only before training; left at zero in
    # a random model they make the decoded audio ignore the latents (the same clip every time),
    # and then neither seeds nor seams would be exercised.
    with torch.no_grad():
        for module in (vae, transformer):
            for parameter in module.parameters():
                if parameter.ndim >= 2 and not parameter.any():
                    parameter.normal_(0.0, 0.5 / parameter.shape[-1] ** 0.5)
    # Scheduler tables live on the CPU even when the models are built under a device context.
    with torch.device("cpu"):
        scheduler = FlowMatchEulerDiscreteScheduler(shift=1.0)
    return StableAudio3InpaintPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        duration_embedder=duration_embedder,
        transformer=transformer,
        scheduler=scheduler,
    )


def build_tiny_sa3(out_dir: str | Path, seed: int = 0) -> Path:
    """Build a tiny random Stable Audio 3 inpaint pipeline and save it with save_pretrained."""
    import torch

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)  # the same tiny weights every time, so bug reports reproduce
    tiny_sa3_inpaint_pipeline().save_pretrained(out)
    return out
