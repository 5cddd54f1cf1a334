"""Recipe parameters read from a caption's words: heavy/light, distant/close, wooden/metal/stone…

Numbers are normalised to [0, 1] (0.5 = unmarked); words (material, action) are candidates that a
recipe keeps only if its parameter accepts them.
"""

from __future__ import annotations

from soundloom_server.engine.plan import ParamValue
from soundloom_server.engine.planners.lexicon import lemmas, tokens
from soundloom_server.engine.renderers.procedural.recipes import Recipe

NUMERIC_WORDS: dict[str, dict[str, float]] = {
    "intensity": {
        **dict.fromkeys(
            (
                "heavy",
                "hard",
                "pour",
                "torrential",
                "strong",
                "loud",
                "violent",
                "fierce",
                "roar",
                "howl",
                "intense",
                "raging",
                "downpour",
                "driving",
                "lash",
                "pounding",
                "storm",
                "stormy",
                "furious",
                "thick",
                "dense",
                "busy",
                "crowded",
                "huge",
            ),
            0.85,
        ),
        **dict.fromkeys(
            (
                "light",
                "gentle",
                "soft",
                "quiet",
                "faint",
                "drizzle",
                "calm",
                "mild",
                "subtle",
                "sparse",
                "low",
                "weak",
                "little",
                "slight",
                "hushed",
                "muted",
                "whisper",
            ),
            0.2,
        ),
        **dict.fromkeys(("moderate", "steady", "medium", "normal"), 0.5),
    },
    "distance": {
        **dict.fromkeys(
            ("distant", "far", "faraway", "remote", "afar", "muffled", "echoing"), 0.85
        ),
        **dict.fromkeys(("close", "near", "nearby", "closeby", "overhead", "beside", "right"), 0.1),
    },
    "size": {
        **dict.fromkeys(
            (
                "huge",
                "giant",
                "massive",
                "enormous",
                "large",
                "big",
                "heavy",
                "great",
                "thick",
                "vast",
                "colossal",
            ),
            0.85,
        ),
        **dict.fromkeys(("small", "tiny", "little", "light", "thin", "slight", "mini"), 0.2),
    },
    "rate": {
        **dict.fromkeys(
            (
                "run",
                "running",
                "fast",
                "quick",
                "hurried",
                "rapid",
                "sprint",
                "racing",
                "frantic",
                "hurry",
                "dash",
                "chase",
            ),
            0.85,
        ),
        **dict.fromkeys(
            (
                "slow",
                "shuffle",
                "creep",
                "cautious",
                "limp",
                "sneak",
                "tiptoe",
                "careful",
                "lazy",
                "stroll",
                "heavy",
            ),
            0.2,
        ),
        **dict.fromkeys(("walk", "walking", "pace"), 0.5),
    },
}

# Each surface or material word -> the canonical words a recipe's `material` choices may hold,
# best first ("tin roof" is metal to an impact but "roof" to rain).
MATERIAL_WORDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            "wood",
            "wooden",
            "plank",
            "board",
            "deck",
            "floorboard",
            "timber",
            "oak",
            "pier",
            "dock",
            "jetty",
            "boardwalk",
            "crate",
            "barrel",
        ),
        ("wood",),
    ),
    **dict.fromkeys(
        (
            "metal",
            "metallic",
            "iron",
            "steel",
            "tin",
            "grate",
            "grating",
            "copper",
            "brass",
            "chain",
            "pipe",
            "can",
            "anvil",
        ),
        ("metal",),
    ),
    **dict.fromkeys(
        (
            "stone",
            "cobblestone",
            "cobble",
            "concrete",
            "marble",
            "tile",
            "pavement",
            "rock",
            "brick",
            "asphalt",
            "granite",
            "floor",
            "street",
        ),
        ("stone",),
    ),
    **dict.fromkeys(("gravel", "pebble", "shingle"), ("gravel",)),
    **dict.fromkeys(("glass", "window", "windowpane", "bottle", "pane"), ("glass", "window")),
    **dict.fromkeys(("snow", "snowy", "ice", "icy"), ("snow",)),
    **dict.fromkeys(
        ("water", "puddle", "wet", "mud", "muddy", "shallow", "swamp"), ("water", "wet")
    ),
    **dict.fromkeys(("dirt", "earth", "soil", "path", "trail"), ("dirt",)),
    **dict.fromkeys(("grass", "grassy", "lawn", "meadow"), ("grass", "dirt")),
    **dict.fromkeys(("leaf", "foliage", "tree", "forest", "canopy"), ("leaves",)),
    **dict.fromkeys(("roof", "rooftop", "roofing", "awning", "canvas", "tent"), ("roof",)),
}

ACTION_WORDS: dict[str, str] = {
    **dict.fromkeys(("slam", "bang", "shut", "burst", "kick", "crash"), "slam"),
    **dict.fromkeys(("creak", "squeak", "groan", "squeal"), "creak"),
    **dict.fromkeys(("open", "unlock", "swing", "ajar"), "open"),
    **dict.fromkeys(("close", "closing", "latch", "click"), "close"),
    **dict.fromkeys(("knock", "rap", "pound", "tap"), "knock"),
}


# Words that hint at a surface but name no material of their own: "wet planks" are wood, a
# "wooden floor" is wood, a "stone floor" stone; they count only when nothing else is said.
WEAK_MATERIAL_WORDS = frozenset({"wet", "floor", "street", "path", "trail", "shallow"})


def _material_words_first(words: list[str]) -> list[str]:
    """Material words, best first: a noun before its modifier ("tin roof": roof, then tin), and
    the weak surface hints behind every real material."""
    strong = [w for w in words if w not in WEAK_MATERIAL_WORDS]
    heads, modifiers = [], []
    for i, word in enumerate(strong):
        modifies_next = i + 1 < len(strong) and strong[i + 1] in MATERIAL_WORDS
        (modifiers if word in MATERIAL_WORDS and modifies_next else heads).append(word)
    return heads + modifiers + [w for w in words if w in WEAK_MATERIAL_WORDS]


def read_descriptors(caption: str) -> dict[str, object]:
    """Numbers and candidate words that the caption's adjectives and nouns imply."""
    words = [w for w in lemmas(caption) if w]
    raw = tokens(caption)
    found: dict[str, object] = {}
    for name, table in NUMERIC_WORDS.items():
        for word in (*words, *raw):
            if word in table:
                found[name] = table[word]
                break
    if "far away" in caption.lower() or "in the distance" in caption.lower():
        found["distance"] = 0.85
    materials: list[str] = []
    for word in (*_material_words_first(words), *raw):
        for canonical in MATERIAL_WORDS.get(word, ()):
            if canonical not in materials:
                materials.append(canonical)
    if materials:
        found["material"] = tuple(materials)
    for word in (*words, *raw):
        if word in ACTION_WORDS:
            found["action"] = ACTION_WORDS[word]
            break
    return found


def params_for(recipe: Recipe, caption: str) -> dict[str, ParamValue]:
    """The recipe's parameters that the caption's words set (only those the recipe declares)."""
    found = read_descriptors(caption)
    params: dict[str, ParamValue] = {}
    for spec in recipe.params:
        value = found.get(spec.name)
        if value is None:
            continue
        if spec.choices:
            candidates = value if isinstance(value, tuple) else (value,)
            chosen = next((c for c in candidates if c in spec.choices), None)
            if chosen is not None:
                params[spec.name] = chosen
        elif isinstance(value, float):
            params[spec.name] = spec.resolve(value)
    return params
