"""Caption -> recipe matching from words: lemmas, tags and multi-word phrases, negation-safe.

The lexicon is the recipes' own metadata (name and tags) plus a planner-side synonym table for
the words people use that recipe tags leave out. A new recipe file is matchable with no change
here; a synonym entry for a recipe that is not registered is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from soundloom_server.engine.renderers.procedural.recipes import Recipe, all_recipes

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Words and the punctuation that ends a negation's reach ("no rain, birds singing").
_WORD_OR_STOP = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[,.;:!?()]")
NEGATORS = frozenset({"no", "not", "without", "never", "none", "nor", "isn't", "aren't", "don't"})
# Words that end a negation's reach ("no rain but thunder").
_NEGATION_STOP = frozenset({"but", "and", "then", "while", "with", "yet", "except"})
_IRREGULAR = {
    "feet": "foot",
    "leaves": "leaf",
    "wolves": "wolf",
    "knives": "knife",
    "geese": "goose",
    "mice": "mouse",
    "children": "child",
    "people": "person",
    "men": "man",
    "women": "woman",
    "teeth": "tooth",
    "slammed": "slam",
    "slamming": "slam",
    "running": "run",
    "ran": "run",
    "rang": "ring",
    "rung": "ring",
    "blew": "blow",
    "blown": "blow",
    "struck": "strike",
    "fell": "fall",
    "fallen": "fall",
    "shut": "shut",
    "this": "this",
    "glass": "glass",
    "grass": "grass",
    "gas": "gas",
    "bus": "bus",
    "chess": "chess",
    "moss": "moss",
    "boss": "boss",
    "press": "press",
    "hiss": "hiss",
    "hisses": "hiss",
    "his": "his",
    "was": "was",
    "is": "is",
    "always": "always",
    "news": "news",
    "rustles": "rustle",
    "rustling": "rustle",
    "crackling": "crackle",
    "crackles": "crackle",
    "babbling": "babble",
    "babbles": "babble",
    "trickling": "trickle",
    "trickles": "trickle",
    "chirping": "chirp",
    "chirrup": "chirp",
    "creaky": "creak",
    "creaking": "creak",
    "walking": "walk",
    "thunderous": "thunder",
}


def lemma(word: str) -> str:
    """A light English lemma: irregulars, then -ies/-es/-s, -ing, -ed."""
    word = word.lower().strip("'")
    if word.endswith("'s"):
        word = word[:-2]  # possessive: "the wizard's hand"
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        stem = word[:-3]
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
            stem = stem[:-1]  # slamming -> slam
        return stem
    if word.endswith("ed") and len(word) > 4:
        stem = word[:-2]
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
            stem = stem[:-1]
        return stem
    return word


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of `text`."""
    return _WORD.findall(text.lower())


def lemmas(text: str) -> list[str]:
    """Lemmas of `text`'s words, with negated words replaced by '' (so they never match)."""
    out: list[str] = []
    negated = 0
    for word in _WORD_OR_STOP.findall(text.lower()):
        if not word[0].isalnum():
            negated = 0
            continue
        if word in NEGATORS:
            negated = 3  # a negation reaches a few words: "no heavy rain"
            out.append("")
            continue
        if word in _NEGATION_STOP:
            negated = 0
        out.append("" if negated > 0 else lemma(word))
        negated = max(0, negated - 1)
    return out


# Words that carry no sound of their own; dropped from captions and phrases before matching so
# that "the crack of thunder" meets the phrase "crack of thunder".
STOPWORDS = frozenset(
    {"a", "an", "the", "of", "some", "its", "his", "her", "their", "my", "your", "our", "to"}
)

# Planner-side vocabulary: how people name each recipe's sound where the recipe's own tags may
# not. A phrase weighs its number of words, like a tag.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "rain": ("pouring", "pour", "downpour", "drizzle", "patter", "rain drumming"),
    "wind": ("breeze", "gust", "howl", "gale", "draught", "blow"),
    "thunder": ("thunder", "storm rolling in", "rumble of a storm", "thunderclap"),
    "hail": ("hail", "hailstone", "hailstorm", "ice pellet", "sleet"),
    "stream": ("brook", "creek", "river flowing", "trickle", "babble", "rill"),
    "ocean_waves": ("wave", "surf", "sea", "shore", "tide", "lapping", "breakers"),
    "cave_drips": (
        "drip",
        "dripping",
        "droplet",
        "water drip",
        "stalactite",
        "leaky",
        "leak",
        "dripping water",
        "drip echo",
    ),
    "splash": (
        "splash",
        "plop",
        "dive",
        "into water",
        "into pond",
        "into lake",
        "into river",
        "into sea",
        "hit water",
        "belly flop",
        "cannonball",
    ),
    "underwater": (
        "underwater",
        "under water",
        "below surface",
        "beneath surface",
        "beneath wave",
        "submerged",
        "submarine hull",
        "diver",
        "scuba",
        "deep sea",
        "air bubble",
    ),
    "fountain": ("fountain", "water feature", "spout", "spouting", "birdbath"),
    "fire": ("crackle", "log fire", "bonfire", "campfire", "hearth", "ember", "fireplace"),
    "torch": ("torch", "sconce", "flaming torch", "burning torch", "torchlight", "lantern"),
    "explosion": (
        "explosion",
        "explode",
        "blast",
        "bomb",
        "grenade",
        "detonate",
        "detonation",
        "dynamite",
        "blow up",
        "blows up",
        "kaboom",
        "landmine",
        "mortar",
    ),
    "fire_whoosh": (
        "fireball",
        "flamethrower",
        "burst of flame",
        "whoomph",
        "ignite",
        "flare up",
        "breathes fire",
        "breath fire",
        "dragon breath",
        "flame burst",
        "burst into flame",
        "whoosh of flame",
        "fire whoosh",
        "flame",
    ),
    "birds": ("birdsong", "songbird", "sparrow", "twitter", "chirp", "dawn chorus", "bird"),
    "crows": ("crow", "caw", "raven", "rook", "jackdaw", "magpie", "murder of crow"),
    "crickets": ("cricket", "grasshopper", "cicada", "chirr", "katydid"),
    "frogs": ("frog", "toad", "croak", "ribbit", "bullfrog", "peeper"),
    "owl": ("owl", "hoot", "hooting", "barn owl", "tawny owl", "twit twoo"),
    "insect_buzz": (
        "fly",
        "flies",
        "mosquito",
        "bee",
        "bees",
        "wasp",
        "hornet",
        "swarm",
        "gnat",
        "bumblebee",
        "beehive",
        "insect buzz",
        "buzzing insect",
        "whine near ear",
    ),
    "leaves_rustle": (
        "leaf",
        "leaves",
        "foliage",
        "bush",
        "undergrowth",
        "shrub",
        "hedge rustle",
        "rustle",
        "rustling leaves",
        "leaves rustle",
        "branches",
        "twig",
    ),
    "footsteps": ("footstep", "boot", "pacing", "walk", "run", "step", "stride"),
    "door": ("door", "gate", "knock", "creak"),
    "chains": ("chain", "shackle", "manacle", "fetter", "chain rattle", "rattling chain"),
    "cloth": (
        "cloth",
        "fabric",
        "cloak",
        "cape",
        "robe",
        "jacket",
        "coat",
        "clothes",
        "clothing",
        "garment",
        "curtain",
        "flag",
        "banner",
        "sail flap",
        "bedsheet",
        "sheet",
        "tarp",
        "flapping",
        "snapping on pole",
        "leather",
    ),
    "drawer": (
        "drawer",
        "desk drawer",
        "filing cabinet",
        "rummage",
        "rummaging",
        "dresser",
        "chest of drawers",
        "drawer slide",
    ),
    "crowd_murmur": ("murmur", "chatter", "walla", "chat", "chatting", "babble of voices"),
    "applause": (
        "applause",
        "applaud",
        "clapping",
        "clap",
        "ovation",
        "standing ovation",
        "round of applause",
        "audience clap",
    ),
    "heartbeat": (
        "heartbeat",
        "heart beat",
        "heart",
        "pulse",
        "heart pound",
        "heart racing",
        "lub dub",
        "thump thump",
    ),
    "breathing": (
        "breath",
        "breathing",
        "breathe",
        "pant",
        "panting",
        "gasp",
        "gasps",
        "inhale",
        "exhale",
        "wheeze",
        "huff",
        "gasp for air",
    ),
    "engine": (
        "engine",
        "motor",
        "idle",
        "idling",
        "rev",
        "revving",
        "diesel",
        "tractor",
        "ignition",
        "car engine",
        "motorcycle",
        "motorbike",
        "truck",
        "sputter to life",
    ),
    "tyre_skid": (
        "skid",
        "screech",
        "tyre",
        "tire",
        "tyres screech",
        "tires screech",
        "burning rubber",
        "drift",
        "handbrake",
        "brake squeal",
        "skids to halt",
    ),
    "pass_by": (
        "pass by",
        "passes by",
        "passing",
        "drive by",
        "drives by",
        "zoom past",
        "zooms past",
        "whiz past",
        "whizz past",
        "whizzes past",
        "roars by",
        "roar by",
        "races past",
        "speeds past",
        "doppler",
        "flyby",
        "fly by",
        "flies by",
        "goes by",
    ),
    "siren": (
        "siren",
        "police siren",
        "ambulance",
        "air raid",
        "wail",
        "wailing",
        "nee naw",
        "fire engine",
        "police car",
    ),
    "alarm": (
        "alarm",
        "alarm clock",
        "fire alarm",
        "klaxon",
        "buzzer",
        "beeping",
        "smoke detector",
        "burglar alarm",
        "security alarm",
        "alarm goes off",
        "warning beep",
    ),
    "church_bell": ("bell", "bells", "bell ring", "bell toll", "bell chime"),
    "clock": (
        "clock",
        "tick",
        "ticking",
        "tock",
        "tick tock",
        "tick tocking",
        "grandfather clock",
        "pocket watch",
        "clockwork",
        "wall clock",
        "timer ticking",
    ),
    "machine_hum": (
        "machinery",
        "machine",
        "generator",
        "server room",
        "hum",
        "humming",
        "drone",
        "ventilation",
        "air conditioning",
        "fridge",
        "refrigerator",
        "turbine",
        "engine room",
        "reactor hum",
        "hvac",
    ),
    "electric_buzz": (
        "electric",
        "electrical",
        "electricity",
        "fluorescent",
        "neon",
        "transformer",
        "power line",
        "pylon",
        "power cable",
        "live wire",
        "sparking",
        "spark",
        "sparks",
        "short circuit",
        "arcing",
        "tesla coil",
        "mains hum",
        "voltage",
    ),
    "impact": (
        "thud",
        "thump",
        "hit",
        "strike",
        "anvil",
        "hammer",
        "crash into",
        "slam into",
        "hit floor",
        "hit ground",
        "hit wall",
        "onto floor",
        "against wall",
        "falls onto",
    ),
    "glass_shatter": (
        "shatter",
        "shatters",
        "smash",
        "breaking glass",
        "glass breaking",
        "glass break",
        "broken glass",
        "window breaks",
        "window smash",
        "shard",
        "crashes through",
    ),
    "gunshot": (
        "gun",
        "gunshot",
        "gunfire",
        "pistol",
        "rifle",
        "shotgun",
        "revolver",
        "sniper",
        "musket",
        "handgun",
        "pistol shot",
        "shot",
        "shoot",
        "bullet",
        "fires gun",
    ),
    "sword_clash": (
        "sword",
        "swords",
        "blade",
        "blades",
        "clash",
        "clashing",
        "parry",
        "duel",
        "fencing",
        "katana",
        "rapier",
        "cross blades",
        "steel on steel",
        "sword fight",
    ),
    "punch": (
        "punch",
        "fist",
        "fists",
        "jab",
        "uppercut",
        "brawl",
        "fistfight",
        "knockout",
        "right hook",
        "haymaker",
        "body blow",
    ),
    "whoosh": ("whoosh", "swoosh", "swish", "woosh", "swipe", "whip", "through air"),
    "arrow": (
        "arrow",
        "archer",
        "bow",
        "bowstring",
        "crossbow",
        "crossbow bolt",
        "quiver",
        "loose arrow",
        "longbow",
    ),
    "laser": (
        "laser",
        "blaster",
        "phaser",
        "ray gun",
        "raygun",
        "zap",
        "zaps",
        "plasma",
        "beam",
        "laser beam",
        "laser blast",
    ),
    "magic_sparkle": (
        "magic",
        "magical",
        "sparkle",
        "sparkles",
        "glitter",
        "glittering",
        "twinkle",
        "twinkling",
        "shimmer",
        "shimmering",
        "fairy",
        "fairy dust",
        "spell",
        "wand",
        "enchant",
        "enchantment",
        "pixie dust",
    ),
    "force_field": (
        "force field",
        "forcefield",
        "shield",
        "energy shield",
        "barrier",
        "deflector",
        "protective energy",
        "energy barrier",
        "bubble shield",
    ),
    "teleport": (
        "teleport",
        "teleports",
        "warp",
        "warps",
        "portal",
        "beam down",
        "beams down",
        "beam me up",
        "materialize",
        "dematerialize",
        "blink away",
        "vanish",
    ),
    "power_up": (
        "power up",
        "powering up",
        "powers up",
        "charge up",
        "charging up",
        "energize",
        "recharge",
        "power surge",
        "spin up",
    ),
    "retro_coin": ("coin", "coins", "pickup coin", "coin pickup", "collect coin", "ding"),
    "retro_jump": ("jump", "jumps", "hop", "hops", "boing", "springy"),
    "retro_select": (
        "menu",
        "cursor",
        "blip",
        "select",
        "selecting",
        "selection",
        "ui",
        "confirm",
        "menu beep",
        "button press",
    ),
    "retro_hurt": (
        "hurt",
        "damage",
        "take damage",
        "takes damage",
        "ouch",
        "lose life",
        "losing life",
        "lose a life",
        "player hit",
        "gets hit",
    ),
    "retro_powerup": ("power up", "powerup", "level up", "jingle", "mushroom", "grow"),
    "retro_explosion": ("explosion", "explode", "destroyed", "blow up", "boss dies"),
    "retro_laser": ("laser", "pew", "pew pew", "zap", "blaster", "shooter", "shot"),
}

# Words so specific to one sound that a single one should outweigh a generic word or two.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "rain": ("rain", "downpour", "drizzle", "raindrop"),
    "wind": ("wind", "breeze", "gust", "gale"),
    "door": ("door", "gate"),
    "crickets": ("cricket", "cicada", "grasshopper"),
    "birds": ("bird", "birdsong", "songbird"),
    "hail": ("hail", "hailstone", "hailstorm"),
    "cave_drips": ("drip", "stalactite", "droplet"),
    "underwater": ("underwater", "submerged", "diver", "scuba"),
    "fountain": ("fountain", "water feature"),
    "torch": ("torch", "sconce"),
    "fire_whoosh": ("fireball", "flamethrower", "whoomph"),
    "crows": ("crow", "raven", "caw"),
    "frogs": ("frog", "toad", "bullfrog", "ribbit"),
    "owl": ("owl",),
    "insect_buzz": ("mosquito", "wasp", "hornet", "bee", "bumblebee"),
    "chains": ("chain", "shackle", "manacle"),
    "cloth": ("cloak", "fabric", "cloth"),
    "drawer": ("drawer",),
    "applause": ("applause", "clapping", "ovation"),
    "heartbeat": ("heartbeat", "heart", "pulse"),
    "breathing": ("breath", "breathing", "panting", "gasp"),
    "snoring": ("snore", "snoring", "snores", "asleep"),
    "tyre_skid": ("skid", "screech"),
    "siren": ("siren",),
    "alarm": ("alarm", "klaxon"),
    "clock": ("clock", "tick", "ticking"),
    "electric_buzz": ("fluorescent", "neon", "transformer", "electricity", "electric"),
    "glass_shatter": ("shatter", "smash"),
    "gunshot": ("gun", "gunshot", "gunfire", "pistol", "rifle", "shotgun", "revolver", "sniper"),
    "sword_clash": ("sword", "swords", "blades"),
    "punch": ("punch", "fist", "fists", "uppercut", "brawl"),
    "arrow": ("arrow", "crossbow", "archer"),
    "laser": ("laser", "blaster", "phaser", "ray gun"),
    "force_field": ("force field", "forcefield", "shield"),
    "teleport": ("teleport", "portal", "warp", "beam down"),
    "magic_sparkle": ("sparkle", "glitter", "twinkle", "fairy", "wand"),
    "explosion": ("explosion", "grenade", "dynamite", "detonate", "bomb"),
    "rooster_crow": ("rooster", "cockerel"),
    "car_door": ("car door",),
    "aircraft": ("jet", "aircraft", "airplane", "airliner"),
    "ui_error": ("error",),
    "blizzard": ("blizzard", "snowstorm"),
    "typing": ("typing", "keyboard", "typewriter"),
}
KEYWORD_WEIGHT = 2.0

# Places name where a sound is, not what it is ("a roaring bonfire at the beach party"): a tag
# that is only a place counts for a fraction of a word.
PLACE_WORDS = frozenset(
    {
        "inn", "pub", "bar", "tavern", "restaurant", "cafe", "market", "marketplace", "party",
        "beach", "coast", "harbor", "harbour", "pier", "shore", "forest", "woods", "meadow",
        "countryside", "cave", "cavern", "dungeon", "street", "city", "kitchen", "factory",
        "office", "church", "station", "swamp", "pond", "lake", "garden", "park", "room",
        "banquet",
    }
)  # fmt: skip
PLACE_WEIGHT = 0.4
# A phrase found with a word inside it ("hits the wooden floor") is a little weaker evidence.
GAPPED_WEIGHT = 0.75
NAME_BONUS = 0.5

# Words that say "retro game sound": with one, a retro recipe is preferred; without, the
# realistic one is ("a laser" is sci-fi, "an 8-bit laser" is sfxr).
RETRO_CUES = (
    "8 bit", "16 bit", "8bit", "retro", "chiptune", "arcade", "sfxr", "pixel", "nes",
    "gameboy", "platformer", "sprite", "old school",
)  # fmt: skip
RETRO_PENALTY = 0.75


def _stem(word: str) -> str:
    """A matching key: the lemma less a final -e, so "chime" and "chiming" meet."""
    if len(word) > 4 and word.endswith("e") and not word.endswith("ee"):
        return word[:-1]
    return word


def match_keys(text: str) -> list[str]:
    """Stems of the caption's content words; negated words are '' (they match nothing)."""
    return [_stem(w) for w in lemmas(text) if w not in STOPWORDS]


def _phrase_keys(phrase: str) -> tuple[str, ...]:
    return tuple(k for k in match_keys(phrase) if k)


_PLACE_KEYS = frozenset(_stem(lemma(word)) for word in PLACE_WORDS)


@dataclass(frozen=True)
class RecipeMatch:
    """The best recipe for a caption, how strongly it matched, and the words that matched."""

    recipe: Recipe
    score: float
    matched: tuple[str, ...]
    confident: bool = False


@dataclass(frozen=True)
class _Entry:
    """One phrase that names a recipe, with its weight before sharing between recipes."""

    words: tuple[str, ...]
    recipe: str
    weight: float
    name: bool
    keyword: bool = False


@lru_cache(maxsize=1)
def _phrase_index() -> tuple[_Entry, ...]:
    registered = {r.name: r for r in all_recipes()}
    best: dict[tuple[tuple[str, ...], str], _Entry] = {}

    def add(
        phrase: str, recipe: str, weight: float, name: bool = False, keyword: bool = False
    ) -> None:
        words = _phrase_keys(phrase)
        if not words or recipe not in registered:
            return
        if len(words) == 1 and words[0] in _PLACE_KEYS and not name:
            weight = min(weight, PLACE_WEIGHT)
        old = best.get((words, recipe))
        if old is not None:  # the same phrase from two sources: keep the strongest reading
            weight, name, keyword = (
                max(weight, old.weight),
                name or old.name,
                keyword or old.keyword,
            )
        best[(words, recipe)] = _Entry(words, recipe, weight, name, keyword)

    for recipe in registered.values():
        for tag in recipe.tags:
            add(tag, recipe.name, float(len(_phrase_keys(tag))))
        name_phrase = recipe.name.replace("_", " ")
        add(name_phrase, recipe.name, float(len(_phrase_keys(name_phrase))), name=True)
    for recipe_name, phrases in SYNONYMS.items():
        for phrase in phrases:
            add(phrase, recipe_name, float(len(_phrase_keys(phrase))))
    for recipe_name, phrases in KEYWORDS.items():
        for phrase in phrases:
            add(phrase, recipe_name, KEYWORD_WEIGHT * len(_phrase_keys(phrase)), keyword=True)
    return tuple(best.values())


@lru_cache(maxsize=1)
def _sharing() -> dict[tuple[str, ...], int]:
    """How many recipes each phrase names: a phrase shared by n recipes counts 1/n to each."""
    counts: dict[tuple[str, ...], int] = {}
    for entry in _phrase_index():
        counts[entry.words] = counts.get(entry.words, 0) + 1
    return counts


def _contains(haystack: list[str], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(tuple(haystack[i : i + n]) == needle for i in range(len(haystack) - n + 1))


def _contains_gapped(haystack: list[str], needle: tuple[str, ...]) -> bool:
    """The phrase's words in order with at most one word between each ("hits the wooden
    floor" holds "hit floor"); a negated word ('') breaks the phrase."""
    for start, word in enumerate(haystack):
        if word != needle[0]:
            continue
        at = start
        for part in needle[1:]:
            window = haystack[at + 1 : at + 3]
            if part in window and "" not in window[: window.index(part)]:
                at += 1 + window.index(part)
            else:
                break
        else:
            return True
    return False


def _is_retro(recipe: Recipe) -> bool:
    return recipe.name.startswith("retro_") or recipe.family == "retro"


def has_retro_cue(caption: str) -> bool:
    """True when the caption asks for a retro / 8-bit game sound."""
    keys = match_keys(caption)
    return any(_contains(keys, _phrase_keys(cue)) for cue in RETRO_CUES)


def score_recipes(caption: str) -> dict[str, tuple[float, tuple[str, ...]]]:
    """Every recipe's lexicon score for the caption (only those with a match)."""
    keys = match_keys(caption)
    sharing = _sharing()
    scores: dict[str, tuple[float, tuple[str, ...]]] = {}
    for entry in _phrase_index():
        # A keyword is curated as specific to its recipe, so other recipes' tags do not dilute it.
        share = 1 if entry.keyword else sharing[entry.words]
        if _contains(keys, entry.words):
            gain = entry.weight / share + (NAME_BONUS if entry.name else 0.0)
        elif len(entry.words) > 1 and _contains_gapped(keys, entry.words):
            gain = GAPPED_WEIGHT * entry.weight / share
        else:
            continue
        score, matched = scores.get(entry.recipe, (0.0, ()))
        phrase = " ".join(entry.words)
        if phrase not in matched:
            scores[entry.recipe] = (score + gain, (*matched, phrase))
    return scores


def _styled(scores: dict[str, tuple[float, tuple[str, ...]]], caption: str) -> dict[str, float]:
    """Scores with the retro cue applied: retro recipes only with it, discounted without."""
    recipes = {r.name: r for r in all_recipes()}
    retro = {name for name in scores if _is_retro(recipes[name])}
    if has_retro_cue(caption) and retro:
        return {name: scores[name][0] for name in retro}
    return {
        name: score * (RETRO_PENALTY if name in retro else 1.0)
        for name, (score, _) in scores.items()
    }


def match_recipe(caption: str) -> RecipeMatch:
    """The recipe whose tags best match the caption; the nearest by spelling when none match."""
    recipes = {r.name: r for r in all_recipes()}
    scores = score_recipes(caption)
    if scores:
        styled = _styled(scores, caption)
        keys = match_keys(caption)
        # Ties go to the recipe whose matched words come last: English puts the head noun last
        # ("a wooden door" -> door, not wood).
        name = max(styled, key=lambda n: (round(styled[n], 6), _last_position(keys, scores[n][1])))
        return RecipeMatch(recipes[name], styled[name], scores[name][1], confident=True)
    return RecipeMatch(recipes[nearest_by_spelling(caption)], 0.0, (), confident=False)


def _last_position(keys: list[str], matched: tuple[str, ...]) -> int:
    heads = {m.split()[-1] for m in matched}
    return max((i for i, key in enumerate(keys) if key in heads), default=-1)


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def nearest_by_spelling(caption: str) -> str:
    """The recipe whose tags share the most letter trigrams with the caption's words."""
    caption_grams = [_trigrams(w) for w in lemmas(caption) if len(w) > 2]
    best_name, best_score = all_recipes()[0].name, -1.0
    for recipe in all_recipes():
        for tag in (recipe.name, *recipe.tags):
            tag_grams = _trigrams(lemma(tag.replace(" ", "")))
            for grams in caption_grams:
                score = len(grams & tag_grams) / len(grams | tag_grams)
                if score > best_score:
                    best_name, best_score = recipe.name, score
    return best_name
