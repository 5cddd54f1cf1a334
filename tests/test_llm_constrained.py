"""The LLM planner on the tests' own tiny random model: held to the draft schema it always
plans; free, it never does. Also the transformers GGUF path and what `backends` says of it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("lmformatenforcer")

from soundloom.cli import main  # noqa: E402
from soundloom_server.engine.neural.tiny import build_tiny_model, tiny_llm  # noqa: E402
from soundloom_server.engine.plan import SceneRequest  # noqa: E402
from soundloom_server.engine.planners import llm_runtime  # noqa: E402
from soundloom_server.engine.planners.llm import LLMPlanner  # noqa: E402

SCENES = [
    ("rain on a tin roof, a door slams, distant thunder", 0),
    ("a rainy harbour at night, footsteps on wet planks", 1),
    ("a campfire in the woods, an owl, wind in the trees", 2),
    ("a busy market street with a church bell at noon", 3),
    ("a spaceship corridor, an alarm, a door hisses open", 4),
]


@pytest.fixture(scope="module")
def tiny_llm_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: one thread beats fighting for several
    yield build_tiny_model("llm", tmp_path_factory.mktemp("llm") / "llm")
    torch.set_num_threads(threads)


def test_a_random_model_held_to_the_schema_always_plans(tiny_llm_folder: Path) -> None:
    # Three events at most keeps a random model's answer (captions run to full length) short.
    planner = LLMPlanner(tiny_llm_folder, device="cpu", max_events=3, max_retries=0)
    for description, seed in SCENES:
        plan = planner.plan(SceneRequest(description, 20.0), seed=seed)
        assert plan.planner == "llm", (description, plan.warnings)
        assert not [w for w in plan.warnings if w.startswith("llm output repaired")], plan.warnings
        assert 1 <= len(plan.events) <= 3 and all(e.end_s <= 20.0 for e in plan.events)


def test_the_same_random_model_free_never_plans(tiny_llm_folder: Path) -> None:
    planner = LLMPlanner(
        tiny_llm_folder, device="cpu", max_new_tokens=96, max_retries=0, constrain=False
    )
    for description, seed in SCENES:
        plan = planner.plan(SceneRequest(description, 20.0), seed=seed)
        assert plan.planner == "rules" and "fell back to rules" in plan.warnings[0]


def test_a_gguf_without_llama_cpp_loads_through_transformers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    pytest.importorskip("gguf")
    if llm_runtime._importable("llama_cpp"):
        monkeypatch.setenv(llm_runtime.RUNTIME_ENV, "transformers")
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF")
    seen: list[tuple[str, dict[str, Any]]] = []
    tokenizer, model = tiny_llm()

    def loader(result: Any) -> Any:
        def from_pretrained(where: str, **kwargs: Any) -> Any:
            seen.append((where, kwargs))
            return result

        return from_pretrained

    # A real GGUF (a tokenizer and weights in one file) is too big to build here; what matters
    # is that transformers is asked for the file inside its folder.
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", loader(tokenizer))
    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", loader(model))
    llm_runtime.load_transformers.cache_clear()
    plan = LLMPlanner(gguf, device="cpu", max_events=2, max_retries=0).plan(
        SceneRequest("rain and a door", 10.0)
    )
    llm_runtime.load_transformers.cache_clear()
    assert plan.planner == "llm", plan.warnings
    assert [w for w, _ in seen] == [str(tmp_path)] * 2
    assert all(kwargs["gguf_file"] == "tiny.gguf" for _, kwargs in seen)
    assert main(["backends", "--json", "--llm", str(gguf)]) == 0
    rows = {(r["kind"], r["name"]): r for r in json.loads(capsys.readouterr().out)}
    llm = rows[("planner", "llm")]
    assert llm["available"] is True and llm["reason"].startswith("gguf via transformers (")
