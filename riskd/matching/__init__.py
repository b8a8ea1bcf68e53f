"""Matching of declared goods against the recorded rights."""

from riskd.matching.matcher import Matcher, build_matcher

__all__ = ["Matcher", "build_matcher"]
