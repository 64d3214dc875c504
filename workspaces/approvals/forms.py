"""The approver's decision on the version they reviewed: approve (a note is optional) or reject
(a reason is required)."""

from __future__ import annotations

from django import forms

from portal.logs import REDACTED, holds_harness_key, redact_harness_keys

REASON_MAX = 2000
# Said as the wizard says it of a key typed in a field (`rows.KEY_NOT_KEPT`).
KEY_IN_REASON = (
    "This holds a Harness API key, which the portal never keeps: the requester would read it "
    "here, by e-mail and in My requests, and operators in the admin. Take the key out (it is "
    f"shown as {REDACTED}) and decide again."
)


class ReasonInput(forms.Textarea):
    """The reason typed, shown again with any Harness key in it as `[redacted]`: a page never
    shows a key back (posted again as it is, the mark is refused too)."""

    def format_value(self, value):
        return super().format_value(redact_harness_keys(value) if value else value)


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
        widget=ReasonInput(attrs={"rows": 3}),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"]
        if holds_harness_key(reason):
            raise forms.ValidationError(KEY_IN_REASON)
        return reason

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and "reason" in cleaned and not cleaned["reason"]:
            self.add_error(
                "reason", "Say why you reject this request: the requester reads the reason."
            )
        return cleaned
