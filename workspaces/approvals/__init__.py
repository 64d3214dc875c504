"""Requests that wait for a second pair of eyes before the portal sends them to Harness.

Operators set `ApprovalRule`s in the Django admin (which action, where, when, who approves). When
a submitted request matches one, `gate.approval_gate` parks it as "awaiting approval" with its
body frozen; an approver then approves it (the portal sends it with the approver's own Harness
key, exactly once) or rejects it with a reason (`services`). The requester and the approvers are
told by e-mail (`notify`).
"""
