"""Gestures as automation: "leaves" starts and accelerates away, "approaches" nears, "grows
heavier" rises. Each gesture is a curve shape over the event's time; several chain in order."""

from __future__ import annotations

from soundloom_server.engine.plan import Automation, CurvePoint

Shape = tuple[tuple[float, float], ...]

# (curve, points) per gesture; distance 0 close .. 1 far, intensity 0 .. 1.
SHAPES: dict[str, tuple[tuple[str, Shape], ...]] = {
    "depart": (
        ("intensity", ((0.0, 0.45), (0.2, 0.9), (1.0, 0.8))),
        ("distance", ((0.0, 0.15), (0.25, 0.2), (0.6, 0.5), (1.0, 0.95))),
    ),
    "recede": (("distance", ((0.0, 0.2), (0.5, 0.5), (1.0, 0.9))),),
    "approach": (("distance", ((0.0, 0.9), (0.6, 0.45), (1.0, 0.15))),),
    "rise": (("intensity", ((0.0, 0.25), (0.7, 0.7), (1.0, 0.9))),),
    "fall": (("intensity", ((0.0, 0.85), (0.6, 0.4), (1.0, 0.15))),),
    "pass": (
        ("distance", ((0.0, 0.85), (0.5, 0.1), (1.0, 0.85))),
        ("pan", ((0.0, -0.7), (0.5, 0.0), (1.0, 0.7))),
    ),
    "pan_right": (("pan", ((0.0, -0.8), (1.0, 0.8))),),
    "pan_left": (("pan", ((0.0, 0.8), (1.0, -0.8))),),
}
DISTANCE_GESTURES = frozenset({"depart", "recede", "approach", "pass"})
# Gestures that say "it moves": the source is a foreground event of its own length.
MOVING = DISTANCE_GESTURES | {"pan_right", "pan_left"}
# Recipes that already make a gesture themselves (pass_by's Doppler pass).
SELF_MOVING = {"pass_by": "pass", "aircraft": "pass"}


def _chain(shapes: list[Shape]) -> tuple[CurvePoint, ...]:
    """Shapes one after the other over the event, each given an equal share of its time."""
    share = 1.0 / len(shapes)
    points: list[CurvePoint] = []
    for n, shape in enumerate(shapes):
        for t, value in shape:
            at = round((n + t) * share, 4)
            if points and at <= points[-1].t:
                continue
            points.append(CurvePoint(at, value))
    return tuple(points)


def automation_for(gestures: list[str]) -> Automation:
    """The curves a clause's gestures draw; "depart" already recedes, so a later "recede" joins
    it rather than starting again from close by."""
    wanted = [g for g in dict.fromkeys(gestures) if g in SHAPES and g != "hold"]
    if "depart" in wanted and "recede" in wanted:
        wanted.remove("recede")
    curves: dict[str, list[Shape]] = {}
    for gesture in wanted:
        for name, shape in SHAPES[gesture]:
            curves.setdefault(name, []).append(shape)
    return Automation(**{name: _chain(shapes) for name, shapes in curves.items()})


def across(gestures: list[str], count: int) -> list[float] | None:
    """Per-recurrence distances for a distance gesture over `count` recurrences, or None."""
    if count < 2:
        return None
    if "approach" in gestures:
        ends = (0.9, 0.15)
    elif "recede" in gestures or "depart" in gestures:
        ends = (0.15, 0.9)
    else:
        return None
    return [round(ends[0] + (ends[1] - ends[0]) * i / (count - 1), 3) for i in range(count)]
