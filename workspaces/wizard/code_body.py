"""The create body a pasted workspace describes, read field by field (`from_code` reads the paste).

`BodyReader` collects the body (contract §2.1 field names) and the lines that could not be used,
each with its number and why; the rules here are the ones a value must meet to be stored in a
draft (`steps`): an identifier Harness would refuse, a value of the wrong type, a second variable
with the same key are lines not used, never values half-kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate
from typing import Any

from portal.logs import holds_harness_key, redact
from workspaces.wizard import steps
from workspaces.wizard.sources import LATEST_BECOMES_FIXED

BOOLEAN_FIELDS = ("terragrunt_provider", "run_all", "cost_estimation_enabled")
VARIABLE_BLOCKS = {"terraform_variable": "terraform", "environment_variable": "environment"}
NUL_REASON = "contains a NUL character."
NUMBER_REASON = "a number too long to read (at most 4,300 digits)."
SURROGATE_REASON = "contains an escaped half of a character (\\ud800 to \\udfff) alone."
KEY_REASON = (
    "holds a Harness API key (shown as [redacted]), which the portal keeps only as your own key, "
    "encrypted: keep a key a workspace needs in a Harness secret and give a secret variable its "
    "reference."
)
NOT_IN_WIZARD_REASON = "The wizard does not set this; add it in Harness once the workspace exists."
# The lines not used a draft keeps and a page lists; the others are counted (`first_lines`).
REPORT_LINES = 200
_VARIABLE_KEY_RE = re.compile(steps.VARIABLE_KEY_PATTERN)
# A JSON string, and the `:` that makes it a key (outside strings, valid JSON has no `"`); or a
# bracket outside strings.
_JSON_TOKEN = re.compile(r'(?P<string>"(?:[^"\\]|\\.)*")(?P<colon>\s*:)?|(?P<bracket>[][{}])')


class CodeRefused(ValueError):
    """A paste that maps nothing; `message` says why, `lines` what was not used."""

    def __init__(self, message: str, lines: tuple[CodeLine, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.lines = lines


@dataclass(frozen=True)
class CodeLine:
    """A line of the paste that was not used, and why."""

    number: int
    text: str
    reason: str

    @classmethod
    def of(cls, lines: list[str], number: int, reason: str) -> CodeLine:
        """Line `number` of the paste (`lines`), not used for `reason`."""
        text = lines[number - 1].strip() if 0 < number <= len(lines) else ""
        # A key quoted back in `reason` can hold a NUL or a lone surrogate (escaped in JSON):
        # the draft's JSONB cannot hold the one, the page cannot be encoded with the other.
        reason = reason.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode()
        # Both are kept in the draft and shown: a Harness key (a provider block pasted along, a
        # value refused for holding one) is redacted, before the cut so that none of it stays.
        return cls(number, redact(text)[:160], redact(reason))


@dataclass(frozen=True)
class CodeImport:
    """The create body (contract §2.1 names) read from a paste, and the lines not used."""

    kind: str  # "hcl" or "json"
    body: dict[str, Any]
    unmapped: tuple[CodeLine, ...]
    mapped: int
    digest: str
    #: body field (a variable `terraform_variables.<key>`, a connector `provider_connectors.
    #: <type>`) -> (line, name in the paste) of each value used (`BodyReader.where`).
    where: dict[str, tuple[int, str]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list, repr=False)

    @property
    def label(self) -> str:
        return "Terraform resource" if self.kind == "hcl" else "JSON body"

    @property
    def template_link(self) -> dict[str, str]:
        return dict(self.body.get("associated_template") or {})

    def report(self) -> dict[str, Any]:
        """What the template step keeps of this import (shown on Start from): the first
        `REPORT_LINES` lines not used, and how many more there are."""
        kept, more = first_lines(self.unmapped)
        return {
            "kind": self.label,
            "mapped": self.mapped,
            "unmapped": [vars(line) for line in kept],
            "more": more,
        }

    def not_used(self, reasons: dict[str, str]) -> CodeImport:
        """This import with the values of `reasons` (`where` keys -> why) listed as lines not
        used and no longer counted as used (the body keeps them: the caller decides)."""
        lines = [
            CodeLine.of(self.lines, self.where[at][0], f"{self.where[at][1]}: {reason}")
            for at, reason in reasons.items()
        ]
        unmapped = sorted((*self.unmapped, *lines), key=lambda line: line.number)
        return dataclasses.replace(self, unmapped=tuple(unmapped), mapped=self.mapped - len(lines))


def first_lines(lines: tuple[CodeLine, ...]) -> tuple[tuple[CodeLine, ...], int]:
    """The first `REPORT_LINES` of `lines`, and how many are left out: a paste of 20,000 lines
    that are not used is not kept, nor shown, whole."""
    return lines[:REPORT_LINES], max(len(lines) - REPORT_LINES, 0)


@dataclass
class BodyReader:
    """What one paste gave so far: the body, the lines not used, how many values were mapped."""

    text: str
    org: str
    project: str
    body: dict[str, Any] = field(default_factory=dict)
    unmapped: list[CodeLine] = field(default_factory=list)
    mapped: int = 0
    #: body field -> (line, name in the paste) of each value `put`.
    where: dict[str, tuple[int, str]] = field(default_factory=dict)

    @cached_property
    def lines(self) -> list[str]:
        """The paste's lines, split once (a paste may have thousands of lines not used). Only
        at "\n", as the HCL parser counts them (`splitlines` also splits at U+2028 and others,
        which a value may hold)."""
        return self.text.split("\n")

    @cached_property
    def json_keys(self) -> dict[str, list[int]]:
        """Each key of a JSON paste's objects -> the lines it is on, in order (json gives values,
        not positions)."""
        return self._json_scan[0]

    @property
    def json_repeats(self) -> list[tuple[int, str]]:
        """(line, key) of each key given again in the same JSON object, which json reads once."""
        return self._json_scan[1]

    @cached_property
    def _json_scan(self) -> tuple[dict[str, list[int]], list[tuple[int, str]]]:
        """One pass over a JSON paste's strings and brackets, each key's offset mapped to its
        line: `json_keys` and `json_repeats`."""
        ends = list(accumulate(len(line) + 1 for line in self.lines))
        keys: dict[str, list[int]] = {}
        repeats: list[tuple[int, str]] = []
        objects: list[set[str] | None] = []  # the keys of each open object (None: an array)
        for match in _JSON_TOKEN.finditer(self.text):
            if match["bracket"] in ("{", "["):
                objects.append(set() if match["bracket"] == "{" else None)
            elif match["bracket"]:
                if objects:  # a closing bracket
                    objects.pop()
            elif match["colon"]:
                key, line = json.loads(match["string"]), bisect_right(ends, match.start()) + 1
                keys.setdefault(key, []).append(line)
                seen = objects[-1] if objects else None
                if seen is not None and key in seen:
                    repeats.append((line, key))
                elif seen is not None:
                    seen.add(key)
        return keys, repeats

    def skip(self, number: int, reason: str) -> None:
        self.unmapped.append(CodeLine.of(self.lines, number, reason))

    def put(self, number: int, name: str, body_field: str, value: Any) -> None:
        """`value` as the body's `body_field` when it has the right type and Harness takes it."""
        problem = _value_problem(body_field, value)
        if problem:
            self.skip(number, f"{name}: {problem}")
            return
        if body_field in ("org_id", "project_id"):
            where = self.org if body_field == "org_id" else self.project
            if value != where:
                self.skip(
                    number,
                    f"{name} is {value}; this request is for {self.org} / "
                    f"{self.project}, where the workspace will be created.",
                )
            return
        if body_field in self.body:
            self.skip(number, f"{name} is set twice; the first value is used.")
            return
        self.keep(number, name, body_field, value)

    def keep(self, number: int, name: str, body_field: str, value: Any) -> None:
        """`value` as the body's `body_field`, already checked, from line `number`."""
        self.body[body_field] = value
        self.where[body_field] = (number, name)
        self.mapped += 1

    def add_to(self, number: int, name: str, body_field: str, key: str, item: Any) -> None:
        """One variable (by key) or provider connector (by type) of a group."""
        group = self.body.setdefault(body_field, {})
        if key in group:
            what = (
                "connector of type"
                if body_field == "provider_connectors"
                else "variable with the key"
            )
            self.skip(number, f"A second {what} {key}; the first one is used.")
            return
        group[key] = item
        self.where[f"{body_field}.{key}"] = (number, f"{name} {key}")
        self.mapped += 1

    def result(self, kind: str) -> CodeImport:
        self._unuse_unread()
        if "provider_connectors" in self.body:
            self.body["provider_connectors"] = list(self.body["provider_connectors"].values())
        unmapped = tuple(sorted(self.unmapped, key=lambda line: line.number))
        if not self.mapped:
            raise CodeRefused(
                "Nothing in the code could be used: "
                + ("see the lines below." if unmapped else "it sets no workspace field."),
                unmapped,
            )
        digest = hashlib.sha256(self.text.encode()).hexdigest()[:16]
        return CodeImport(kind, self.body, unmapped, self.mapped, digest, self.where, self.lines)

    def _unuse_unread(self) -> None:
        """List the values the wizard would not read (`prefill.workspace_values`): all but one of
        a branch, a tag and a commit; a budget without cost estimation; Terragrunt settings
        without Terragrunt; a provisioner version "latest", which a create does not keep (as a
        copy's, `sources.not_copied`). Kept, they would count as used and be missing from the
        review."""
        if self.body.get("provisioner_version") == steps.LATEST:
            self._unuse("provisioner_version", f"“{steps.LATEST}”: {LATEST_BECOMES_FIXED}.")
        fetched = ("repository_commit", "repository_sha", "repository_branch")
        refs = [body_field for body_field in fetched if body_field in self]
        for unread in refs[1:]:
            self._unuse(unread, f"one of branch, tag or commit is followed: {self.name(refs[0])}.")
        if "budget" in self and self.body.get("cost_estimation_enabled") is not True:
            self._unuse("budget", "used only with cost estimation on (cost_estimation_enabled).")
        # An older Terragrunt workspace says `provisioner: "terragrunt"` (`workspace_values`).
        terragrunt = self.body.get("terragrunt_provider") is True
        if not terragrunt and self.body.get("provisioner") != "terragrunt":
            for unread in ("terragrunt_version", "run_all"):
                if unread in self:
                    self._unuse(unread, "used only with Terragrunt on (terragrunt_provider).")

    def __contains__(self, body_field: str) -> bool:
        """Whether the paste gave `body_field` a value that says something (an empty text or
        `false` is how a Harness answer says "not set", and is never listed)."""
        return body_field in self.where and bool(self.body.get(body_field))

    def name(self, body_field: str) -> str:
        return self.where[body_field][1]

    def _unuse(self, body_field: str, reason: str) -> None:
        del self.body[body_field]
        self.mapped -= 1
        self.skip(self.where[body_field][0], f"{self.name(body_field)}: {reason}")


def _value_problem(body_field: str, value: Any) -> str:
    """Why `value` cannot be the body's `body_field`, or "" when it can."""
    if problem := unstorable(value):
        return problem
    if body_field in BOOLEAN_FIELDS:
        return "" if isinstance(value, bool) else "expects true or false."
    if body_field in ("tags", "associated_template"):
        return ""  # checked where they are read (an object, or "k:v" texts)
    if not isinstance(value, str):
        return "expects a text value in quotes."
    if len(value) > steps.TEXT_LIMIT:
        return f"longer than {steps.TEXT_LIMIT:,} characters."
    if body_field == "identifier":
        problem = steps.identifier_problem(value)
        return f"Harness would refuse this identifier. {problem}" if problem else ""
    if body_field == "provisioner" and value not in (*steps.PROVISIONERS, "terragrunt"):
        return "the wizard creates OpenTofu or Terraform workspaces (Terragrunt runs one of them)."
    if body_field == "repository_submodules" and value not in steps.SUBMODULES:
        return f"expects one of {', '.join(steps.SUBMODULES)}."
    return ""


def unstorable(value: Any) -> str:
    """Why a text in `value` (or a key) cannot be kept, or "": a NUL (`\\u0000` in the paste),
    which PostgreSQL's JSONB, where a draft is kept, refuses (a raw NUL is already stripped from
    the paste); a Harness API key, which is kept only encrypted (never in a draft); or a lone
    surrogate (`\\ud800`), which no UTF-8 text can hold."""
    if isinstance(value, dict):
        return next((p for k, v in value.items() if (p := unstorable(k) or unstorable(v))), "")
    if isinstance(value, list):
        return next((p for item in value if (p := unstorable(item))), "")
    if not isinstance(value, str):
        return ""
    if "\x00" in value:
        return NUL_REASON
    if holds_harness_key(value):
        return KEY_REASON
    try:
        value.encode()
    except UnicodeEncodeError:
        return SURROGATE_REASON
    return ""


def _variable_problem(item: dict[str, Any]) -> str:
    if not all(isinstance(item.get(f), str) for f in ("key", "value", "value_type")):
        return "needs key, value and value_type, each a text value in quotes."
    if not _VARIABLE_KEY_RE.fullmatch(item["key"]) or len(item["key"]) > steps.MAX_LENGTH:
        return f"the key {steps.VARIABLE_KEY_RULE}."
    if item["value_type"] not in steps.VALUE_TYPES:
        return f"value_type must be {' or '.join(steps.VALUE_TYPES)}."
    return "" if len(item["value"]) <= steps.TEXT_LIMIT else "the value is too long."


def _connector_problem(item: dict[str, Any]) -> str:
    if not all(isinstance(item.get(f), str) and item[f] for f in ("connector_ref", "type")):
        return "needs connector_ref and type, each a text value in quotes."
    if item["type"] not in steps.PROVIDER_TYPES:
        return f"type must be one of {', '.join(steps.PROVIDER_TYPES)}."
    return ""


def _template_problem(item: dict[str, Any]) -> str:
    if not all(isinstance(item.get(f), str) and item[f] for f in ("template_id", "version")):
        return "needs template_id and version, each a text value in quotes."
    if not steps.template_ref_ok(item["template_id"]):
        return "template_id is not a template identifier."
    if not steps.template_linkable(item["template_id"]):
        return f"template_id names an account or org template. {steps.LINK_RULE}"
    return ""


def add_group(reader: BodyReader, number: int, name: str, item: Any, kind: str) -> None:
    """A variable, provider connector or template link (a block, or a JSON object)."""
    if not isinstance(item, dict):
        reader.skip(number, f"{name}: expects an object.")
        return
    item = {k: v for k, v in item.items() if v is not None}
    if cannot_hold := unstorable(item):
        problem = cannot_hold
    elif kind in VARIABLE_BLOCKS.values():
        problem = _variable_problem(item)
        if not problem:
            value = {f: item[f] for f in ("key", "value", "value_type")}
            reader.add_to(number, name, f"{kind}_variables", item["key"], value)
    elif kind == "connector":
        problem = _connector_problem(item)
        if not problem:
            value = {"connector_ref": item["connector_ref"], "type": item["type"]}
            reader.add_to(number, name, "provider_connectors", item["type"], value)
    else:
        problem = _template_problem(item)
        if not problem:
            link = {"template_id": item["template_id"], "version": item["version"]}
            reader.put(number, name, "associated_template", link)
    if problem:
        reader.skip(number, f"{name}: {problem}")
