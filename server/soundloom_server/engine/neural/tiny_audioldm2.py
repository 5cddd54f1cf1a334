"""The eleven AudioLDM2Pipeline components, tiny and random, wired with consistent widths.

How the widths connect (the real checkpoint's numbers in brackets): the CLAP text branch gives
one pooled vector of `projection_dim` [512]; the T5 encoder gives token states of `d_model`
[1024]; the projection model maps both to the GPT-2 width [768], GPT-2 generates 8 more states,
and the UNet cross-attends to GPT-2 states and T5 states: `cross_attention_dim=(768, 1024)`.
The VAE decodes latents into a mel spectrogram of `model_in_dim` bins [64] that the HiFi-GAN
vocoder turns into 16 kHz audio, `prod(upsample_rates)` samples per frame [160].
"""

from __future__ import annotations

from typing import Any

CLAP_DIM = 8
T5_DIM = 32
GPT2_DIM = 16
MEL_BINS = 8
UPSAMPLE_RATES = (4, 4)  # 16 samples per mel frame at 16 kHz: 1 ms frames keep the tiny UNet small
LATENT_FRAMES = 1024  # UNet sample_size: 1024 latent frames * 2 (VAE) * 1 ms = 2.048 s per call


def _roberta_tokenizer() -> Any:
    """A byte-level BPE tokenizer in RoBERTa's form (<s> </s> <pad> <unk> <mask>), trained here."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import RobertaTokenizerFast

    from soundloom_server.engine.neural.corpus import tokenizer_corpus

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(tokenizer_corpus(), trainer)
    tokenizer.post_processor = processors.RobertaProcessing(
        ("</s>", tokenizer.token_to_id("</s>")), ("<s>", tokenizer.token_to_id("<s>"))
    )
    return RobertaTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        pad_token="<pad>",
        unk_token="<unk>",
        mask_token="<mask>",
        model_max_length=32,
    )


def tiny_audioldm2_components(tokenizer_2: Any) -> dict[str, Any]:
    """Tiny random components for AudioLDM2Pipeline; `tokenizer_2` is a T5 tokenizer."""
    from diffusers import (
        AudioLDM2ProjectionModel,
        AudioLDM2UNet2DConditionModel,
        AutoencoderKL,
        DDIMScheduler,
    )
    from transformers import (
        ClapConfig,
        ClapFeatureExtractor,
        ClapModel,
        GPT2Config,
        GPT2LMHeadModel,
        SpeechT5HifiGan,
        SpeechT5HifiGanConfig,
        T5Config,
        T5EncoderModel,
    )

    tokenizer = _roberta_tokenizer()
    text_config = {
        "vocab_size": len(tokenizer),
        "hidden_size": 16,
        "intermediate_size": 32,
        "num_attention_heads": 2,
        "num_hidden_layers": 1,
        "projection_dim": CLAP_DIM,
        "pad_token_id": tokenizer.pad_token_id,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "max_position_embeddings": 64,
    }
    audio_config = {
        "spec_size": 8,
        "window_size": 4,
        "num_mel_bins": 8,
        "intermediate_size": 32,
        "depths": [1, 1],
        "num_attention_heads": [1, 1],
        "num_hidden_layers": 1,
        "hidden_size": 16,
        "projection_dim": CLAP_DIM,
        "patch_size": 2,
        "patch_stride": 2,
        "patch_embed_input_channels": 4,
    }
    text_encoder = ClapModel(
        ClapConfig(text_config=text_config, audio_config=audio_config, projection_dim=CLAP_DIM)
    )
    text_encoder_2 = T5EncoderModel(
        T5Config(
            vocab_size=max(len(tokenizer_2), 32),
            d_model=T5_DIM,
            d_kv=8,
            d_ff=32,
            num_layers=1,
            num_heads=2,
            pad_token_id=0,
            eos_token_id=1,
        )
    )
    language_model = GPT2LMHeadModel(
        GPT2Config(
            n_embd=GPT2_DIM,
            n_head=2,
            n_layer=1,
            vocab_size=64,
            n_positions=128,
            bos_token_id=0,
            eos_token_id=0,
        )
    )
    language_model.config.max_new_tokens = 8  # AudioLDM2 generates 8 conditioning states
    projection_model = AudioLDM2ProjectionModel(
        text_encoder_dim=CLAP_DIM, text_encoder_1_dim=T5_DIM, langauge_model_dim=GPT2_DIM
    )
    unet = AudioLDM2UNet2DConditionModel(
        sample_size=LATENT_FRAMES,
        in_channels=4,
        out_channels=4,
        block_out_channels=(8, 16),
        layers_per_block=1,
        norm_num_groups=8,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        # Per block: a self-attention-only transformer (None), then GPT-2 states, then T5 states.
        cross_attention_dim=((None, GPT2_DIM, T5_DIM), (None, GPT2_DIM, T5_DIM)),
        attention_head_dim=4,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 16),
        in_channels=1,
        out_channels=1,
        norm_num_groups=8,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
    )
    vocoder = SpeechT5HifiGan(
        SpeechT5HifiGanConfig(
            model_in_dim=MEL_BINS,
            sampling_rate=16000,
            upsample_initial_channel=16,
            upsample_rates=list(UPSAMPLE_RATES),
            upsample_kernel_sizes=[8, 8],
            resblock_kernel_sizes=[3],
            resblock_dilation_sizes=[[1, 3]],
            normalize_before=False,
        )
    )
    scheduler = DDIMScheduler(
        beta_start=0.0015,
        beta_end=0.0195,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
    )
    return {
        "vae": vae,
        "text_encoder": text_encoder,
        "text_encoder_2": text_encoder_2,
        "projection_model": projection_model,
        "language_model": language_model,
        "tokenizer": tokenizer,
        "tokenizer_2": tokenizer_2,
        "feature_extractor": ClapFeatureExtractor(),
        "unet": unet,
        "scheduler": scheduler,
        "vocoder": vocoder,
    }
