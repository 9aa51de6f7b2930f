"""Runs the declarative HTTP tests in tests/functional/gabbits/ against the app in-process.

One pytest test per YAML file: gabbi's own pytest plugin (py_test_generator) is avoided on
purpose, because it breaks collection of any other parametrized test whose id has a colon.
"""

import os
import unittest

import pytest
from gabbi import driver

from tests.functional.api import gabbi_fixtures

GABBITS = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'gabbits')


def _suites():
    """(yaml name, GabbiSuite) pairs; each suite runs its fixtures around its tests."""
    tests = driver.build_tests(GABBITS, unittest.TestLoader(),
                               intercept=gabbi_fixtures.setup_app,
                               fixture_module=gabbi_fixtures, test_loader_name=__name__)
    for suite in tests:
        first = next(iter(suite))
        yield first.test_data.get('_yaml_name') or type(first).__name__.split('_')[0], suite


SUITES = list(_suites())


@pytest.mark.parametrize('suite', [s for _, s in SUITES], ids=[n for n, _ in SUITES])
def test_gabbi_file(suite):
    result = unittest.TestResult()
    suite.run(result)
    problems = [f'{test.id()}:\n{trace}' for test, trace in result.failures + result.errors]
    assert not problems, '\n\n'.join(problems)
    assert not result.skipped, result.skipped
    assert result.testsRun > 0
