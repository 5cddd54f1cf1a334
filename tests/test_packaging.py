"""Packaging promises: the core installs and runs without the neural stack."""

from __future__ import annotations

import subprocess
import sys


def test_the_core_engine_and_cli_do_not_import_torch() -> None:
    code = (
        "import sys, soundloom.cli, soundloom_server.engine.pipeline, "
        "soundloom_server.engine.package; "
        "from soundloom_server.engine.renderers.procedural.recipes import all_recipes; "
        "all_recipes(); print('torch' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
