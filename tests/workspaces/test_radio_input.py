"""`includes/radio_input.html` writes out the markup of Django's `{{ radio.tag }}` (a measured
render cost on the wizard's steps): it must stay the same <input>, attribute for attribute."""

import re

import pytest
from django.template import Context, Template

from workspaces.wizard.forms import STEP_FORMS

TAG = re.compile(r"<input[^>]*>")
ATTRIBUTE = re.compile(r'([\w-]+)(?:="([^"]*)")?')


def _inputs(source: str, form, name: str) -> list[list[tuple[str, str]]]:
    html = Template("{% for radio in form." + name + " %}" + source + "{% endfor %}").render(
        Context({"form": form})
    )
    return [sorted(ATTRIBUTE.findall(tag[len("<input") : -1])) for tag in TAG.findall(html)]


@pytest.mark.parametrize(
    ("step", "data", "fields"),
    [
        ("template", None, ("source", "template_mode")),
        (
            "template",
            {"source": "template", "template_mode": "linked"},
            ("source", "template_mode"),
        ),
        ("template", {"source": "<nope>", "template_mode": "x"}, ("source", "template_mode")),
        ("provisioner", {"provisioner": "opentofu"}, ("provisioner",)),
        ("repository", {"fetch_type": "tag"}, ("fetch_type",)),
    ],
)
def test_the_written_out_radio_is_djangos_own(step, data, fields):
    form = STEP_FORMS[step](data=data, draft_data={})
    form.is_valid()
    _same_inputs(form, fields)


def test_a_locked_invalid_radio_and_an_empty_choice_are_djangos_own_too():
    # disabled and aria-invalid come through the attributes; a None choice renders value="".
    form = STEP_FORMS["provisioner"](data={"provisioner": "terraform"}, draft_data={})
    form.fields["provisioner"].disabled = True  # a field the linked template locks
    form.fields["provisioner"].choices = [(None, "Not set"), *form.fields["provisioner"].choices]
    form.is_valid()
    _same_inputs(form, ("provisioner",))


def _same_inputs(form, fields) -> None:
    for name in fields:
        django_own = _inputs("{{ radio.tag }}", form, name)
        written = _inputs('{% include "includes/radio_input.html" %}', form, name)
        assert django_own and written == django_own
