"""Every tuning constant of mark matching, in one place, each with an example of what it does.

`build_matcher(register, config=MatchingConfig())` takes these; the daemon's settings may pass
other per-method thresholds. Scores are 0-100. A match is *listed* when its score reaches the
method's `list_from`; it can *raise risk* (which detains the goods) only when it also reaches
the method's `risk_from` and passes the context checks in `riskd.matching.context`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from riskd.domain import MatchMethod
from riskd.text.vocabulary import common_words, everyday_words, function_words, known_words

# Fixed scores of the key-equality methods; FUZZY and PHONETIC score by similarity.
METHOD_SCORES: Mapping[MatchMethod, float] = MappingProxyType(
    {
        MatchMethod.EXACT: 100.0,  # "nike air" in the text, NIKE recorded
        MatchMethod.COMPACT: 97.0,  # "N.I.K.E" / "N I K E": only spacing or punctuation differ
        MatchMethod.SKELETON: 95.0,  # "N1KE", "ΝΙΚΕ" (Greek): look-alike characters
        MatchMethod.TRANSLITERATION: 95.0,  # "耐克" / "naike" for a mark with alias 耐克
    }
)

_LIST_FROM = {
    MatchMethod.EXACT: 100.0,
    MatchMethod.COMPACT: 90.0,
    MatchMethod.SKELETON: 90.0,
    MatchMethod.TRANSLITERATION: 90.0,
    # "nke" for NIKE scores 85.7, "adidsa" for ADIDAS 83.3, "niej" for NIKE 75; at 70 two
    # changed letters in an 8-letter mark (75) are listed, in a 6-letter mark (66.7) not.
    MatchMethod.FUZZY: 60.0,
    # "naikee" for NIKE scores 80; words that only share a metaphone key with a real mark
    # mostly score 67-75 ("fowls" for FOYLES, "groats" for GRATIS, on the tuning half).
    MatchMethod.PHONETIC: 80.0,
}

_RISK_FROM = {
    MatchMethod.EXACT: 100.0,
    MatchMethod.COMPACT: 90.0,
    MatchMethod.SKELETON: 90.0,
    MatchMethod.TRANSLITERATION: 90.0,
    # One typo in a mark of five letters or more (>= 80) raises risk, as does a dropped or
    # doubled letter in NIKE ("nke" 85.7); "nkie" for NIKE (75) is listed for the officer
    # but does not detain on its own.
    MatchMethod.FUZZY: 80.0,
    # A mark that only sounds alike never detains on its own: 101 is out of reach.
    MatchMethod.PHONETIC: 101.0,
}

# How strongly each method and field speaks for a match, when one recordation is found
# several ways in an item: the match kept is the one that raises risk, then the highest
# score, then the stronger method, then the field a declarant names brands in.
METHOD_ORDER: Mapping[MatchMethod, int] = MappingProxyType(
    {
        MatchMethod.EXACT: 5,
        MatchMethod.COMPACT: 4,
        MatchMethod.SKELETON: 3,
        MatchMethod.TRANSLITERATION: 3,
        MatchMethod.FUZZY: 1,
        MatchMethod.PHONETIC: 0,
    }
)
FIELD_WEIGHT: Mapping[str, int] = MappingProxyType({"brand": 2, "model": 1, "description": 0})

# A mark is an everyday word when each of its words reaches this Zipf frequency in some
# language (riskd.text.vocabulary): FRESH (4.8), BOOTS (4.3), SHELL (4.4), "Blue Cross"
# are; NIKE (3.9), ADIDAS (3.9), LIDL (4.05), TESCO (4.0) are not. Chosen from these
# words' frequencies, then measured on the tuning half of the real-name evaluation
# (docs/matching.md): at 3.5 famous marks such as NIKE and ADIDAS would be everyday words
# and stop raising risk from a description; at 4.5 BOOTS (4.3) and SHELL (4.4) would not.
EVERYDAY_ZIPF = 4.2
# Words at least this frequent in English are written as themselves, never as a typo of a
# mark ("livers" 2.8 is not RIVERS misspelt, "offal" 2.5 not OXFAM); rarer words may be
# ("wiper" 2.8 is a word, "swiper" is not). Chosen from the words of the tuning half's
# false listings.
PLAIN_ZIPF = 2.5
# Every word wordfreq lists for English at all (its lists stop at Zipf 1.0): "cresols" is
# not one, "roes" (1.9), "dross" (2.4) and "aon" (2.5) are. A recordation naming no
# classes protects all goods, so its typo in a description is listed only where the word
# is none of these ("jytb" for JTB, "d3elta" for DELTA). Measured on the tuning part
# (1,000 brands, 9,679 spellings, 4,252 clean descriptions): listing such typos of short
# marks with no word test gave recall 98.2 % and 2.4 % of clean descriptions listing a
# match; with this test on single words, 97.9 % and 0.47 %. The rare words of the
# nomenclature (Zipf 1-2.5: "dross", "ergot", "turnings") are as frequent as the dropped
# letters of counterfeits ("aon", "kis", "rpo"), so no threshold above 1.0 separates them;
# and used for every mark in place of PLAIN_ZIPF, 1.0 cost 0.6 points of recall.
# A word below PLAIN_ZIPF counts only where an English dictionary has it (or its singular:
# `riskd.text.vocabulary.known_words`): wordfreq's lists also hold names and web tokens,
# which are the dropped letters of counterfeits ("tsla" for TESLA, "kyria" for KYRIAD,
# "sokow" for SOKOŁÓW). On the tuning part, omission recall rose from 94.2 % to 95.1 %
# and clean descriptions listing a match from 0.47 % to 0.75 % (acronyms of the
# nomenclature: "NBR" for NBU, "OSB" for OCB; "opto" for OTTO), brought back under 0.5 %
# by FUNCTION_ZIPF.
KNOWN_ZIPF = 1.0
# A changed word of two letters in a mark of several words is no typo where the word
# written is one of the commonest of English, at least this frequent ("or" 6.1, "of" 7.4):
# "cotton or" is not COTTON ON misspelt, "of petroleum" not BF PETROLEUM, but "sb games"
# (Zipf 2.9) may be EB GAMES. On the tuning part it kept 11 of the 32 clean listings off and
# cost 5 omissions at 5.0 ("be", "go" are counterfeits' words too), none at 5.5 or 6.0.
FUNCTION_ZIPF = 6.0


@dataclass(frozen=True, slots=True)
class MatchingConfig:
    """Thresholds and limits of the matcher; a plain typed value, built once per snapshot."""

    list_from: Mapping[MatchMethod, float] = field(default_factory=lambda: dict(_LIST_FROM))
    risk_from: Mapping[MatchMethod, float] = field(default_factory=lambda: dict(_RISK_FROM))
    # Everyday-word lexicon of the marks (None: every mark is distinctive); a register
    # column `everyday_word` overrides it per recordation.
    everyday: frozenset[str] | None = field(default_factory=lambda: everyday_words(EVERYDAY_ZIPF))
    # Words of everyday language are not typos: "nice" is not NIKE misspelt, "shoes" not a
    # mark two letters away. Windows made only of such words are found by key equality
    # only, except in the brand and model fields, where a declarant names a brand: there a
    # common word may be one typo from a mark ("nixon" for NEXON, "mike" for NIKE).
    plain_words: frozenset[str] = field(default_factory=lambda: common_words(zipf=PLAIN_ZIPF))
    # Words of any frequency (KNOWN_ZIPF): in a description, not read as a typo of a mark
    # that records no classes ("dross" is not GROSS), nor sliced for a mark glued inside
    # ("ultramarine" is not ULTRAMAR inside a longer word, "compasses" not COMPASS: both
    # listed on the tuning part's clean goods before).
    known_words: frozenset[str] = field(default_factory=lambda: known_words(PLAIN_ZIPF, KNOWN_ZIPF))
    # Two-letter words too common to be a typo of a mark's short word (FUNCTION_ZIPF).
    function_words: frozenset[str] = field(default_factory=lambda: function_words(FUNCTION_ZIPF))
    method_order: Mapping[MatchMethod, int] = field(default_factory=lambda: dict(METHOD_ORDER))
    field_weight: Mapping[str, int] = field(default_factory=lambda: dict(FIELD_WEIGHT))
    # Edit budget by the length of the mark's Latin key: BIC (3) to ADIDAS may differ by
    # one edit ("bc", "adidsa"), marks of eight letters and more by two ("samsvlub",
    # "virgimnedia"). Two-letter marks (LV, 3M) are only found by key equality. In a real
    # register of 15,000 marks, nearly every word of five to seven letters is two edits
    # from some mark ("livers": RIVERS, MILLERS, LIVERA): before this bound, with the
    # looser listing rules of then, a quarter of the tuning half's clean goods listed a match.
    one_edit_from: int = 3
    two_edits_from: int = 8
    # In the brand and model fields, where a declarant names the brand, marks from this
    # many letters may differ by two edits ("nikkee"), listed for the officer and never
    # raising risk (`risk_edits`); at `two_edits_from` or more it changes nothing. The
    # index holds each name's deletions up to its own budget only (two deletions of every
    # mark of five to seven letters would triple the deletion table at a million marks),
    # so these are found where a whole field that found nothing has the letters the mark
    # lacks: two added, or one added and one changed. At 5 the generator world's recall
    # rose from 93.8 % to 95.3 % and the real-name tuning part's from 98.34 % to 98.38 %,
    # but the matcher took twice as long per item at 100,000 marks (0.147 ms against
    # brute force's 68-91 ms: below the 500-fold goal in some runs), so it is off.
    brand_two_edits_from: int = 8
    # In a description, a typo is listed only on goods inside the mark's recorded classes
    # ("fiffa football shirts" lists FIFA, "fiffa laptops" does not) or, for a recordation
    # naming no classes, where the word is no English word (`known_words`). A typo of
    # several words of such a mark longer than this is listed without that test: "cavin
    # klein" has only known words, but a real register has few marks of several words
    # one letter from a phrase (on the tuning part, 10 clean listings: "cotton or" for
    # COTTON ON, "of petroleum" for BF PETROLEUM, against 71 counterfeits found so).
    short_typo_upto: int = 4
    # A one-word window may be a typo of a mark of several words written as one word
    # ("thenorthfoce", "nfumutaal") when the mark has at least this many letters; shorter
    # ones glued together are too easily other words, unless all but one of its words are
    # fragments of one or two letters ("jcks" for JACK'S, "bigww" for BIG W: on the tuning
    # part, a fifth of the typos of short marks in the brand field were such marks).
    joined_typo_from: int = 6
    # A unit value below this share of the genuine goods' lowest recorded price is strong
    # evidence of a counterfeit (a recordation's `price_min`).
    below_price_share: float = 0.5
    # Windows longer than this look for typos with one deletion on their side, not two: a
    # long multi-word window would otherwise make over a hundred probes. Two typos in such
    # long marks are still found when they drop or change letters.
    two_edit_window: int = 24
    # Below this length a changed letter is not taken as a typo of the mark (0: always is).
    # Words of everyday language are kept apart by `plain_words` instead: "nice", "mike" and
    # "bike" are not NIKE because they are words, not because they change one letter.
    substitution_from: int = 0
    # A typo raises risk only this close to the mark: "nikee" (one edit) may detain shoes,
    # "naikee" (two) is listed for the officer but does not detain on its own.
    risk_edits: int = 1
    # Neighbouring tokens joined into one window, at most (spaced "N I K E" needs four;
    # "polo ralph lauren" three; Chinese marks one token per character).
    max_window_tokens: int = 6
    # A phonetic key shared by more names than this says nothing and is not followed
    # (with a million marks, "NK" is the key of hundreds of them).
    max_phonetic_postings: int = 64
    # A deletion key shared by more names than this is not followed either.
    max_deletion_postings: int = 256
    # Typos are looked up by the deletions of a key's first this many letters only (the
    # prefix scheme of SymSpell): two strings within k edits of each other have prefixes
    # of this length that share a string with k letters deleted from each, so no typo is
    # missed, and a long word makes 56 probes instead of 92 ("vangraglrastu"); the
    # candidates are then compared whole. Shorter prefixes are shared by more names, whose
    # comparison costs more than the probes saved (measured on a dense register).
    typo_prefix: int = 10
    # Typo candidates of one window compared further, the most similar first: with a million
    # pseudo-word marks a six-letter word is within two letters of hundreds of them.
    max_typo_candidates: int = 32
    # Marks of at least this many letters are also looked for glued inside a longer word
    # ("adidasoriginals", "nikeairmax" for AIRMAX); shorter ones would be found inside
    # ordinary words ("like" inside "alike"). 0: never. Such a match scores `inner_score`
    # (listed as COMPACT) and does not raise risk on its own.
    inner_from: int = 6
    inner_score: float = 90.0
    # At most this many matches are listed per item, best first (those that raise risk
    # first, then by score); a match that raises risk is listed whatever the cap.
    max_matches: int = 10

    def for_brand_fields(self) -> MatchingConfig:
        """The thresholds that apply to the brand and model fields."""
        return replace(self, two_edits_from=min(self.two_edits_from, self.brand_two_edits_from))

    def edit_budget(self, length: int) -> int:
        """How many edits a mark of this key length may differ by and still be found."""
        if length >= self.two_edits_from:
            return 2
        return 1 if length >= self.one_edit_from else 0

    def typo_as_one_word(self, spaced: str, latin: str) -> bool:
        """Whether a name of several words is also looked for written as one word with a
        typo: a long one ("thenorthfoce"), or one whose other words are fragments of one or
        two letters ("jcks" for JACK'S, "bigww" for BIG W, "obhara" for O'HARA)."""
        if len(latin) >= self.joined_typo_from:
            return True
        return sum(1 for word in spaced.split(" ") if len(word) > 2) <= 1

    def is_everyday(self, words: list[str]) -> bool:
        """Whether a name's folded words are all everyday words."""
        return self.everyday is not None and bool(words) and all(w in self.everyday for w in words)
