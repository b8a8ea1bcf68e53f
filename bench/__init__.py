"""Benchmarks (`make bench`); each bench_*.py module writes bench/results/<name>.json."""
