"""Which goods a recorded mark protects: Nice classes of goods linked to HS chapters.

A recordation names the goods it protects by HS prefixes, Nice classes, or both. Where it
gives only Nice classes, goods fit when their HS code starts with one of the chapters below.
The table is deliberately coarse (a Nice class of goods spans several HS chapters and a
chapter several classes): it decides only whether a match *may* raise risk, and an officer
sees the reason when it may not. Service classes (35-45) protect no goods.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

NICE_TO_HS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "1": ("28", "29", "31", "38"),  # chemicals, fertilisers
        "2": ("32",),  # paints, colourants
        "3": ("33", "34"),  # cosmetics, perfumes, cleaning preparations
        "4": ("27", "34"),  # oils, fuels, candles
        "5": ("30", "21", "38"),  # medicines, dietary supplements, disinfectants
        "6": ("72", "73", "74", "75", "76", "78", "79", "80", "81", "83"),  # common metals
        "7": ("84", "85"),  # machines, motors
        "8": ("82", "93"),  # hand tools, cutlery, razors
        "9": ("84", "85", "90", "91", "49"),  # electronics, software, optics, media
        "10": ("90", "40"),  # medical apparatus
        "11": ("84", "85", "94"),  # lighting, heating, cooking, sanitary apparatus
        "12": ("87", "86", "88", "89", "40"),  # vehicles, tyres
        "13": ("93", "36"),  # firearms, fireworks
        "14": ("71", "91"),  # jewellery, watches
        "15": ("92",),  # musical instruments
        "16": ("48", "49", "96"),  # paper, printed matter, stationery
        "17": ("39", "40", "68"),  # rubber, plastics, insulation
        "18": ("42", "43"),  # leather goods, bags, umbrellas
        "19": ("25", "44", "68", "69", "70"),  # non-metallic building materials
        "20": ("94", "39", "44"),  # furniture
        "21": ("39", "69", "70", "73", "76", "96"),  # household utensils, glassware
        "22": ("53", "56", "63"),  # ropes, tents, sacks
        "23": ("50", "51", "52", "53", "54", "55"),  # yarns and threads
        "24": ("50", "51", "52", "53", "54", "55", "58", "59", "60", "63"),  # textiles
        "25": ("61", "62", "64", "65"),  # clothing, footwear, headwear
        "26": ("58", "67", "96"),  # lace, buttons, artificial flowers
        "27": ("57",),  # carpets
        "28": ("95",),  # games, toys, sporting goods
        "29": ("02", "03", "04", "07", "08", "15", "16", "20"),  # meat, fish, dairy, preserves
        "30": ("09", "10", "11", "17", "18", "19", "21"),  # coffee, cereals, confectionery
        "31": ("01", "06", "07", "08", "10", "12", "23"),  # agricultural produce, animals
        "32": ("22", "2009"),  # beers, waters, soft drinks, fruit juices
        "33": ("2204", "2205", "2206", "2208"),  # wines and spirits
        "34": ("24",),  # tobacco, smokers' articles
    }
)


def hs_prefixes_of(nice_classes: Iterable[str]) -> tuple[str, ...]:
    """HS prefixes of the goods in the given Nice classes (none for service classes)."""
    prefixes: dict[str, None] = {}
    for nice_class in nice_classes:
        for prefix in NICE_TO_HS.get(nice_class.strip().lstrip("0"), ()):
            prefixes[prefix] = None
    return tuple(prefixes)
