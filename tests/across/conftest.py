import pytest

from tests.across.support import join_jobs


@pytest.fixture(autouse=True)
def _no_job_outlives_its_test():
    yield
    join_jobs()


@pytest.fixture
def exiting_worker():
    """`running_work.abandon_all()`, as gunicorn's worker_exit hook calls it; the process goes on
    (its `stopping` is cleared) once the test is done."""
    from workspaces.across.running import running_work

    yield running_work.abandon_all
    running_work.stopping.clear()
