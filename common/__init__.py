"""Pieces shared by the api and compute services; imports neither."""
