"""Benchmarks of congvu (not collected by pytest). Run `bench/run.sh` or `python -m bench`; see docs/PERFORMANCE.md."""
