"""A stateful, stdlib-only fake of the Harness IaCM + platform API, served over real HTTP.

Run it with ``python -m harness_fake --port 8700``; embed it in tests with
:func:`harness_fake.testing.start_fake`. See ``README.md`` for routes and seeded data.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
