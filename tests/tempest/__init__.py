"""``tox -e tempest``: OpenStack's own Tempest compute API tests against a real Cepheid stack."""
