"""Where the LLM planner's model runs: a transformers folder, or a GGUF file as users have them.

A `.gguf` runs through llama-cpp-python when it is importable (the practical CPU path: it keeps
the weights quantised) and else through transformers' own GGUF loading, which dequantises them
(needs the `gguf` package). A transformers model's answer is held to the draft schema by
lm-format-enforcer's JSON Schema parser when that is installed; llama.cpp holds it to the same
schema with its own JSON-schema grammar. `$SOUNDLOOM_LLM_RUNTIME=transformers` sends a GGUF
through transformers even where llama-cpp-python is installed (to compare the two).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRANSFORMERS = "transformers"
TRANSFORMERS_GGUF = "transformers-gguf"
LLAMA_CPP = "llama.cpp"
RUNTIME_ENV = "SOUNDLOOM_LLM_RUNTIME"
LLAMA_CONTEXT = 8192  # the planner's prompt is ~1,500 tokens and an answer at most ~3,000

Messages = list[dict[str, str]]


def _importable(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


@dataclass(frozen=True)
class LLMSource:
    """The model a path names: a transformers folder, or a GGUF file (`gguf` is its path)."""

    path: Path
    gguf: Path | None = None


@dataclass(frozen=True)
class RuntimeChoice:
    """Which runtime will run a model and why; `runtime` is None when none can."""

    runtime: str | None
    reason: str
    constrained: bool = False


def llm_source(path: Path) -> LLMSource | str:
    """The model at `path` (a save_pretrained folder, a .gguf, a folder of one), or why not."""
    if path.is_file():
        if path.suffix.lower() != ".gguf":
            return f"{path} is a file but not a .gguf"
        return LLMSource(path, path)
    if not path.is_dir():
        return f"no weights at {path} (expected a save_pretrained folder or a .gguf file)"
    if (path / "config.json").is_file():
        return LLMSource(path)
    ggufs = sorted(path.glob("*.gguf"))
    if len(ggufs) == 1:
        return LLMSource(ggufs[0], ggufs[0])
    if ggufs:
        names = ", ".join(g.name for g in ggufs)
        return f"{path} holds several .gguf files ({names}): pass one"
    return f"no weights at {path} (expected a save_pretrained folder or a .gguf file)"


def constraint_available() -> bool:
    """Whether transformers generation can be held to a schema (lm-format-enforcer installed)."""
    return _importable("lmformatenforcer")


def choose_runtime(source: LLMSource) -> RuntimeChoice:
    """The runtime for `source` here, with the reason a user reads in `soundloom backends`."""
    from soundloom_server.engine.neural import missing_packages

    forced = os.environ.get(RUNTIME_ENV, "")
    unconstrained = " output unconstrained (lm-format-enforcer not installed)"
    if source.gguf is not None:
        if forced != TRANSFORMERS and _importable("llama_cpp"):
            return RuntimeChoice(LLAMA_CPP, "gguf via llama-cpp-python", constrained=True)
        missing = missing_packages(("torch", "transformers", "gguf"))
        if missing:
            return RuntimeChoice(
                None,
                f"a .gguf needs llama-cpp-python, or {', '.join(missing)} "
                "(pip install llama-cpp-python, or 'soundloom[neural]')",
            )
        why = (
            "forced by $" + RUNTIME_ENV
            if forced == TRANSFORMERS
            else "llama-cpp-python not installed"
        )
        constrained = constraint_available()
        note = f"gguf via transformers ({why});" + ("" if constrained else unconstrained)
        return RuntimeChoice(TRANSFORMERS_GGUF, note.rstrip(";"), constrained)
    missing = missing_packages(("torch", "transformers"))
    if missing:
        from soundloom_server.engine.neural import install_hint

        return RuntimeChoice(None, install_hint(missing))
    constrained = constraint_available()
    note = "transformers folder" + ("" if constrained else ";" + unconstrained)
    return RuntimeChoice(TRANSFORMERS, note, constrained)


# ---------------------------------------------------------------- transformers


@functools.lru_cache(maxsize=2)
def load_transformers(source: LLMSource, device: str) -> tuple[Any, Any]:
    """Tokenizer and model from a folder or (dequantised) from a GGUF file, once per source."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from soundloom_server.engine.neural import select_dtype, transformers_dtype_kwargs

    if source.gguf is not None:
        # transformers reads the tokenizer and the weights out of the one file.
        where, extra = str(source.gguf.parent), {"gguf_file": source.gguf.name}
    else:
        where, extra = str(source.path), {}
    tokenizer = AutoTokenizer.from_pretrained(where, **extra)
    model = AutoModelForCausalLM.from_pretrained(
        where, **extra, **transformers_dtype_kwargs(select_dtype(device))
    )
    model.to(device).eval()
    return tokenizer, model


def chat_text(tokenizer: Any, messages: Messages) -> str:
    """The prompt text: the tokenizer's chat template, else plain role headings."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    # A model without a chat template still gets a readable prompt rather than a crash.
    return (
        "\n\n".join(f"{m['role'].upper()}:\n{m['content']}" for m in messages) + "\n\nASSISTANT:\n"
    )


def _clean_token(text: str) -> bool:
    # Control characters (newlines, tabs) are legal between JSON tokens but not inside strings,
    # and the enforcer's free-text shortcut would let a tab through: the schema needs none.
    return not any(unicodedata.category(c) == "Cc" for c in text)


@functools.lru_cache(maxsize=2)
def _tokenizer_data(tokenizer: Any) -> Any:
    """lm-format-enforcer's per-tokenizer tables (a walk over the vocabulary: built once).

    Its own transformers integration imports `transformers.tokenization_utils.
    PreTrainedTokenizerBase`, gone in transformers 5, so the tables are built here from its core
    the way that integration does: each token decoded after a "0" shows its leading space.
    """
    from lmformatenforcer import TokenEnforcerTokenizerData

    zero = tokenizer.encode("0", add_special_tokens=False)[-1]
    special = set(tokenizer.all_special_ids)
    regular = []
    for token in range(len(tokenizer)):
        if token in special:
            continue
        text = tokenizer.decode([zero, token])[1:]
        if not text or not _clean_token(text):
            continue
        starts_word = len(text) > len(tokenizer.decode([token]))
        regular.append((token, text, starts_word))

    def decode(tokens: list[int]) -> str:
        return tokenizer.decode(tokens).rstrip("\ufffd")  # a half-decoded byte sequence

    return TokenEnforcerTokenizerData(
        regular, decode, tokenizer.eos_token_id, False, len(tokenizer)
    )


def schema_logits_processor(tokenizer: Any, schema: dict[str, Any], prompt_length: int) -> Any:
    """A transformers LogitsProcessor that allows only tokens continuing a `schema` instance."""
    import torch
    from lmformatenforcer import CharacterLevelParserConfig, JsonSchemaParser, TokenEnforcer
    from transformers import LogitsProcessor

    data = _tokenizer_data(tokenizer)
    alphabet = "".join(c for c in data.tokenizer_alphabet if _clean_token(c))
    config = CharacterLevelParserConfig(
        alphabet=alphabet,
        # One space at most between tokens and keys in the schema's order: an answer's length
        # is then bounded by the schema alone (see llm_schema.max_chars).
        max_consecutive_whitespaces=1,
        force_json_field_order=True,
    )
    enforcer = TokenEnforcer(data, JsonSchemaParser(schema, config))
    enforcer.root_parser.config = config  # TokenEnforcer replaces it with library defaults

    class SchemaLogits(LogitsProcessor):
        def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> Any:
            mask = torch.full_like(scores, float("-inf"))
            for row, ids in enumerate(input_ids):
                # Only the generated part is the enforcer's business (and short to hash).
                allowed = enforcer.get_allowed_tokens(ids[prompt_length:].tolist())
                mask[row, allowed.allowed_tokens] = 0.0
            return scores + mask

    return SchemaLogits()


def generate_transformers(
    tokenizer: Any,
    model: Any,
    device: str,
    messages: Messages,
    max_new_tokens: int,
    seed: int,
    schema: dict[str, Any] | None = None,
) -> str:
    """The model's greedy answer to `messages`; held to `schema` when one is given."""
    import torch
    from transformers import LogitsProcessorList

    prompt = chat_text(tokenizer, messages)
    inputs = tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(device)
    limit = getattr(model.config, "max_position_embeddings", None)
    length = int(inputs["input_ids"].shape[1])
    if limit is not None and length + 16 > limit:
        raise ValueError(f"prompt of {length} tokens does not fit the context of {limit}")
    new_tokens = max_new_tokens if limit is None else min(max_new_tokens, limit - length)
    torch.manual_seed(seed)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    processors = LogitsProcessorList()
    if schema is not None:
        processors.append(schema_logits_processor(tokenizer, schema, length))
    with torch.inference_mode():
        output = model.generate(
            **inputs,
            max_new_tokens=new_tokens,
            do_sample=False,  # greedy: the same request plans the same way
            pad_token_id=pad,
            logits_processor=processors,
        )
    return tokenizer.decode(output[0, length:], skip_special_tokens=True)


# ---------------------------------------------------------------- llama.cpp


@functools.lru_cache(maxsize=2)
def load_llama_cpp(path: Path, threads: int) -> Any:
    """A llama-cpp-python model for a .gguf, loaded once per (path, threads)."""
    from llama_cpp import Llama

    return Llama(model_path=str(path), n_ctx=LLAMA_CONTEXT, n_threads=threads, verbose=False)


def generate_llama_cpp(
    llama: Any, messages: Messages, max_tokens: int, seed: int, schema: dict[str, Any]
) -> str:
    """llama.cpp's answer, held to `schema` by its JSON-schema grammar, greedy and seeded."""
    result = llama.create_chat_completion(
        messages=messages,
        response_format={"type": "json_object", "schema": schema},
        temperature=0.0,  # greedy, as the transformers path: the same request plans the same
        seed=seed,
        max_tokens=max_tokens,
    )
    return result["choices"][0]["message"]["content"] or ""


def llama_threads() -> int:
    """Threads for llama.cpp: $SOUNDLOOM_LLM_THREADS, else the cores this process may use."""
    wanted = os.environ.get("SOUNDLOOM_LLM_THREADS", "")
    return int(wanted) if wanted else max(1, len(os.sched_getaffinity(0)))


Generate = Callable[[Messages, int, int], str]


def answer_function(
    source: LLMSource, choice: RuntimeChoice, device: str, schema: dict[str, Any] | None
) -> Generate:
    """A function (messages, max_new_tokens, seed) -> answer text for the chosen runtime."""
    if choice.runtime == LLAMA_CPP:
        assert source.gguf is not None and schema is not None
        llama = load_llama_cpp(source.gguf, llama_threads())
        return lambda messages, tokens, seed: generate_llama_cpp(
            llama, messages, tokens, seed, schema
        )
    tokenizer, model = load_transformers(source, device)
    return lambda messages, tokens, seed: generate_transformers(
        tokenizer, model, device, messages, tokens, seed, schema
    )


def schema_text(schema: dict[str, Any]) -> str:
    """The schema as the prompt shows it: compact JSON."""
    return json.dumps(schema, separators=(",", ":"))
