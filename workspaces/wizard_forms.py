"""One form per wizard step: reads a POST into the step's values, renders them with errors.

The rules live in `workspaces.wizard.validate_step` (they run again at submit, on the stored
draft); a form only turns the request into values and shows the errors it is given. Values are
kept as typed, even when invalid, so nothing is lost. Rows (tags, variables) are repeated
inputs read with `getlist`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.forms.utils import ErrorDict

from workspaces import wizard


def _plain(value, limit: int) -> str:
    # NUL is never meaningful in a Harness field, and PostgreSQL cannot store it in text/jsonb.
    return str(value).replace("\x00", "")[:limit]


def _text(post, name: str, limit: int = 1024) -> str:
    return _plain(post.get(name, ""), limit)


def _rows(post, prefix: str, fields: tuple[str, ...], limit: int) -> list[dict[str, str]]:
    columns = [post.getlist(f"{prefix}_{field}") for field in fields]
    rows = []
    for cells in zip(*columns, strict=False):
        rows.append({field: _plain(cell, 4096) for field, cell in zip(fields, cells, strict=True)})
    return rows[:limit]


class WizardStepForm(forms.Form):
    """A step's values as a bound form whose errors are exactly the wizard's errors."""

    step: ClassVar[str] = ""

    def __init__(
        self,
        values: dict[str, Any],
        *,
        errors: dict[str, list[str]] | None = None,
        locked: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data=self.to_data(values))
        self.values = values
        self.step_errors = errors or {}
        self.locked_fields = set()
        for path, value in (locked or {}).items():
            step, _, name = path.partition(".")
            if step == self.step and name in self.fields:
                self.fields[name].disabled = True
                self.fields[name].initial = self.to_data({name: value}).get(name, value)
                self.locked_fields.add(name)

    def to_data(self, values: dict[str, Any]) -> dict[str, Any]:
        data = {}
        for name, value in values.items():
            if isinstance(value, bool):
                if value:
                    data[name] = "on"
            elif isinstance(value, str | int | float):
                data[name] = str(value)
        return data

    def full_clean(self) -> None:
        self._errors = ErrorDict()
        self.cleaned_data = {}
        for name, messages in self.step_errors.items():
            target = name if name in self.fields else None
            if target is None and "." in name:
                continue  # row errors are shown on their rows
            self._errors.setdefault(target or "__all__", self.error_class()).extend(messages)

    @classmethod
    def values_from(cls, post) -> dict[str, Any]:
        raise NotImplementedError


class BasicsForm(WizardStepForm):
    step = "basics"
    name = forms.CharField(
        label="Name",
        max_length=128,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-wizard-name": ""}),
        help_text="What people call it, e.g. payments-vpc-dev.",
    )
    identifier = forms.CharField(
        label="Identifier",
        max_length=128,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "data-wizard-identifier": ""}
        ),
        help_text="Letters, digits, _ and -, starting with a letter or _. Derived from the name "
        "until you edit it; it cannot change later.",
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def values_from(cls, post) -> dict[str, Any]:
        tags = _rows(post, "tag", ("key", "value"), wizard.MAX_TAGS + 10)
        return {
            "name": _text(post, "name", 256),
            "identifier": _text(post, "identifier", 256).strip(),
            "identifier_edited": wizard.as_bool(post.get("identifier_edited", "")),
            "description": _text(post, "description", 4096),
            "tags": tags,
        }


class TemplateForm(WizardStepForm):
    step = "template"
    source = forms.ChoiceField(
        label="How do you want to start?",
        choices=list(wizard.SOURCES.items()),
        widget=forms.RadioSelect,
    )
    template_mode = forms.ChoiceField(
        label="Template use",
        choices=list(wizard.TEMPLATE_MODES.items()),
        widget=forms.RadioSelect,
        required=False,
    )

    @classmethod
    def values_from(cls, post) -> dict[str, Any]:
        return {
            "source": _text(post, "source", 32) or "scratch",
            "template_ref": _text(post, "template_ref", 300),
            "template_version": _text(post, "template_version", 64),
            "template_mode": _text(post, "template_mode", 16) or "linked",
            "clone_identifier": _text(post, "clone_identifier", 300),
        }


class RepositoryForm(WizardStepForm):
    step = "repository"
    repository = forms.CharField(
        label="Repository name",
        max_length=256,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="The repository the connector reaches, e.g. infra-live.",
    )
    fetch_type = forms.ChoiceField(
        label="Use a", choices=list(wizard.FETCH_TYPES.items()), widget=forms.RadioSelect
    )
    branch = forms.CharField(label="Branch", required=False, max_length=256)
    tag = forms.CharField(label="Tag", required=False, max_length=256)
    commit = forms.CharField(
        label="Commit SHA",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    path = forms.CharField(
        label="Folder path",
        required=False,
        max_length=512,
        help_text="The folder with the Terraform/OpenTofu code, e.g. envs/dev. Empty for the root.",
    )
    submodules = forms.ChoiceField(
        label="Submodules", choices=list(wizard.SUBMODULES.items()), required=False
    )

    @classmethod
    def values_from(cls, post) -> dict[str, Any]:
        return {
            "connector": _text(post, "connector", 300),
            "repository": _text(post, "repository", 300).strip(),
            "fetch_type": _text(post, "fetch_type", 16) or "branch",
            "branch": _text(post, "branch", 300).strip(),
            "tag": _text(post, "tag", 300).strip(),
            "commit": _text(post, "commit", 80).strip(),
            "path": _text(post, "path", 600).strip(),
            "submodules": _text(post, "submodules", 16) or "false",
        }


class ProvisionerForm(WizardStepForm):
    step = "provisioner"
    provisioner = forms.ChoiceField(
        label="Provisioner", choices=list(wizard.PROVISIONERS.items()), widget=forms.RadioSelect
    )
    cost_estimation_enabled = forms.BooleanField(label="Estimate costs", required=False)
    budget = forms.CharField(
        label="Monthly budget (USD)",
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text="Used with cost estimation; leave empty for no budget.",
    )

    @classmethod
    def values_from(cls, post) -> dict[str, Any]:
        values = {
            "provisioner": _text(post, "provisioner", 32) or "opentofu",
            "version": _text(post, "version", 32).strip(),
            "run_all": wizard.as_bool(post.get("run_all", "")),
            "cost_estimation_enabled": wizard.as_bool(post.get("cost_estimation_enabled", "")),
            "budget": _text(post, "budget", 32).strip(),
        }
        for slot in wizard.PROVIDER_TYPES:
            values[slot] = _text(post, slot, 300)
        return values


class VariablesForm(WizardStepForm):
    step = "variables"
    paste_group = forms.ChoiceField(
        label="Add them to", choices=list(wizard.VARIABLE_GROUPS.items()), required=False
    )
    paste_text = forms.CharField(
        label="Paste a .tfvars or .env block",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 5, "spellcheck": "false", "placeholder": 'region = "eu-west-1"'}
        ),
        help_text="One key = value per line; # comments are skipped. Values are added as text.",
    )

    @classmethod
    def values_from(cls, post) -> dict[str, Any]:
        return {
            group: _rows(post, group, ("key", "value_type", "value"), wizard.MAX_VARIABLES + 10)
            for group in wizard.VARIABLE_GROUPS
        }


STEP_FORMS: dict[str, type[WizardStepForm]] = {
    form.step: form
    for form in (BasicsForm, TemplateForm, RepositoryForm, ProvisionerForm, VariablesForm)
}
