"""The deletion's confirmation: the person types the workspace identifier."""

from django import forms


class DeletionConfirmForm(forms.Form):
    """Typing the identifier exactly (case and all) confirms which workspace goes."""

    confirm_identifier = forms.CharField(
        label="Type the workspace identifier to confirm",
        max_length=256,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Type the identifier to confirm the deletion."},
    )

    def __init__(self, *args, identifier: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.identifier = identifier
        self.fields["confirm_identifier"].help_text = f"Type {identifier} exactly as shown."

    def clean_confirm_identifier(self) -> str:
        typed = self.cleaned_data["confirm_identifier"]
        if typed != self.identifier:
            raise forms.ValidationError(
                f"This does not match. Type {self.identifier} exactly (it is case-sensitive) "
                "to delete this workspace; nothing was deleted."
            )
        return typed
