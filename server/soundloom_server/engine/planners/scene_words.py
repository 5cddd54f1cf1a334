"""Word tables the rules planner reads scenes with: moods, sources, parts, gestures, places.

Data only; the logic is in rules.py and story.py. Recipe names that are not registered are
skipped where they are used, so a table may name recipes that other sessions are still adding;
"a|b" means the first of them that exists.
"""

from __future__ import annotations

# Moods and genres: they set the style and the pacing of a scene, never an event.
MOOD_PACING: dict[str, str] = {
    **dict.fromkeys(
        (
            "tense", "suspense", "suspenseful", "chase", "action", "frantic", "panic",
            "thriller", "battle", "combat", "fight", "urgent", "hectic", "attack", "escape",
            "getaway", "zombie", "heist",
        ),
        "fast",
    ),
    **dict.fromkeys(
        (
            "cozy", "cosy", "calm", "peaceful", "relaxing", "serene", "tranquil", "quiet",
            "lazy", "sleepy", "gentle", "idyllic", "meditative", "melancholic", "melancholy",
            "lonely", "nostalgic", "romantic", "dreamy",
        ),
        "slow",
    ),
    **dict.fromkeys(
        (
            "mystery", "mysterious", "spooky", "eerie", "creepy", "scary", "horror", "dark",
            "ominous", "haunted", "haunting", "epic", "cinematic", "dramatic", "noir",
            "fantasy", "sci", "fi", "scifi", "cyberpunk", "western", "medieval", "steampunk",
            "retro", "arcade", "game", "level", "scene", "intro", "outro", "cutscene", "menu",
            "mood", "atmosphere", "atmospheric", "vibe", "theme", "chapter", "act", "episode",
            "part", "stage", "boss", "final", "hot", "cold", "full", "evening", "afternoon",
            "morning", "night", "dawn", "dusk", "midnight", "abandoned", "old", "empty",
            "busy", "deserted", "lost", "ancient", "forgotten", "silent", "wet", "rainy",
            "stormy", "snowy", "foggy", "misty", "sunny", "windy", "deep", "distant", "far",
            "somewhere", "someone", "somebody", "something", "upstairs", "downstairs",
            "outside", "inside", "nearby", "moon", "sky", "flower", "flowers", "tree",
            "trees", "sun", "bank", "station", "stable", "valley", "pass", "floor", "ceiling",
        ),
        "",
    ),
}  # fmt: skip

# Words that ask for silence: a scene that says them keeps its quiet stretches.
SILENCE_WORDS = frozenset({"silence", "silent", "pause", "nothing", "stillness", "hush"})

# Adjectives of weather that name a bed or a source: "a rainy harbour", "a stormy night".
WEATHER_ADJECTIVES: dict[str, str] = {
    "rainy": "rain",
    "drizzly": "rain",
    "windy": "wind",
    "blustery": "wind",
    "stormy": "storm",
    "thundery": "thunder",
}

# Verbs of sound: where a clause's subject ends ("footsteps | splashing in water").
SOUND_VERBS = frozenset(
    {
        "slam", "creak", "roar", "skid", "splash", "bark", "howl", "wail", "blare", "crash",
        "rumble", "rumbl", "drip", "rattle", "rattl", "clink", "chat", "crackle", "crackl",
        "flicker", "hum", "tick", "ring", "toll", "buzz", "chirp", "croak", "hoot", "sing",
        "cry", "shout", "scream", "cough", "laugh", "breathe", "breath", "knock", "open",
        "close", "shut", "shatter", "break", "explode", "shake", "fly", "fall", "rev", "honk",
        "crow", "grunt", "quack", "moo", "bleat", "neigh", "meow", "purr", "growl", "snap",
        "drum", "lash", "crack", "slide", "scrape", "rustle", "blow", "gallop", "play", "pour",
        "patter", "hiss", "bubble", "bubbl", "gurgle", "flow", "babble", "lap", "echo",
        "squeak", "clang", "bang", "thud", "whistle", "beep", "clatter", "burn", "pop",
        "sizzle", "whir", "whine", "groan", "moan", "sob", "whisper", "murmur", "stomp",
        "tap", "jingle", "clap", "cheer", "boom", "chime", "speed", "drive", "pass", "walk",
        "run", "rolls", "roll", "flap", "swing", "tumble", "thunder", "answer", "start",
        "begin", "go", "turn", "get", "getting", "dies", "die", "hover", "idle", "rise",
        "sway", "echoe", "falls", "come", "draw", "leave", "approach", "pull", "take",
        "collect", "jump", "flies", "fade", "pick", "grow", "lashe", "sound",
    }
)  # fmt: skip

# A source named by a noun whose sound the recipes make under another name.
SOURCE_NOUNS: dict[str, str] = {
    **dict.fromkeys(
        (
            "car", "truck", "van", "lorry", "bus", "tractor", "jeep", "taxi", "cab", "suv",
            "pickup", "lawnmower", "mower", "bulldozer", "tank",
        ),
        "engine",
    ),
    **dict.fromkeys(("motorbike", "motorcycle", "bike", "scooter", "moped"), "motorcycle|engine"),
    **dict.fromkeys(("jet", "airliner", "plane", "airplane", "aeroplane"), "aircraft"),
    **dict.fromkeys(("helicopter", "chopper"), "helicopter|aircraft"),
    **dict.fromkeys(("train", "locomotive", "tram"), "train|engine"),
}  # fmt: skip

# Sources made of parts: one group, one distance, pan and motion. (recipe, params) per part.
COMPOUNDS: dict[str, tuple[tuple[str, dict[str, float | str]], ...]] = {
    **dict.fromkeys(
        ("fire truck", "fire engine", "firetruck"),
        (("engine", {"size": 0.85}), ("siren", {})),
    ),
    **dict.fromkeys(
        ("police car", "cop car", "squad car", "patrol car", "police cruiser"),
        (("engine", {}), ("siren", {})),
    ),
    "ambulance": (("engine", {}), ("siren", {})),
    **dict.fromkeys(
        ("storm", "thunderstorm", "rainstorm", "tempest"),
        (("rain", {"intensity": 0.75}), ("wind", {"intensity": 0.7}), ("thunder", {})),
    ),
}

# Verbs and phrases of motion or change, by gesture. Lemmas; longest phrases are tried first.
GESTURES: dict[str, str] = {
    **dict.fromkeys(
        (
            "leave", "depart", "pull away", "pull out", "set off", "take off", "start up",
            "roar off", "speed off", "speed away", "race away", "race off", "tear off",
            "zoom off", "peel out", "getaway",
        ),
        "depart",
    ),
    **dict.fromkeys(
        (
            "drive away", "drive off", "move away", "go away", "recede", "fade into distance",
            "fade away into distance", "into distance", "off into distance", "disappear",
            "drift away", "fly away", "fly off", "walk away", "run away", "run off",
            "head off", "retreat", "receding", "fade into the distance",
        ),
        "recede",
    ),
    **dict.fromkeys(
        (
            "approach", "come closer", "draw closer", "draw near", "draw nearer", "get closer",
            "closer", "come toward", "come towards", "arrive", "pull up", "drive up",
            "walk up", "nearing", "close in", "coming",
        ),
        "approach",
    ),
    **dict.fromkeys(
        (
            "grow heavier", "get heavier", "heavier", "intensify", "build", "build up",
            "grow louder", "get louder", "louder", "pick up", "swell", "grow stronger",
            "get stronger", "stronger", "turn into", "get faster", "faster", "speed up",
            "grow", "rise", "rising", "mount", "worsen", "begin to rustle",
        ),
        "rise",
    ),
    **dict.fromkeys(
        (
            "die down", "fade", "fade out", "ease", "ease off", "subside", "calm down",
            "weaken", "soften", "die away", "peter out", "trail off", "slow down",
            "quiet down", "quieter", "weaker", "dwindle", "die out", "go out",
        ),
        "fall",
    ),
    **dict.fromkeys(
        (
            "speed past", "drive past", "go past", "race past", "zoom past", "roar past",
            "drive by", "pass by", "go by", "speed by", "rush past", "pass", "past",
        ),
        "pass",
    ),
    **dict.fromkeys(("left to right", "from left to right"), "pan_right"),
    **dict.fromkeys(("right to left", "from right to left"), "pan_left"),
    **dict.fromkeys(("hover", "idle", "stop", "halt", "wait", "stay", "linger"), "hold"),
}  # fmt: skip

# Words that repeat the source before them: "then another answers far away".
REPEAT_WORDS = frozenset({"another", "again", "answer", "reply", "respond", "echo", "pack"})

# Sounds that recur in life: (length range s, gap range s, most repeats). Used when a scene is
# long enough and the words do not ask for one ("a single", "once").
RECURRING: dict[str, tuple[tuple[float, float], tuple[float, float], int]] = {
    "thunder": ((6.0, 9.0), (5.0, 12.0), 6),
    "footsteps": ((3.0, 6.0), (2.0, 5.0), 3),
    "dog_bark": ((1.2, 2.0), (3.0, 8.0), 4),
    "crows": ((2.0, 3.0), (6.0, 12.0), 3),
    "car_horn": ((0.6, 1.2), (4.0, 9.0), 3),
    "cough": ((1.0, 1.5), (6.0, 12.0), 2),
}
SINGLE_WORDS = frozenset({"single", "once", "one", "lone", "sudden", "suddenly", "final"})

# What a place implies: (recipe alternatives, caption, params, gain offset dB). Marked implied.
PLACE_LAYERS: dict[str, tuple[tuple[str, str, dict[str, float | str], float], ...]] = {
    **dict.fromkeys(
        ("harbour", "harbor", "port", "dock", "docks", "pier", "quay", "marina", "wharf"),
        (
            ("ocean_waves", "water lapping at the pilings", {"intensity": 0.2}, -4.0),
            ("wood_creak", "mooring ropes and wood creaking", {"intensity": 0.3}, -6.0),
            ("buoy_bell", "a distant buoy bell", {"distance": 0.85}, -8.0),
        ),
    ),
    **dict.fromkeys(
        ("ship", "boat", "deck", "hull", "mast", "sailboat"),
        (
            ("ocean_waves", "waves against the hull", {"intensity": 0.3}, -4.0),
            ("wood_creak", "the hull creaking", {"intensity": 0.3}, -6.0),
        ),
    ),
    **dict.fromkeys(
        ("beach", "coast", "shore", "sea", "ocean", "island", "seaside", "cliff"),
        (("ocean_waves", "waves on the shore", {}, -2.0),),
    ),
    **dict.fromkeys(
        ("forest", "woods", "woodland", "grove", "dawn"),
        (
            ("birds", "distant birds", {"distance": 0.7}, -4.0),
            ("leaves_rustle", "leaves in the canopy", {"intensity": 0.3}, -6.0),
        ),
    ),
    "jungle": (
        ("birds", "jungle birds", {}, -4.0),
        ("insect_buzz", "insects", {"intensity": 0.3}, -8.0),
    ),
    **dict.fromkeys(
        ("meadow", "garden", "park", "countryside", "farmyard", "farm", "orchard"),
        (("birds", "distant birds", {"distance": 0.7}, -6.0),),
    ),
    **dict.fromkeys(
        ("cave", "cavern", "grotto", "crypt", "dungeon", "sewer", "mine", "tunnel", "catacomb"),
        (
            ("cave_drips", "water dripping in the dark", {"intensity": 0.3}, -4.0),
            ("wind", "low moving air", {"intensity": 0.15, "gustiness": 0.2}, -10.0),
        ),
    ),
    **dict.fromkeys(
        ("tavern", "pub", "inn", "bar", "saloon"),
        (
            ("crowd_murmur", "patrons talking", {"intensity": 0.4}, -3.0),
            ("fire", "a fire in the hearth", {"intensity": 0.4}, -6.0),
        ),
    ),
    **dict.fromkeys(
        ("city", "street", "town", "market", "marketplace", "downtown"),
        (
            ("crowd_murmur", "people in the street", {"distance": 0.6}, -4.0),
            ("engine", "distant traffic", {"distance": 0.85}, -10.0),
        ),
    ),
    **dict.fromkeys(
        ("mountain", "desert", "valley", "ruins", "battlefield", "tundra", "plateau"),
        (("wind", "wind across the open land", {"intensity": 0.35}, -4.0),),
    ),
    **dict.fromkeys(("river", "creek", "brook"), (("stream", "flowing water", {}, -3.0),)),
    **dict.fromkeys(("swamp", "marsh", "bog"), (("frogs", "frogs in the marsh", {}, -4.0),)),
    **dict.fromkeys(("night", "summer"), (("crickets", "crickets in the dark", {}, -6.0),)),
    **dict.fromkeys(("fireplace", "hearth", "campfire"), (("fire", "the fire", {}, -3.0),)),
}
# Places under a roof: "night" implies no crickets in a kitchen.
INDOOR_WORDS = frozenset(
    {
        "room", "kitchen", "bedroom", "office", "corridor", "hallway", "cabin", "house",
        "attic", "basement", "cellar", "apartment", "bathroom", "library", "shop", "tavern",
        "pub", "inn", "bar", "crypt", "dungeon", "cave", "cavern", "sewer", "tunnel", "hall",
        "church", "cathedral", "warehouse", "factory", "station", "stable", "barn", "tent",
        "indoors", "inside", "upstairs", "downstairs", "ship", "hull",
    }
)  # fmt: skip
MAX_IMPLIED = 3

# Recurring sounds whose distance gesture plays out over their recurrences ("thunder draws
# closer"), not inside one of them.
ACROSS_RECURRENCES = frozenset({"thunder", "dog_bark", "wolf_howl", "crows", "car_horn"})
# A moving source's event length (s) when other sounds share the scene.
MOVING_S = 12.0
# Verbs that start a bed at its place in the story ("an alarm goes off"), not at 0 s.
ONSET_PHRASES = (
    "go off", "goes off", "start", "starts", "begin", "begins", "kick in", "kicks in",
    "break out", "breaks out", "erupt", "erupts", "start up", "come on", "comes on",
    "switch on", "turn on", "ring out", "rings out",
)  # fmt: skip

# Words that make a sound a bed, or a one-shot, whatever its recipe usually is.
BED_WORDS = frozenset(
    {
        "constant",
        "continuous",
        "continuously",
        "steady",
        "throughout",
        "background",
        "ambient",
        "ambience",
        "endless",
        "ongoing",
        "persistent",
        "all",
        "everywhere",
        "surround",
        "bed",
        "loop",
        "looping",
        "nonstop",
        "incessant",
        "drone",
        "keep",
        "keeps",
    }
)
ONE_SHOT_WORDS = frozenset(
    {
        "gust",
        "burst",
        "sudden",
        "suddenly",
        "single",
        "once",
        "clap",
        "crack",
        "bolt",
        "strike",
        "splash",
        "blast",
    }
)
REPEAT_ADVERBS = frozenset(
    {
        "occasional",
        "occasionally",
        "intermittent",
        "intermittently",
        "sporadic",
        "sporadically",
        "periodic",
        "periodically",
        "repeated",
        "repeatedly",
        "sometimes",
        "recurring",
    }
)
# Words that set a scene but make no sound of their own.
SETTING_WORDS = frozenset(
    {
        "night",
        "dawn",
        "dusk",
        "morning",
        "evening",
        "midnight",
        "noon",
        "afternoon",
        "day",
        "darkness",
        "dark",
        "moon",
        "moonlight",
        "fog",
        "mist",
        "sky",
        "lightning",
        "harbour",
        "harbor",
        "port",
        "forest",
        "wood",
        "woods",
        "city",
        "town",
        "village",
        "street",
        "room",
        "cave",
        "hall",
        "castle",
        "dungeon",
        "beach",
        "coast",
        "field",
        "desert",
        "mountain",
        "house",
        "cabin",
        "tavern",
        "inn",
        "market",
        "ship",
        "deck",
        "scene",
        "abandoned",
        "old",
        "empty",
        "winter",
        "summer",
        "autumn",
        "spring",
        "jungle",
        "swamp",
        "garden",
        "park",
        "church",
        "cathedral",
        "kitchen",
        "office",
        "warehouse",
        "factory",
        "station",
        "alley",
        "camp",
        "campsite",
        "valley",
        "lake",
        "island",
        "ruin",
        "ruins",
        "temple",
        "battlefield",
    }
)
ENVIRONMENT_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ("cave", "cavern", "tunnel", "mine", "sewer", "dungeon", "crypt", "grotto"), "cave"
    ),
    **dict.fromkeys(
        (
            "hall",
            "cathedral",
            "church",
            "ballroom",
            "warehouse",
            "temple",
            "atrium",
            "hangar",
            "gym",
            "auditorium",
            "throne",
        ),
        "hall",
    ),
    **dict.fromkeys(
        (
            "room",
            "indoors",
            "inside",
            "kitchen",
            "bedroom",
            "office",
            "corridor",
            "hallway",
            "cabin",
            "tavern",
            "inn",
            "house",
            "attic",
            "basement",
            "cellar",
            "apartment",
            "bathroom",
            "library",
            "shop",
            "classroom",
        ),
        "room",
    ),
    **dict.fromkeys(
        (
            "outdoor",
            "outdoors",
            "outside",
            "forest",
            "woods",
            "street",
            "field",
            "harbour",
            "harbor",
            "beach",
            "city",
            "park",
            "mountain",
            "garden",
            "yard",
            "coast",
            "desert",
            "village",
            "meadow",
            "jungle",
            "camp",
            "valley",
            "lake",
            "dock",
            "pier",
            "alley",
            "battlefield",
            "rooftop",
            "sea",
            "ocean",
        ),
        "outdoor",
    ),
}
# When a description names no bed at all, its setting implies one.
