"""Two server processes must answer alike: matching results may not depend on the
process's string-hash seed, which Python draws afresh in every process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Matches every item of a dense pseudo-word register, where a typo is within two letters
# of many marks and candidates tie at the limits (max_typo_candidates, max_matches).
_PROGRAM = """
import hashlib
from bench.bench_matching import queries
from bench.matching_world import declaration_of, pseudo_words, synthetic_register
from riskd.matching import build_matcher

marks = pseudo_words(20_000, seed=3)
matcher = build_matcher(synthetic_register(marks))
declaration = declaration_of()
digest = hashlib.sha256()
for item in queries(marks, 400, seed=5):
    digest.update(repr(matcher.match_item(item, declaration)).encode())
print(digest.hexdigest())
"""


def _results_digest(seed: str) -> str:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM], env=env, cwd=root, capture_output=True, text=True,
        timeout=240, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def test_matching_results_do_not_depend_on_the_hash_seed() -> None:
    assert _results_digest("1") == _results_digest("2")
