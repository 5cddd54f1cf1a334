"""The rules planner reads English; other languages are named as unmatched, never guessed."""

from __future__ import annotations

import pytest

from soundloom_server.engine.planners.language import reads_as_english


@pytest.mark.parametrize(
    "text",
    [
        "rain thunder wind birds",  # a bare list of sound words
        "forest birds, 5 seconds",
        "tense haunted forest crows thunder",
        "door slams",
        "Mystery chase: footsteps splashing in water, thunder roaring",
        "heavy rain, distant thunder, a door slams",
    ],
)
def test_english_descriptions_are_read(text: str) -> None:
    assert reads_as_english(text)


@pytest.mark.parametrize(
    "text",
    [
        "un chat miaule puis un violon joue",
        "lluvia y truenos, una puerta se cierra",
        "Regen prasselt auf das Dach, dann knallt eine Tür",
    ],
)
def test_other_languages_are_not(text: str) -> None:
    assert not reads_as_english(text)
