"""Runs the declarative HTTP tests in tests/functional/gabbits/ against the app in-process."""

import os

from gabbi import driver

from tests.functional.api import gabbi_fixtures

# The collected test function gabbi parametrizes with the YAML tests.
test_pytest = driver.test_pytest

GABBITS = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'gabbits')


def pytest_generate_tests(metafunc):
    driver.py_test_generator(
        GABBITS, intercept=gabbi_fixtures.setup_app, fixture_module=gabbi_fixtures,
        test_loader_name=__name__, metafunc=metafunc)
