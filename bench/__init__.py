"""Benchmarks: `bin/bench` (or `make bench`) runs them and writes bench/results/latest.json
plus a PNG chart. Each benchmark is a module here with `run(context) -> dict`; see
`bench/__main__.py` for the list and the shape of a result.
"""
