"""Text normalisation shared by the register, the matcher and the rules: Unicode and case,
confusable skeletons, transliteration to Latin and phonetic keys."""

from riskd.text.confusables import skeleton
from riskd.text.keys import Analysed, KeyedToken, analyse
from riskd.text.normalize import normalize, tokenize
from riskd.text.phonetic import phonetic_key
from riskd.text.transliterate import to_latin

__all__ = [
    "Analysed",
    "KeyedToken",
    "analyse",
    "normalize",
    "phonetic_key",
    "skeleton",
    "to_latin",
    "tokenize",
]
