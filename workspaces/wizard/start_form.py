"""The form of Start from (the step whose slug is `template`): scratch, a template version to link
or copy, a workspace to copy, or pasted code; `forms.STEP_FORMS` holds it with the other steps'.

Template use (`template_mode`) follows the template picked: the page names the template its
radios were shown for (`template_mode_of`), and a save of another one (picked since, so the
radios could not say whether it can be linked) stores the use `steps.template_mode_for` gives.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from workspaces.wizard import steps
from workspaces.wizard.form_base import StepForm, choices_of, text_field
from workspaces.wizard.sources import prefill_marker

_TEMPLATE_VERSION_RE = re.compile(steps.TEMPLATE_VERSION_PATTERN)
# A template or workspace chosen but not read (Harness failed): its field says so, with a retry.
NOT_APPLIED = "not_applied"
NO_VERSION = "no_version"
NOT_APPLIED_MESSAGES = {
    "template": (
        "template_ref",
        "The template version could not be read from Harness, so nothing was filled in from "
        "it. Try again, or choose another one.",
    ),
    "clone": (
        "clone_identifier",
        "The workspace could not be read from Harness, so nothing was copied from it. "
        "Try again, or choose another one.",
    ),
}


class TemplateForm(StepForm):
    step = "template"
    source = forms.ChoiceField(
        label="How do you want to start?",
        choices=choices_of(steps.SOURCES),
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how to start.",
            "invalid_choice": "Choose how to start.",
        },
    )
    template_ref = text_field()
    template_version = text_field()
    # Checked in `clean`: only a template start needs one.
    template_mode = text_field(
        "Template use", widget=forms.RadioSelect(choices=choices_of(steps.TEMPLATE_MODES))
    )
    clone_identifier = text_field()
    # The template whose versions the posted version select lists (never stored).
    template_version_of = text_field(widget=forms.HiddenInput)
    # The template the posted Template use radios were shown for (never stored).
    template_mode_of = text_field(widget=forms.HiddenInput)
    transient = ("template_version_of", "template_mode_of")

    # Each value is checked for shape whatever the source, so nothing ill-formed is stored as
    # valid or sent to Harness (they become path segments of the template and workspace reads).
    def clean_template_ref(self) -> str:
        ref = self.cleaned_data["template_ref"]
        if ref and not steps.template_ref_ok(ref):
            raise forms.ValidationError("Choose a template from the list.")
        return ref

    def clean_template_version(self) -> str:
        version = self.cleaned_data["template_version"]
        if version and not _TEMPLATE_VERSION_RE.fullmatch(version) and not self._held(version):
            raise forms.ValidationError("Choose a version of the template from the list.")
        return version

    def _held(self, version: str) -> bool:
        """Whether `version` is the label of the template link a change's workspace holds
        (`associated_template.version`): kept as Harness holds it, whatever it looks like (a
        change never edits the link, nor sends it)."""
        link = (self.snapshot or {}).get("associated_template") or {}
        return bool(steps.fixed_map(self.draft_data)) and version == link.get("version")

    def clean_clone_identifier(self) -> str:
        identifier = self.cleaned_data["clone_identifier"]
        if identifier and steps.identifier_problem(identifier):
            raise forms.ValidationError("Choose the workspace to copy from the list.")
        return identifier

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        source = cleaned.get("source")
        if source == "template":
            if not cleaned.get("template_ref") and "template_ref" not in self.errors:
                self.add_error("template_ref", "Choose a template.")
            # Its versions are listed once a template is chosen: until then, one error is enough.
            if (
                cleaned.get("template_ref")
                and not cleaned.get("template_version")
                and "template_version" not in self.errors
            ):
                # Saved with a client, the stable version is read and chosen (`choice_complete`).
                message = "Choose a version of the template."
                self.add_error("template_version", forms.ValidationError(message, code=NO_VERSION))
            if cleaned.get("template_mode") not in steps.TEMPLATE_MODES:
                self.add_error("template_mode", "Choose whether to link or copy the template.")
            elif cleaned["template_mode"] == "linked" and not steps.template_linkable(
                cleaned.get("template_ref") or ""
            ):
                self.add_error(
                    "template_mode",
                    f"{steps.LINK_RULE} Choose “Copy the template”, or a template of this project.",
                )
        elif (
            source == "clone"
            and not cleaned.get("clone_identifier")
            and "clone_identifier" not in self.errors
        ):
            self.add_error("clone_identifier", "Choose the workspace to copy.")
        elif source == "code" and not steps.code_applied(self.draft_data):
            self.add_error("source", "Paste the code, then choose Fill in from the code.")
        if source in NOT_APPLIED_MESSAGES and not self.errors and not self._applied(cleaned):
            field, message = NOT_APPLIED_MESSAGES[source]
            self.add_error(field, forms.ValidationError(message, code=NOT_APPLIED))
        # A clone's identifier equal to Basics' is Basics' problem (`BasicsForm.clean_identifier`):
        # every step is validated again on each save, so it holds whichever step is saved first.
        return cleaned

    def values(self) -> dict[str, Any]:
        values = super().values()
        # Picking another template autosaves while the version select of the one before is still
        # in the page: its version is not this template's (the stable one is chosen instead).
        listed_for = str(self["template_version_of"].value() or "").strip()
        if listed_for and listed_for != values["template_ref"]:
            values["template_version"] = ""
        values["template_mode"] = steps.template_mode_for(
            values["template_mode"], values["template_ref"], self.mode_shown_for()
        )
        return values

    def mode_shown_for(self) -> str | None:
        """The template the posted Template use radios were shown for; None when not posted."""
        shown_for = self["template_mode_of"].value() if self.is_bound else None
        return None if shown_for is None else str(shown_for).strip()

    def mode_redrawn(self) -> bool:
        """Whether the Template use radios posted were shown for another template than the one
        saved (picked since): the page shows them again, for it (`views._step_post`)."""
        shown_for = self.mode_shown_for()
        return shown_for is not None and shown_for != self.values()["template_ref"]

    def mode_note(self) -> str:
        """What a save changed of the Template use posted (`steps.template_mode_for`), in words;
        "" when it is stored as posted."""
        stored = self.values()
        if stored["template_mode"] == super().values()["template_mode"]:
            return ""
        ref = stored["template_ref"]
        if stored["template_mode"] == "copied":
            return (
                f"{ref} will be copied, not linked: Harness links only a template of this project."
            )
        return f"{ref} will be linked, as a template of this project can be (or choose to copy it)."

    def _applied(self, cleaned: dict[str, Any]) -> bool:
        """Whether the draft holds what the chosen template or workspace fills in (and, linked,
        what it locks): its read worked (`drafts.draft_save_step`). A change's hidden Start from
        is the workspace itself (`fixed`), never read again."""
        stored = steps.step_values(self.draft_data, "template")
        return (
            bool(steps.fixed_map(self.draft_data)) or prefill_marker(cleaned) == stored["applied"]
        )

    def choice_complete(self) -> bool:
        """The choice passes every rule but being applied and, for a template, having a version
        (its stable one is then read): what `draft_save_step` reads from Harness."""
        self.is_valid()
        return all(
            error.code in {NOT_APPLIED, NO_VERSION}
            for errors in self.errors.as_data().values()
            for error in errors
        )
