"""The approver's decision on the version they reviewed: approve (a note is optional) or reject
(a reason is required)."""

from __future__ import annotations

from django import forms

REASON_MAX = 2000


class DecisionForm(forms.Form):
    # The approval the approver reviewed: a decision applies to that version of the request only.
    approval = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This page is out of date: reload it and review the request again.",
            "invalid": "This page is out of date: reload it and review the request again.",
        },
    )
    decision = forms.ChoiceField(
        choices=[("approve", "Approve and send"), ("reject", "Reject")],
        error_messages={
            "required": "Choose Approve or Reject.",
            "invalid_choice": "Choose Approve or Reject.",
        },
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=REASON_MAX,
        strip=True,
        # Django describes the field by its help text and, once it has one, its error.
        help_text="The requester reads it, in the portal and by e-mail.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not cleaned.get("reason"):
            self.add_error(
                "reason", "Say why you reject this request: the requester reads the reason."
            )
        return cleaned
