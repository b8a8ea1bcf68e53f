"""Settings of the whole suite."""

from hypothesis import settings

# Timing targets live in the benchmarks, never in unit tests: on a loaded two-core machine
# one example can take longer than Hypothesis's default deadline without anything wrong.
settings.register_profile("riskd", deadline=None, print_blob=True)
settings.load_profile("riskd")
