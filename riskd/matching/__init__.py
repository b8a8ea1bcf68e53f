"""Matching of declared goods against the recorded rights."""

from riskd.matching.matcher import Matcher, build_matcher
from riskd.matching.tuning import MatchingConfig

__all__ = ["Matcher", "MatchingConfig", "build_matcher"]
