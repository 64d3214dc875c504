"""Decommissioning a workspace: the confirmation page and one `DELETE` to Harness.

- `services`: `deletion_start` (the request, a `WorkspaceDraft` of kind delete holding a snapshot
  of the workspace), `deletion_send` (claims it atomically and sends one DELETE, with whichever
  user's client is given: the approvals flow calls it with the approver's), and what blocks a
  deletion.
- `forms`: the typed-identifier confirmation.
- `views`: the thin views (the workspace's delete page, the confirmation POST).
"""
