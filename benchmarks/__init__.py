"""Benchmarks: a deterministic record generator, the baseline feedgen script, and the runner."""
