"""Tiny, randomly initialised models in the exact layouts of real checkpoints.

`build_tiny_model(kind, out_dir)` saves them with `save_pretrained`, so tests, demos and bug
reports load them through the same `from_pretrained` path a real Stable Audio Open, AudioLDM2 or
chat LLM folder takes. Tokenizers are trained here with `tokenizers` on the recipe library's
words: no downloads. Their output is noise (or garbage text), which is the point: they exercise
loading, batching, seams, resampling and fallbacks, not quality.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from soundloom_server.engine.neural.corpus import tokenizer_corpus

KINDS = ("stable-audio", "audioldm2", "llm", "captioner")
SPECIALS_T5 = ["<pad>", "</s>", "<unk>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)

# Tiny Stable Audio: 8 kHz stereo, hop 32, 512 latent frames -> at most 2.048 s per call, so a
# few-second scene already needs segments and seams.
TINY_STABLE_AUDIO = {
    "sampling_rate": 8000,
    "downsampling_ratios": [2, 4, 4],
    "sample_size": 512,
    "latent_channels": 4,
}


def _unigram_vocab(vocab_size: int) -> list[tuple[str, float]]:
    """A SentencePiece-style unigram vocabulary trained on the corpus (T5's tokenizer model)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    trainer = trainers.UnigramTrainer(
        vocab_size=vocab_size, special_tokens=SPECIALS_T5, unk_token="<unk>"
    )
    tokenizer.train_from_iterator(tokenizer_corpus(), trainer)
    return [(piece, score) for piece, score in json.loads(tokenizer.to_str())["model"]["vocab"]]


def t5_tokenizer(vocab_size: int = 400, model_max_length: int = 64) -> Any:
    """A T5 tokenizer (pad 0, eos 1, unk 2) over a locally trained unigram vocabulary."""
    from transformers import T5Tokenizer

    return T5Tokenizer(
        vocab=_unigram_vocab(vocab_size), extra_ids=0, model_max_length=model_max_length
    )


def _chat_tokenizer(vocab_size: int = 600) -> Any:
    """A byte-level BPE tokenizer with a chat template, as chat LLM folders carry."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "</s>", "<unk>", "<|system|>", "<|user|>", "<|assistant|>"]
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(tokenizer_corpus(), trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )
    wrapped.chat_template = CHAT_TEMPLATE
    return wrapped


def stable_audio_components(
    *,
    sampling_rate: int = 44100,
    downsampling_ratios: tuple[int, ...] = (2, 4, 4, 8, 8),
    channel_multiples: tuple[int, ...] = (1, 2, 4, 8, 16),
    encoder_hidden_size: int = 128,
    latent_channels: int = 64,
    sample_size: int = 1024,
    num_layers: int = 24,
    attention_head_dim: int = 64,
    num_attention_heads: int = 24,
    num_key_value_attention_heads: int = 12,
    text_dim: int = 768,
    t5_layers: int = 12,
    t5_heads: int = 12,
    t5_ff: int = 3072,
    tokenizer: Any = None,
) -> dict[str, Any]:
    """The six StableAudioPipeline components; the defaults are Stable Audio Open 1.0's sizes."""
    import torch
    from diffusers import AutoencoderOobleck, CosineDPMSolverMultistepScheduler, StableAudioDiTModel
    from diffusers.pipelines.stable_audio.modeling_stable_audio import (
        StableAudioProjectionModel,
    )
    from transformers import T5Config, T5EncoderModel

    tokenizer = tokenizer if tokenizer is not None else t5_tokenizer(model_max_length=128)
    vae = AutoencoderOobleck(
        encoder_hidden_size=encoder_hidden_size,
        downsampling_ratios=list(downsampling_ratios),
        channel_multiples=list(channel_multiples),
        decoder_channels=encoder_hidden_size,
        decoder_input_channels=latent_channels,
        audio_channels=2,
        sampling_rate=sampling_rate,
    )
    text_encoder = T5EncoderModel(
        T5Config(
            vocab_size=max(len(tokenizer), 32),
            d_model=text_dim,
            d_kv=text_dim // t5_heads,
            d_ff=t5_ff,
            num_layers=t5_layers,
            num_heads=t5_heads,
            pad_token_id=0,
            eos_token_id=1,
        )
    )
    # Conditioning: T5 states projected to the DiT's cross-attention width, plus two learned
    # number embeddings (seconds start/end) that also form the global (prepended) condition.
    projection = StableAudioProjectionModel(
        text_encoder_dim=text_dim, conditioning_dim=text_dim, min_value=0, max_value=512
    )
    transformer = StableAudioDiTModel(
        sample_size=sample_size,
        in_channels=latent_channels,
        num_layers=num_layers,
        attention_head_dim=attention_head_dim,
        num_attention_heads=num_attention_heads,
        num_key_value_attention_heads=num_key_value_attention_heads,
        out_channels=latent_channels,
        cross_attention_dim=text_dim,
        time_proj_dim=256 if num_layers >= 8 else 16,
        global_states_input_dim=2 * text_dim,
        cross_attention_input_dim=text_dim,
    )
    # Scheduler tables live on the CPU even when the models are built under a device context.
    with torch.device("cpu"):
        scheduler = CosineDPMSolverMultistepScheduler(
            sigma_min=0.3,
            sigma_max=500,
            sigma_data=1.0,
            sigma_schedule="exponential",
            solver_order=2,
            prediction_type="v_prediction",
            rho=7.0,
        )
    return {
        "vae": vae,
        "text_encoder": text_encoder,
        "projection_model": projection,
        "tokenizer": tokenizer,
        "transformer": transformer,
        "scheduler": scheduler,
    }


def tiny_stable_audio_pipeline() -> Any:
    """A StableAudioPipeline of the real layout with tiny random weights (in memory)."""
    from diffusers import StableAudioPipeline

    spec = TINY_STABLE_AUDIO
    components = stable_audio_components(
        sampling_rate=spec["sampling_rate"],
        downsampling_ratios=tuple(spec["downsampling_ratios"]),
        channel_multiples=(1, 2, 2),
        encoder_hidden_size=8,
        latent_channels=spec["latent_channels"],
        sample_size=spec["sample_size"],
        num_layers=2,
        attention_head_dim=8,
        num_attention_heads=2,
        num_key_value_attention_heads=1,
        text_dim=16,
        t5_layers=1,
        t5_heads=2,
        t5_ff=32,
        tokenizer=t5_tokenizer(model_max_length=64),
    )
    return StableAudioPipeline(**components)


def tiny_audioldm2_pipeline() -> Any:
    """An AudioLDM2Pipeline of the real layout with tiny random weights (in memory)."""
    from diffusers import AudioLDM2Pipeline

    from soundloom_server.engine.neural.tiny_audioldm2 import tiny_audioldm2_components

    return AudioLDM2Pipeline(**tiny_audioldm2_components(t5_tokenizer(model_max_length=64)))


def tiny_llm() -> tuple[Any, Any]:
    """A tiny random Llama causal LM and its chat tokenizer."""
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = _chat_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=16384,  # rotary positions: a long prompt costs no parameters
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    return tokenizer, LlamaForCausalLM(config)


def tiny_captioner() -> tuple[Any, Any, Any]:
    """A tiny random ViT-GPT2 image captioner (VisionEncoderDecoder), its image processor and
    its tokenizer: the layout of a real captioning folder."""
    from transformers import (
        GPT2Config,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
        ViTConfig,
        ViTImageProcessor,
    )

    tokenizer = _chat_tokenizer()
    encoder = ViTConfig(
        image_size=32,
        patch_size=8,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
    )
    decoder = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=64,
        n_embd=32,
        n_layer=2,
        n_head=4,
        add_cross_attention=True,
        is_decoder=True,
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id = tokenizer.eos_token_id
    config.pad_token_id, config.eos_token_id = tokenizer.pad_token_id, tokenizer.eos_token_id
    processor = ViTImageProcessor(size={"height": 32, "width": 32})
    return VisionEncoderDecoderModel(config=config), processor, tokenizer


def build_tiny_model(kind: str, out_dir: str | Path, seed: int = 0) -> Path:
    """Build a tiny random model of `kind` and save it to `out_dir` with save_pretrained."""
    import torch

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)  # the same tiny weights every time, so bug reports reproduce
    if kind == "captioner":
        model, processor, tokenizer = tiny_captioner()
        for part in (model, processor, tokenizer):
            part.save_pretrained(out)
        return out
    if kind == "llm":
        tokenizer, model = tiny_llm()
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        model.generation_config.save_pretrained(out)
        return out
    pipe = tiny_stable_audio_pipeline() if kind == "stable-audio" else tiny_audioldm2_pipeline()
    pipe.save_pretrained(out)
    return out
