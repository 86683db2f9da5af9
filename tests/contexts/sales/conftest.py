"""channels.testing imports daphne, which Shop does not install; the live-feed tests'
conftest stands in for it, so import it before any test module imports channels.testing."""

import tests.live.conftest  # noqa: F401
