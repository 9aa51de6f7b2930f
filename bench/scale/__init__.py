"""The scale harness (``python -m bench scale``): many simulated compute hosts, one api."""
