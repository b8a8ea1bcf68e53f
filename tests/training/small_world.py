"""A small synthetic history table with a planted risk pattern, for training tests.

Some importers and some commodity × origin pairs are risky; inspections favour risky-looking
declarations and 5 % are random selections, as in a real selectivity system. Independent of
the fixtures generator, so these tests pin the training code and nothing else.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

HS_CODES = ["640399", "420221", "851830", "950300", "610910", "330300", "847130", "910211"]
ORIGINS = ["CN", "VN", "TR", "IN", "DE"]
START = datetime(2024, 1, 1, tzinfo=UTC)


def small_history(declarations: int = 3000, seed: int = 1, days: int = 180) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = declarations
    importer = rng.integers(0, 150, n)
    hs = rng.integers(0, len(HS_CODES), n)
    origin = rng.integers(0, len(ORIGINS), n)
    risky_importer = importer % 7 == 0
    risky_goods = (hs + 2 * origin) % 5 == 0
    p = 0.02 + 0.45 * risky_importer + 0.35 * risky_goods
    infringing = rng.random(n) < p
    random_selection = rng.random(n) < 0.05
    inspected = random_selection | (rng.random(n) < 0.15 + 0.5 * (risky_importer | risky_goods))
    value = np.round(rng.lognormal(7, 1.2, n), 2)
    mass = np.round(rng.lognormal(2, 1.0, n), 2)
    declared_at = [
        START + timedelta(seconds=int(s)) for s in np.sort(rng.integers(0, days * 86400, n))
    ]
    return pl.DataFrame(
        {
            "declaration_id": [f"T{i:06d}" for i in range(n)],
            "declared_at": declared_at,
            "direction": ["IMPORT"] * n,
            "customs_office": rng.choice(["KRPUS", "KRICN", "KRINC"], n).tolist(),
            "transport_mode": rng.choice(["SEA", "AIR", "POSTAL", "COURIER"], n).tolist(),
            "procedure": ["STANDARD"] * n,
            "declarant_id": [f"DCL{d}" for d in rng.integers(0, 30, n)],
            "importer_id": [f"IMP{i}" for i in importer],
            "exporter_id": [f"EXP{e}" for e in rng.integers(0, 80, n)],
            "consignee_id": [""] * n,
            "origin_country": [ORIGINS[o] for o in origin],
            "departure_country": rng.choice(["CN", "HK", "SG"], n).tolist(),
            "line_no": [1] * n,
            "hs_code": [HS_CODES[h] for h in hs],
            "quantity": rng.integers(1, 500, n).astype(float),
            "net_mass_kg": mass,
            "value_usd": value,
            "item_origin_country": [""] * n,
            "inspected": inspected,
            "random_selection": random_selection,
            "infringing": [
                bool(f) if i else None for f, i in zip(infringing, inspected, strict=True)
            ],
        }
    )
