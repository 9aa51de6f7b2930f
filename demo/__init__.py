"""The all-in-one runner (api + computes in one process) and the demo REST client."""
