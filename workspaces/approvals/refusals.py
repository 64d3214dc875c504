"""Why an approver's decision was not taken: the exceptions the decision services raise
(`services`, which the views catch them from), each with the words said to the approver
(`message`). When one is raised, nothing was decided or sent."""

from __future__ import annotations


class ApprovalRefused(Exception):
    """This person may not take this decision (their own request, or not an approver)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApprovalNotPending(Exception):
    """The approval the decision names no longer waits: it was decided, or its author withdrew
    it (and may have submitted another version). Nothing was decided or sent by this decision.
    `yours`: the decider had already taken this very decision (a second press of the button,
    another tab), so what their first one did stands."""

    def __init__(self, message: str, *, yours: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.yours = yours


class ApproverKeyRefused(Exception):
    """Harness did not allow the approver's key (403) the write, or the read the portal makes
    before it: nothing was written, and the request waits again, its approval pending, for an
    approver whose key may send it (its author is not told: their request is not at fault).
    `message` says so to the approver."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RequestGone(ApprovalNotPending):
    """Its author deleted the request while the decision was being taken: nothing was decided
    or sent, and there is no request left to show."""
