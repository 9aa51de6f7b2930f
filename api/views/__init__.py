"""View builders: database dicts in, Nova's JSON shapes out, per microversion (no Flask)."""
