"""Cepheid's reboot benchmark: ``python -m bench [--quick]`` from the repo root.

Not installed with the package; it prints figures and writes JSON, it never asserts timings.
"""
