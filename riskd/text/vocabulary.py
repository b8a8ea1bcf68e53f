"""The common words of a language, which are never read as typos of a mark.

"nice" is one letter from NIKE and "shoes" two from many a pseudo-word mark, but a word
found in everyday language was written as that word. The list comes from wordfreq (word
frequencies compiled from many corpora); a mark that is itself a common word (APPLE, POLO)
is still found in its exact, spaced and look-alike forms.
"""

from __future__ import annotations

from functools import lru_cache

from wordfreq import top_n_list


@lru_cache(maxsize=8)
def common_words(language: str = "en", count: int = 30_000) -> frozenset[str]:
    """The `count` most frequent words of a language, lower case, two letters or more."""
    return frozenset(w for w in top_n_list(language, count) if len(w) >= 2 and w.isalpha())
