"""Tests mirror the package modules: tests/test_<module>.py."""
