import pytest

from tests.across.support import join_jobs


@pytest.fixture(autouse=True)
def _no_job_outlives_its_test():
    yield
    join_jobs()
