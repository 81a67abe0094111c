"""Shared test set-up: Sphinx's testing fixtures (``app``, ``make_app``) for the doc-build tests."""

pytest_plugins = "sphinx.testing.fixtures"
