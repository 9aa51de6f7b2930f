"""Debian's headless Chromium driven by Selenium, for the dashboard's browser test."""

import os
import shutil
import tempfile

import pytest

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
FLAGS = ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--disable-dev-shm-usage', '--window-size=1400,800')


def available():
    """Skip (on a developer's machine) without the browser; CI installs it, so fail there."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(p)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append('selenium')
    if missing and os.environ.get('CI'):
        pytest.fail(f'CI lacks {missing} (.ci/apt-packages, tox deps)')
    if missing:
        pytest.skip(f'no {missing}: apt-get install chromium chromium-driver')


class Browser:
    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        self.profile = tempfile.mkdtemp(prefix='cepheid-chromium-')
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (*FLAGS, f'--user-data-dir={self.profile}'):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)

    def wait(self, predicate, timeout=20, message=''):
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(self.driver, timeout, poll_frequency=0.02).until(
            lambda d: predicate(), message)

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css):
        """The text of the first match; None when absent or replaced while being read
        (rows are re-rendered on every event: callers wait on this)."""
        from selenium.common.exceptions import StaleElementReferenceException
        try:
            found = self.find(css)
            return found[0].text if found else None
        except StaleElementReferenceException:
            return None

    def enabled(self, css):
        """Whether the first match is enabled; None when absent or replaced meanwhile."""
        from selenium.common.exceptions import StaleElementReferenceException
        try:
            found = self.find(css)
            return found[0].is_enabled() if found else None
        except StaleElementReferenceException:
            return None

    def quit(self):
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)
