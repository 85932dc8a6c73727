"""The fictional Veymarsh and Orlwick police force area: names, codes, polygons and people.

Everything here is invented and fixed (it does not depend on the generator's seed), so the demo
partnership always has the same places. Codes have the ONS shape under the prefix letter ``X``,
which no ONS code uses (England E, Wales W, Scotland S, Northern Ireland N, UK-wide K, J, L, M):

- ``X23000001`` the police force area; ``X22…`` community safety partnerships; ``X07…`` districts;
  ``X05…`` electoral wards; ``X01…`` LSOAs.
- LSOAs come in two vintages, as ONS publishes them: the 2011 set, and the 2021 set, which keeps
  most 2011 codes and splits a few LSOAs in two under new codes (change indicator ``S``).

The polygons lie in the North Sea (about 2.0–2.7°E, 54.3–54.65°N), well away from any real coast, so
no map can suggest a real place. LSOAs are cells of a jittered grid (finer in the towns); wards,
districts, CSPs and the force area are unions of whole cells, so every level tiles the one above it
exactly (shared vertices, no slivers). A split LSOA is cut along its cell's diagonal.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from functools import cache

Point = tuple[float, float]  # (longitude, latitude), WGS84, 6 decimal places

PFA_CODE = "X23000001"
PFA_NAME = "Veymarsh and Orlwick"
FORCE_NAME = "Veymarsh and Orlwick Police"
FORCE_SLUG = "veymarsh-and-orlwick"
BOUNDARY_VINTAGE = 2024  # LAD24CD, CSP24CD, PFA24CD, WD24CD


@dataclass(frozen=True)
class Area:
    """An area and the code of the area it lies in (district → CSP → police force area)."""

    code: str
    name: str
    parent_code: str


CSPS = (
    Area("X22000001", "Orlwick", PFA_CODE),
    Area("X22000002", "Veymarsh", PFA_CODE),
    Area("X22000003", "Quennet and Tarrowby", PFA_CODE),
    Area("X22000004", "Fendlesham", PFA_CODE),
)
ORLWICK, VEYMARSH, QUENNET, TARROWBY, FENDLESHAM = range(5)
DISTRICTS = (
    Area("X07000001", "Orlwick", "X22000001"),
    Area("X07000002", "Veymarsh", "X22000002"),
    Area("X07000003", "Quennet Vale", "X22000003"),
    Area("X07000004", "Tarrowby", "X22000003"),
    Area("X07000005", "Fendlesham", "X22000004"),
)

# Emergency departments (ISTV site codes, invented): the towns' two type 1 A&Es.
AE_SITES = {"XOR01": "Orlwick General Hospital", "XVY01": "Veymarsh Royal Infirmary"}

# The grid: 14 columns west → east, 12 rows south → north, narrower in the middle (Orlwick town).
_LON0, _LAT0 = 2.0, 54.3
_COL_WIDTHS: tuple[float, ...] = (0.065, 0.06, 0.06, 0.055, 0.05, 0.03, 0.028, 0.026, 0.028, 0.03)
_COL_WIDTHS += (0.05, 0.055, 0.06, 0.065)
_ROW_HEIGHTS = (0.04, 0.038, 0.035, 0.02, 0.018, 0.017, 0.017, 0.018, 0.02, 0.035, 0.038, 0.04)
NX, NY = len(_COL_WIDTHS), len(_ROW_HEIGHTS)
_LON_SCALE = math.cos(math.radians(_LAT0 + 0.2))
_GEOMETRY_SEED = 1594  # fixed: the place must not change with the data seed

# Where people go out, where violence concentrates, and the 2011 LSOAs split in 2021 (column, row).
TOWN_CENTRE = frozenset((i, j) for i in (6, 7, 8) for j in (5, 6))  # Orlwick's night-time economy
ESTATE = frozenset((i, j) for i in (11, 12) for j in (3, 4))  # Veymarsh's rising knife crime
SEAFRONT = frozenset((i, 0) for i in (9, 10, 11, 12))  # Veymarsh's bars
_CENTRES = {ORLWICK: (7, 5.5), VEYMARSH: (11.5, 2.0), QUENNET: (2.0, 8.0)}
_CENTRES |= {TARROWBY: (1.5, 2.0), FENDLESHAM: (9.0, 10.0)}
_SPLIT_CELLS = ((2, 4), (1, 8), (3, 10), (12, 1), (7, 10), (12, 9))

_WARD_WORDS: tuple[str, ...] = (
    "Central",
    "North",
    "South",
    "East",
    "West",
    "Park",
    "Riverside",
    "Castle",
    "Abbey",
)
_WARD_WORDS += ("Harbour", "Moor", "Fields", "Green", "Hill", "Meadows", "Bridge", "Mill", "Common")
_STREET_STEMS: tuple[str, ...] = (
    "Mill",
    "Church",
    "Station",
    "Harbour",
    "Chapel",
    "Market",
    "Bridge",
    "Quarry",
)
_STREET_STEMS += ("Ropewalk", "Tanner", "Salt", "Heron", "Kestrel", "Lantern", "Wherry", "Cobble")
_STREET_STEMS += ("Fennick", "Marram", "Sallow", "Brackwater", "Tidemill", "Gannet", "Osier")
_STREET_STEMS += ("Rookery", "Pilot", "Beacon", "Granary", "Cooper", "Weaver", "Flax", "Orchard")
_STREET_KINDS: tuple[str, ...] = (
    "Street",
    "Road",
    "Lane",
    "Close",
    "Way",
    "Terrace",
    "Row",
    "Avenue",
    "Walk",
)
_TOWN_PLACES = ("Nightclub", "Shopping Area", "Bus/Coach Station", "Supermarket", "Parking Area")
_OTHER_PLACES: tuple[str, ...] = (
    "Supermarket",
    "Parking Area",
    "Petrol Station",
    "Park/Open Space",
)
_OTHER_PLACES += ("Sports/Recreation Area", "Further/Higher Educational Building")
VENUES = {  # named licensed premises, invented, as A&E receptionists record them
    (6, 5): ("The Lantern Rooms", "Brass Anchor"),
    (7, 5): ("Club Halcyon", "The Wherry"),
    (8, 5): ("Rook and Rafter", "Neon Gull"),
    (6, 6): ("The Sallow Tree",),
    (7, 6): ("Vault Nine", "The Copper Kettle"),
    (8, 6): ("Marram Bar",),
    (10, 0): ("The Pilot Boat",),
    (11, 0): ("Shingles", "The Gannet"),
}


@dataclass(eq=False)
class Lsoa:
    """One LSOA of one vintage; ``ring`` is its closed, anticlockwise outline."""

    code: str
    name: str
    vintage: int
    cell: Cell
    ring: list[Point]


@dataclass(eq=False)
class Snap:
    """A police.uk anonymisation point: crimes are published 'On or near' one of these."""

    point: Point
    label: str
    lsoa11: Lsoa
    lsoa21: Lsoa


@dataclass(eq=False)
class Cell:
    """A 2011 LSOA: a cell of the grid, with the people who live there."""

    index: int
    i: int
    j: int
    district: int
    corners: tuple[Point, Point, Point, Point]  # anticlockwise from south-west
    population: int = 0  # 2018
    age_shares: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    deprivation: float = 0.0  # 0 (least) … 1 (most deprived)
    growth: float = 0.004  # a year
    ward: int = 0
    lsoa11: Lsoa | None = None
    lsoas21: list[Lsoa] = field(default_factory=list)
    snaps: list[Snap] = field(default_factory=list)
    key: tuple[int, int] = field(init=False)  # (column, row)

    @property
    def csp(self) -> int:
        return _CSP_OF_DISTRICT[self.district]

    def __post_init__(self) -> None:
        self.key = (self.i, self.j)

    def lsoa21_at(self, point: Point) -> Lsoa:
        """The 2021 LSOA containing ``point`` (a point of this cell)."""
        if len(self.lsoas21) == 1:
            return self.lsoas21[0]
        (x0, y0), _, (x2, y2), _ = self.corners
        left = (x2 - x0) * (point[1] - y0) - (y2 - y0) * (point[0] - x0) > 0
        return self.lsoas21[1] if left else self.lsoas21[0]

    def point(self, u: float, v: float) -> Point:
        """The point at (u, v) of the unit square mapped bilinearly onto the cell."""
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = self.corners
        x = (1 - u) * (1 - v) * ax + u * (1 - v) * bx + u * v * cx + (1 - u) * v * dx
        y = (1 - u) * (1 - v) * ay + u * (1 - v) * by + u * v * cy + (1 - u) * v * dy
        return (round(x, 6), round(y, 6))

    def sample(self, rng: random.Random) -> Point:
        """A random point well inside the cell (a convex quadrilateral)."""
        return self.point(0.08 + 0.84 * rng.random(), 0.08 + 0.84 * rng.random())

    def nearest_snap(self, point: Point) -> Snap:
        x, y = point
        scale = _LON_SCALE  # degrees of longitude are shorter than degrees of latitude here
        best, best_distance = self.snaps[0], math.inf
        for snap in self.snaps:
            dx, dy = (snap.point[0] - x) * scale, snap.point[1] - y
            if (distance := dx * dx + dy * dy) < best_distance:
                best, best_distance = snap, distance
        return best


@dataclass(eq=False)
class Ward:
    code: str
    name: str
    district: int
    cells: list[Cell]
    ring: list[Point]


@dataclass(eq=False)
class Geography:
    cells: list[Cell]
    wards: list[Ward]
    lsoas11: list[Lsoa]
    lsoas21: list[Lsoa]
    district_rings: list[list[Point]]
    csp_rings: list[list[Point]]
    pfa_ring: list[Point]

    def cells_of_csp(self, csp: int) -> list[Cell]:
        return [c for c in self.cells if c.csp == csp]


_CSP_OF_DISTRICT = (0, 1, 2, 2, 3)


def _district_of(i: int, j: int) -> int:
    if i <= 4:
        return TARROWBY if j <= 5 else QUENNET
    if i <= 9 and 3 <= j <= 8:
        return ORLWICK
    if i <= 9:
        return VEYMARSH if j <= 2 else FENDLESHAM
    return VEYMARSH if j <= 5 else FENDLESHAM


def _lattice(rng: random.Random) -> dict[tuple[int, int], Point]:
    xs = [_LON0]
    for w in _COL_WIDTHS:
        xs.append(xs[-1] + w)
    ys = [_LAT0]
    for h in _ROW_HEIGHTS:
        ys.append(ys[-1] + h)
    vertices = {}
    for j in range(NY + 1):
        for i in range(NX + 1):
            # Jitter each vertex by at most a fifth of its narrowest neighbouring cell: cells stay
            # convex, edges look less like a grid.
            hx = 0.2 * min(_COL_WIDTHS[max(i - 1, 0)], _COL_WIDTHS[min(i, NX - 1)])
            hy = 0.2 * min(_ROW_HEIGHTS[max(j - 1, 0)], _ROW_HEIGHTS[min(j, NY - 1)])
            x = xs[i] + rng.uniform(-hx, hx)
            y = ys[j] + rng.uniform(-hy, hy)
            vertices[(i, j)] = (round(x, 6), round(y, 6))
    return vertices


def _corner_keys(i: int, j: int) -> tuple[tuple[int, int], ...]:
    return ((i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1))


def _outline(keys: list[tuple[int, int]], vertices: dict[tuple[int, int], Point]) -> list[Point]:
    """The outline of a set of cells (given by their (i, j)), as one closed anticlockwise ring.

    Interior edges appear twice in opposite directions and cancel; what is left is the boundary.
    """
    edges: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for i, j in keys:
        corners = _corner_keys(i, j)
        edges += [(corners[k], corners[(k + 1) % 4]) for k in range(4)]
    present = set(edges)
    following: dict[tuple[int, int], tuple[int, int]] = {}
    for a, b in edges:
        if (b, a) not in present:
            if a in following:
                raise ValueError("region touches itself at a vertex")
            following[a] = b
    start = min(following)
    ring = [start]
    while (nxt := following[ring[-1]]) != start:
        ring.append(nxt)
    if len(ring) != len(following):
        raise ValueError("region is not one piece without holes")
    return [vertices[k] for k in [*ring, start]]


def _is_convex(corners: tuple[Point, ...]) -> bool:
    n = len(corners)
    for k in range(n):
        (ax, ay), (bx, by), (cx, cy) = corners[k], corners[(k + 1) % n], corners[(k + 2) % n]
        if (bx - ax) * (cy - by) - (by - ay) * (cx - bx) <= 0:
            return False
    return True


def _letter(n: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n]


@cache
def geography() -> Geography:
    """The demo's geography (built once; the same every time)."""
    rng = random.Random(_GEOMETRY_SEED)
    vertices = _lattice(rng)
    cells: list[Cell] = []
    for j in range(NY):
        for i in range(NX):
            corners = tuple(vertices[k] for k in _corner_keys(i, j))
            if not _is_convex(corners):
                raise ValueError(f"cell {(i, j)} is not convex")
            cells.append(Cell(len(cells), i, j, _district_of(i, j), corners))  # type: ignore[arg-type]
    _people(cells, rng)

    # Wards (and the MSOA-like numbers in LSOA names): 2 × 2 blocks of cells within a district,
    # numbered north to south, then west to east, as ONS numbers MSOAs.
    wards: list[Ward] = []
    lsoas11: list[Lsoa] = []
    for d, district in enumerate(DISTRICTS):
        blocks: dict[tuple[int, int], list[Cell]] = {}
        for c in cells:
            if c.district == d:
                blocks.setdefault((-(c.j // 2), c.i // 2), []).append(c)
        for number, block_key in enumerate(sorted(blocks), start=1):
            members = sorted(blocks[block_key], key=lambda c: (-c.j, c.i))
            word = _WARD_WORDS[(number - 1) % len(_WARD_WORDS)]
            suffix = "" if number <= len(_WARD_WORDS) else f" {number // len(_WARD_WORDS) + 1}"
            ward = Ward(
                code=f"X05{len(wards) + 1:06d}",
                name=f"{district.name} {word}{suffix}",
                district=d,
                cells=members,
                ring=_outline([c.key for c in members], vertices),
            )
            wards.append(ward)
            for position, c in enumerate(members):
                c.ward = len(wards) - 1
                ring = [*c.corners, c.corners[0]]
                c.lsoa11 = Lsoa(
                    f"X01{len(lsoas11) + 1:06d}",
                    f"{district.name} {number:03d}{_letter(position)}",
                    2011,
                    c,
                    ring,
                )
                lsoas11.append(c.lsoa11)

    # 2021 LSOAs: the same codes, except a few 2011 LSOAs split along their diagonal.
    lsoas21: list[Lsoa] = []
    new_code = len(lsoas11)
    for old in lsoas11:
        c = old.cell
        if c.key not in _SPLIT_CELLS:
            c.lsoas21 = [Lsoa(old.code, old.name, 2021, c, old.ring)]
            lsoas21.append(c.lsoas21[0])
            continue
        ward = wards[c.ward]
        msoa = old.name.rsplit(" ", 1)[1][:3]
        sw, se, ne, nw = c.corners
        halves = []
        # New LSOAs take the next free letters of their MSOA-like number (E, F after A–D).
        earlier = sum(
            1 for w in ward.cells if w.key in _SPLIT_CELLS and w.lsoa11 and w.lsoa11.code < old.code
        )
        for k, half in enumerate(([sw, se, ne, sw], [sw, ne, nw, sw])):
            new_code += 1
            letter = _letter(len(ward.cells) + 2 * earlier + k)
            name = f"{DISTRICTS[c.district].name} {msoa}{letter}"
            halves.append(Lsoa(f"X01{new_code:06d}", name, 2021, c, half))
        c.lsoas21 = halves
    for c in sorted(cells, key=lambda c: c.lsoa11.code if c.lsoa11 else ""):
        if len(c.lsoas21) == 2:
            lsoas21 += c.lsoas21
    lsoas21.sort(key=lambda lsoa: lsoa.code)

    _snap_points(cells, rng)
    district_rings = [
        _outline([c.key for c in cells if c.district == d], vertices) for d in range(5)
    ]
    csp_rings = [_outline([c.key for c in cells if c.csp == k], vertices) for k in range(4)]
    pfa_ring = _outline([c.key for c in cells], vertices)
    return Geography(cells, wards, lsoas11, lsoas21, district_rings, csp_rings, pfa_ring)


def _near(c: Cell, centre: tuple[float, float], spread: float) -> float:
    return math.exp(-((c.i - centre[0]) ** 2 + (c.j - centre[1]) ** 2) / spread)


def _people(cells: list[Cell], rng: random.Random) -> None:
    """Populations (2018), age structure and deprivation of every cell."""
    for c in cells:
        c.deprivation = min(
            1.0,
            0.12
            + 0.45 * _near(c, _CENTRES[ORLWICK], 3.0)
            + 0.65 * _near(c, (11.5, 3.5), 2.5)
            + 0.3 * _near(c, _CENTRES[TARROWBY], 2.0)
            + rng.uniform(0.0, 0.15),
        )
        urban = c.district == ORLWICK or _near(c, _CENTRES[c.district], 4.0) > 0.3
        low, high = (1700, 2500) if urban else (1250, 2100)
        c.population = rng.randint(low, high)
        if c.key in _SPLIT_CELLS:  # LSOAs that grew until ONS split them for 2021
            c.population = rng.randint(2900, 3500)
            c.growth = 0.025
        if c.key in TOWN_CENTRE:
            shares = [0.13, 0.21, 0.55, 0.11]
        elif c.key in ESTATE:
            shares = [0.27, 0.11, 0.49, 0.13]
        elif c.district == FENDLESHAM:
            shares = [0.19, 0.07, 0.49, 0.25]
        else:
            shares = [0.21, 0.085, 0.515, 0.19]
        shares = [s * rng.uniform(0.93, 1.07) for s in shares]
        total = sum(shares)
        c.age_shares = tuple(s / total for s in shares)  # type: ignore[assignment]


def _snap_points(cells: list[Cell], rng: random.Random) -> None:
    for c in cells:
        n = rng.randint(3, 6) + (3 if c.key in TOWN_CENTRE else 0)
        places = _TOWN_PLACES if c.key in TOWN_CENTRE | SEAFRONT else _OTHER_PLACES
        for k in range(n):
            point = c.point(rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85))
            if k < 2 or rng.random() < 0.6:
                label = f"{rng.choice(_STREET_STEMS)} {rng.choice(_STREET_KINDS)}"
            else:
                label = rng.choice(places)
            assert c.lsoa11 is not None
            c.snaps.append(Snap(point, label, c.lsoa11, c.lsoa21_at(point)))


def population(lsoa: Lsoa, year: int) -> tuple[int, int, int, int]:
    """People living in a 2021 LSOA in ``year`` (mid-year), by age band 0-17, 18-24, 25-64, 65+."""
    c = lsoa.cell
    total = c.population * (1 + c.growth) ** (year - 2018)
    if len(c.lsoas21) == 2:
        total *= 0.53 if lsoa is c.lsoas21[0] else 0.47
    # A population that slowly ages: 65+ gains a fifth of a point a year from 25-64.
    young, students, adults, older = c.age_shares
    shift = 0.002 * (year - 2018)
    shares = (young, students, adults - shift, older + shift)
    # A little year-to-year noise that does not depend on anything but the area and year.
    wobble = random.Random(f"{lsoa.code}:{year}").uniform(-0.006, 0.006)
    total = round(total * (1 + wobble))
    bands = [round(total * s) for s in shares[:3]]
    return (bands[0], bands[1], bands[2], total - sum(bands))
