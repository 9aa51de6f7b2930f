"""Database layer of the api service: models, queries with compare-and-swap, migrations."""
