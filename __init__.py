"""Cepheid: a compact compute control plane speaking Nova's formats."""
