"""One Django form per step; its `clean_<field>`/`clean` methods are that step's rules.

A form is bound with the step's data as a form sees it (`step_data`, from the stored values),
so the same `StepForm(data=...).is_valid()` runs while typing (after each autosave) and at
submit. What only other steps know comes in as keyword arguments: `locked` (values a linked
template fixes: the fields are disabled, Django keeps their initial value), `draft_data`
(the whole draft, e.g. the workspace to copy for Basics' identifier check) and, for a change,
`snapshot` (the workspace as read: what it holds is kept as it is, and so is what Harness held
at an earlier base of the change, `held.held_bases`).
`values()` reads a bound form back as stored values, kept as typed even when invalid.
Start from's form (`TemplateForm`) is in `start_form.py`.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from workspaces.wizard import budgets, steps
from workspaces.wizard.body import locked_body_fields
from workspaces.wizard.form_base import (
    ShownRedactedField,
    StepForm,
    choice_field,
    choices_of,
    chosen,
    refuse,
    text_field,
)
from workspaces.wizard.held import (
    held_map,
    held_variable_keys,
    held_variable_values,
    holds_latest,
)
from workspaces.wizard.rows import LinesField, TagFormSet, VariableFormSet
from workspaces.wizard.start_form import TemplateForm

_NAME_RE = re.compile(steps.NAME_PATTERN)
_CONNECTOR_REF_RE = re.compile(steps.CONNECTOR_REF_PATTERN)
_VERSION_RE = re.compile(steps.VERSION_PATTERN)
_COMMIT_RE = re.compile(r"[0-9a-fA-F]{7,64}")
# A second cloud connector under a linked template's locked provisioner (`ProvisionerForm`).
MAIN_CONNECTOR_ONLY = (
    "The linked template locks the provisioner, and with it the additional provider connectors: "
    "choose one cloud connector (AWS, GCP or Azure), the workspace's main one."
)


class BasicsForm(StepForm):
    step = "basics"
    name = forms.CharField(
        label="Name",
        error_messages={"required": "Enter a name."},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "data-wizard-name": "", "maxlength": 128}
        ),
        help_text="What people call it, e.g. payments-vpc-dev.",
    )
    identifier = forms.CharField(
        label="Identifier",
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "data-wizard-identifier": "",
                "maxlength": 128,
            }
        ),
        help_text="Letters, digits, _ and -, starting with a letter or _. Derived from the name "
        "until you edit it; it cannot change later.",
    )
    identifier_edited = forms.BooleanField(required=False, widget=forms.HiddenInput)
    description = text_field(
        "Description", field=LinesField, strip=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def make_formsets(self, data: Any) -> dict[str, forms.BaseFormSet]:
        tags = self.initial.get("tags")
        # A change keeps Harness's tags; a key as the field cleans it (spaces around it are
        # sent back as Harness holds them: `update.update_body`).
        held = {key.strip(): value for key, value in held_map(self.bases, "tags").items()}
        return {
            "tags": TagFormSet(
                data, prefix="tag", initial=tags, form_kwargs={"held": held}, held_rows=len(held)
            )
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if name and name in [str(held).strip() for held in self.held_values("name")]:
            # A change keeps the name Harness holds (contract §2.1: 1..128, any), with any
            # spaces around it (the field strips them: `update.update_body` sends them back).
            return name
        if len(name) > steps.MAX_LENGTH:
            raise forms.ValidationError(f"Use at most {steps.MAX_LENGTH} characters.")
        if not _NAME_RE.fullmatch(name):
            raise forms.ValidationError(
                "Use letters, digits, spaces, _, - and . (start with a letter or digit)."
            )
        return name

    def clean_identifier(self) -> str:
        identifier = self.cleaned_data["identifier"]
        refuse(steps.identifier_problem(identifier))
        # What the live check learned from Harness when Basics was saved (drafts.draft_save_step),
        # unless the identifier is held for an unclear create: the workspace may be its own.
        basics = steps.step_values(self.draft_data, "basics")
        if identifier and identifier == basics.get("identifier_taken") != basics.get(
            "identifier_held"
        ):
            raise forms.ValidationError(
                f"A workspace with the identifier {identifier} already exists in this project. "
                "Choose another identifier."
            )
        template = steps.step_values(self.draft_data, "template")
        if template["source"] == "clone" and identifier == template["clone_identifier"] != "":
            raise forms.ValidationError(
                f"{identifier} is the workspace you are copying: the copy needs an identifier "
                "of its own."
            )
        return identifier


class RepositoryForm(StepForm):
    step = "repository"
    connector = text_field()
    repository = text_field(
        "Repository name",
        required=True,
        error_messages={"required": "Enter the repository name."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="The repository the connector reaches, e.g. infra-live.",
    )
    fetch_type = choice_field(
        "Use a", steps.FETCH_TYPES, "Choose branch, tag or commit.", widget=forms.RadioSelect
    )
    branch = text_field("Branch")
    tag = text_field("Tag")
    commit = text_field("Commit SHA", widget=forms.TextInput(attrs={"spellcheck": "false"}))
    path = text_field(
        "Folder path",
        help_text="The folder with the Terraform/OpenTofu code, e.g. envs/dev. Empty for the root.",
    )
    submodules = choice_field("Submodules", steps.SUBMODULES, "Choose how to fetch submodules.")

    def clean_connector(self) -> str:
        code = steps.step_values(self.draft_data, "repository").get("harness_code")
        if code and not self.cleaned_data["connector"]:
            return ""  # Harness Code needs no git connector (`change.draft_start_change`)
        return chosen(
            self.cleaned_data["connector"],
            _CONNECTOR_REF_RE,
            missing="Choose the git connector that reaches the repository.",
            mismatch="Choose a connector from the list.",
        )

    def clean_repository(self) -> str:
        repository = self.cleaned_data["repository"]
        if self.holds("repository", repository):
            # A change keeps the name Harness holds (contract §2.1: any string; a Git connector
            # may reach a repository whose name has spaces, an Azure DevOps one, say).
            return repository
        if len(repository) > 256 or any(ch.isspace() for ch in repository):
            raise forms.ValidationError("A repository name has no spaces (up to 256 characters).")
        return repository

    def clean_path(self) -> str:
        path = self.cleaned_data["path"]
        if self.holds("repository_path", path):
            return path  # a change keeps the path Harness holds (contract §2.1: any string)
        if path.startswith("/") or ".." in path.split("/"):
            raise forms.ValidationError(
                "Use a path inside the repository, without a leading / or .."
            )
        return path

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        fetch = cleaned.get("fetch_type")
        if fetch in steps.FETCH_TYPES and fetch not in self.locked:  # a locked ref is never sent
            ref = cleaned.get(fetch, "")
            if not ref:
                self.add_error(fetch, f"Enter the {steps.FETCH_TYPES[fetch].lower()}.")
            elif any(ch.isspace() for ch in ref) or len(ref) > 256:
                self.add_error(fetch, "No spaces, at most 256 characters.")
            elif fetch == "commit" and not _COMMIT_RE.fullmatch(ref):
                self.add_error(fetch, "A commit SHA has 7 to 64 hexadecimal characters.")
        return cleaned


class ProvisionerForm(StepForm):
    step = "provisioner"
    provisioner = choice_field(
        "Provisioner", steps.PROVISIONERS, "Choose OpenTofu or Terraform.", widget=forms.RadioSelect
    )
    version = text_field()
    terragrunt = forms.BooleanField(label="Run through Terragrunt", required=False)
    terragrunt_version = text_field()
    run_all = forms.BooleanField(required=False)
    aws = text_field()
    gcp = text_field()
    azure = text_field()
    vault = text_field()
    # Which cloud slot is the main connector (`body.main_connector`): an empty slot falls back to
    # the first one chosen, so the choice never stands in the way of a connector change.
    main = choice_field(
        "Main cloud connector",
        steps.MAIN_CHOICES,
        "Choose which cloud connector is the main one.",
        required=False,
        widget=forms.RadioSelect,
    )
    cost_estimation_enabled = forms.BooleanField(label="Estimate costs", required=False)
    budget = text_field(
        "Monthly budget (USD)",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text="Used with cost estimation; leave empty for no budget.",
    )

    @property
    def main_connector_only(self) -> bool:
        """Whether a linked template's locked provisioner keeps the additional provider
        connectors (`provider_connectors`) out of the body, while a cloud slot is still the
        user's: only the main connector (`provider_connector`) is chosen here."""
        locks = locked_body_fields(steps.locked_map(self.draft_data))
        free = [slot for slot in steps.CLOUD_SLOTS if slot not in self.locked]
        return "provider_connectors" in locks and bool(free)

    def clean_budget(self) -> str:
        # Checked even without cost estimation: `nan`, `inf` or `1e999` is never stored as a
        # number, shown on the review or sent (JSON and Harness cannot carry them).
        budget = self.cleaned_data["budget"]
        if any(budgets.shows_budget(budget, held) for held in self.held_values("budget")):
            return budget  # a change keeps the budget Harness holds (`update.update_body`)
        refuse(budgets.budget_problem(budget))
        return budget

    def clean_version(self) -> str:
        held = holds_latest(self.bases)
        if self.cleaned_data["version"] == steps.LATEST and held:
            return steps.LATEST  # a change keeps following the latest, as Harness holds it
        return chosen(
            self.cleaned_data["version"],
            _VERSION_RE,
            missing="Choose a version.",
            mismatch="Choose a version from the list.",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        version = cleaned.get("version", "")
        if (
            cleaned.get("provisioner") == "terraform"
            and version
            and steps.version_tuple(version) > steps.TERRAFORM_MAX_VERSION
        ):
            self.add_error(
                "version", "Harness supports Terraform up to 1.5.7; choose 1.5.7 or older."
            )
        if cleaned.get("terragrunt"):
            try:
                chosen(
                    cleaned.get("terragrunt_version", ""),
                    _VERSION_RE,
                    missing="Choose a Terragrunt version.",
                    mismatch="Choose a Terragrunt version from the list.",
                )
            except forms.ValidationError as err:
                self.add_error("terragrunt_version", err)
        for slot, (_kind, label) in steps.PROVIDER_TYPES.items():
            ref = cleaned.get(slot, "")
            if ref and not _CONNECTOR_REF_RE.fullmatch(ref):
                self.add_error(slot, f"Choose an {label} connector from the list.")
        if self.main_connector_only:
            # Only the first would be sent: the others would be dropped without a word.
            chosen_slots = [s for s in steps.CLOUD_SLOTS if s not in self.locked and cleaned.get(s)]
            for slot in chosen_slots[1:]:
                self.add_error(slot, MAIN_CONNECTOR_ONLY)
        return cleaned


class VariablesForm(StepForm):
    step = "variables"
    transient = ("paste_group", "paste_text")
    paste_group = forms.ChoiceField(
        label="Add them to", choices=choices_of(steps.VARIABLE_GROUPS), required=False
    )
    paste_text = ShownRedactedField(
        label="Paste a .tfvars or .env block",
        required=False,
        validators=[],  # never stored; `paste.read_pasted_block` says what it does not read
        widget=forms.Textarea(
            attrs={"rows": 5, "spellcheck": "false", "placeholder": 'region = "eu-west-1"'}
        ),
        help_text="One key = value per line; # comments are skipped. Values are added as text.",
    )

    def make_formsets(self, data: Any) -> dict[str, forms.BaseFormSet]:
        held = held_variable_keys(self.draft_data, self.snapshot)
        values = held_variable_values(self.draft_data, self.snapshot)
        return {
            group: VariableFormSet(
                data,
                prefix=group,
                initial=self.initial.get(group),
                form_kwargs={"held_keys": held[group], "held": values[group]},
            )
            for group in steps.VARIABLE_GROUPS
        }


STEP_FORMS: dict[str, type[StepForm]] = {
    form.step: form
    for form in (BasicsForm, TemplateForm, RepositoryForm, ProvisionerForm, VariablesForm)
}
