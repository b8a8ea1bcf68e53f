"""Text normalisation shared by the register, the matcher and the rules."""

from riskd.text.normalize import normalize, tokenize

__all__ = ["normalize", "tokenize"]
