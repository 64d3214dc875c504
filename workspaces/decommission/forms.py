"""The deletion's confirmation: the person types the workspace identifier."""

from django import forms


class DeletionConfirmForm(forms.Form):
    """Typing the identifier exactly (case and all, no space around it) confirms which
    workspace goes: anything else is an error on the field, and nothing is sent."""

    confirm_identifier = forms.CharField(
        label="Type the workspace identifier to confirm",
        max_length=256,
        strip=False,  # exactly as typed: a stray space is a mismatch the person is told about
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Type the identifier to confirm the deletion."},
    )

    def __init__(self, *args, identifier: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.identifier = identifier
        self.fields["confirm_identifier"].help_text = f"Type {identifier} exactly as shown."

    def clean_confirm_identifier(self) -> str:
        typed = self.cleaned_data["confirm_identifier"]
        if typed == self.identifier:
            return typed
        if not typed.strip():  # only spaces: as if nothing was typed
            raise forms.ValidationError(
                self.fields["confirm_identifier"].error_messages["required"]
            )
        if typed.strip() == self.identifier:  # str.strip: any Unicode space, NBSP included
            raise forms.ValidationError(
                "This has spaces before or after the identifier. Type "
                f"{self.identifier} exactly, without spaces, to delete this workspace; nothing "
                "was deleted."
            )
        raise forms.ValidationError(
            f"This does not match. Type {self.identifier} exactly (it is case-sensitive) "
            "to delete this workspace; nothing was deleted."
        )
