"""The base of the wizard's step forms (`forms.py`) and the field helpers they share.

`StepForm` binds a step's data with its locks and the whole draft (for a change, also the
workspace as read), reads it back as stored values (`values()`, kept as typed even when
invalid) and lists its problems (`problems()`).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django import forms

from portal.logs import redact_harness_keys
from workspaces.wizard import steps
from workspaces.wizard.body import FIELD_STEPS
from workspaces.wizard.held import held_bases
from workspaces.wizard.rows import held_text, plain, refuse_harness_keys, within_text_limit

# (step, field) -> the one body field it is (`description`, `repository_branch`, ...): what Harness
# holds in it, for a change, is read from the workspace snapshot under that name.
_BODY_FIELD = {
    place: field
    for field, place in FIELD_STEPS.items()
    if list(FIELD_STEPS.values()).count(place) == 1
}


def choices_of(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


def text_field(
    label: str = "",
    *,
    required: bool = False,
    field: type[forms.CharField] = forms.CharField,
    **kwargs: Any,
) -> forms.CharField:
    """A text field whose rules are the form's own (no built-in max_length message), of at
    most `TEXT_LIMIT` characters unless `validators` says otherwise. `required` only for a value
    every draft needs (its label then shows no "(optional)"), with its own "required" message;
    `field` a CharField of another class (`rows.LinesField`)."""
    kwargs.setdefault("validators", [within_text_limit])
    return field(label=label, required=required, **kwargs)


class ShownRedactedField(forms.CharField):
    """A text field (a paste) shown again as posted, but with any Harness key redacted: a key
    pasted along is never rendered back. The form reads the text as posted; the readers of a
    paste refuse a line holding a key or the mark left in its place alike."""

    def bound_data(self, data: Any, initial: Any) -> Any:
        return redact_harness_keys(data) if isinstance(data, str) else data


def choice_field(
    label: str, mapping: dict[str, str], message: str, **kwargs: Any
) -> forms.ChoiceField:
    """A required choice whose "missing" and "not a choice" message is the step's own."""
    return forms.ChoiceField(
        label=label,
        choices=choices_of(mapping),
        error_messages={"required": message, "invalid_choice": message},
        **kwargs,
    )


def refuse(problem: str) -> None:
    """A `*_problem` rule's answer as the field's error ("" when the value is fine)."""
    if problem:
        raise forms.ValidationError(problem)


def chosen(value: str, pattern: re.Pattern, *, missing: str, mismatch: str) -> str:
    """A value picked from a Harness list: present, and shaped like the list's values."""
    if not value:
        raise forms.ValidationError(missing)
    if not pattern.fullmatch(value):
        raise forms.ValidationError(mismatch)
    return value


class StepForm(forms.Form):
    """A step's form: rules in `clean_*`, rows in `formsets`, locks and the draft as kwargs."""

    step: ClassVar[str] = ""
    # Fields that only drive the page (the paste box), never stored.
    transient: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *args: Any,
        locked: dict[str, Any] | None = None,
        draft_data: dict[str, Any] | None = None,
        snapshot: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.draft_data = draft_data or {}
        # The workspace a change edits, as read (`WorkspaceDraft.workspace_snapshot`; None for
        # a create): the variable keys it holds are kept as they are.
        self.snapshot = snapshot
        # It, then as Harness held it at each earlier base of the change (`held.held_bases`).
        self.bases = held_bases(self.draft_data, snapshot)
        self.locked = {name: value for name, value in (locked or {}).items() if name in self.fields}
        for name, value in self.locked.items():
            self.fields[name].disabled = True
            self.fields[name].initial = value
        # What Harness holds in each field (a change): kept as it holds it, whatever it looks like.
        self.held = {
            name: held_text((snapshot or {}).get(_BODY_FIELD.get((self.step, name), "")))
            for name in self.fields
        }
        # A key in any text field stored is refused on it first (`plain` stores the mark), but
        # not what Harness holds there.
        refuse_harness_keys(self, skip=self.transient, held=self.held)
        self.formsets = self.make_formsets(self.data if self.is_bound else None)

    def make_formsets(self, data: Any) -> dict[str, forms.BaseFormSet]:
        """The step's rows, bound like the form (or from `initial`)."""
        return {}

    def held_values(self, field: str) -> list[Any]:
        """What Harness holds in the snapshot field `field` of the workspace a change edits, and
        held at each earlier base of the change (`bases`): a change keeps any of them as it is.
        Empty for a create."""
        return [base[field] for base in self.bases if base.get(field) is not None]

    def holds(self, field: str, value: Any) -> bool:
        """Whether `value` (not empty) is held in `field` (`held_values`)."""
        return bool(value) and value in self.held_values(field)

    def is_valid(self) -> bool:
        # The form and every formset are validated (no short circuit), so all errors show.
        valid = [super().is_valid(), *(rows.is_valid() for rows in self.formsets.values())]
        return all(valid)

    def values(self) -> dict[str, Any]:
        """The bound data as stored values (strings, booleans, rows); never validated here."""
        out: dict[str, Any] = {}
        for name, field in self.fields.items():
            if name in self.transient:
                continue
            raw = self[name].value()
            if isinstance(field, forms.BooleanField):
                out[name] = steps.as_bool(raw)
            else:
                text = plain(raw, held=self.held.get(name))
                text = text.strip() if getattr(field, "strip", True) else text
                # A choice left out of the POST is the step's default, as on a new draft.
                choices = getattr(field.widget, "choices", None)
                out[name] = text or (steps.DEFAULTS[self.step][name] if choices else "")
        for name, rows in self.formsets.items():
            out[name] = rows.values()
        return out

    def cleaned_values(self) -> dict[str, Any]:
        """A valid form's cleaned data with its rows' (empty rows left out)."""
        rows = {
            name: [row.cleaned_data for row in formset.forms if row.cleaned_data]
            for name, formset in self.formsets.items()
        }
        return {**self.cleaned_data, **rows}

    def problems(self) -> dict[str, list[str]]:
        """`{field: [messages]}`; rows as `tags.<i>.key`, `terraform.<i>.value`, ..."""
        self.is_valid()
        found = {field: list(messages) for field, messages in self.errors.items()}
        for name, rows in self.formsets.items():
            if rows.non_form_errors():
                found[name] = list(rows.non_form_errors())
            for index, row_errors in enumerate(rows.errors):
                for field, messages in row_errors.items():
                    found[f"{name}.{index}.{field}"] = list(messages)
        return found
