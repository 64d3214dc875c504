"""The cross-project list's per-process cache of merged answers stays bounded, rows or none."""

from workspaces.across.merging import Merged, RecentMerges


def _merged(rows: int, failed: int = 0) -> Merged:
    entries = [("o/p", {"identifier": f"w{i}"}) for i in range(rows)]
    failures = [("o/p", "Harness failed", True, False)] * failed
    return Merged(entries, failures, [], 1, 0, "")


def test_answers_without_rows_are_evicted_too():
    recent = RecentMerges(limit=100)
    for job in range(1_000):
        recent.put((f"job{job}", "run", 1, "name,ASC"), _merged(rows=0, failed=3))

    assert len(recent) == 25  # each holds its three failures and itself
    assert recent.get(("job999", "run", 1, "name,ASC")) is not None
    assert recent.get(("job0", "run", 1, "name,ASC")) is None


def test_the_most_recently_read_entry_is_kept_and_a_big_one_alone_stays():
    recent = RecentMerges(limit=100)
    recent.put(("a", "run", 1, "s"), _merged(rows=40))
    recent.put(("b", "run", 1, "s"), _merged(rows=40))
    recent.get(("a", "run", 1, "s"))
    recent.put(("c", "run", 1, "s"), _merged(rows=40))  # evicts b, read least recently

    assert recent.get(("b", "run", 1, "s")) is None
    assert recent.get(("a", "run", 1, "s")) is not None
    recent.put(("d", "run", 1, "s"), _merged(rows=500))
    assert len(recent) == 1 and recent.get(("d", "run", 1, "s")) is not None
