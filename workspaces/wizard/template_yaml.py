"""A Workspace template's YAML read safely: no aliases, a bound on size, values and nesting.

`load_template_yaml` gives the parsed YAML that `prefill.prefill_from_template_yaml` reads.
No Django, no HTTP.
"""

from __future__ import annotations

from typing import Any

import yaml

from workspaces.wizard.prefill import PrefillRefused

# Bounds on what a template (anyone who can publish one) may make the portal read and store.
MAX_TEMPLATE_YAML = 256 * 1024  # characters of YAML
MAX_TEMPLATE_NODES = 20_000  # YAML nodes (scalars, lists, maps)
MAX_TEMPLATE_DEPTH = 64  # nesting of lists and maps


class _TemplateLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` without aliases, and with a bound on nodes and nesting.

    An alias (`*name`) makes the parsed data share the anchored node: a few kilobytes of
    nested aliases ("billion laughs") expand into gigabytes once the values are copied into a
    draft, rendered or serialized. A Workspace template has no use for them, so none is read.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.nodes = 0
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise PrefillRefused("its YAML uses aliases (*name), which the portal does not read")
        self.nodes += 1
        if self.nodes > MAX_TEMPLATE_NODES:
            raise PrefillRefused(f"its YAML has more than {MAX_TEMPLATE_NODES:,} values")
        self.depth += 1
        try:
            if self.depth > MAX_TEMPLATE_DEPTH:
                raise PrefillRefused(f"its YAML nests deeper than {MAX_TEMPLATE_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_template_yaml(text: str) -> dict[str, Any]:
    """A Workspace template's YAML, parsed without aliases and within the bounds above.

    Raises PrefillRefused with the reason (aliases, size, nesting, unreadable YAML).
    """
    if len(text) > MAX_TEMPLATE_YAML:
        raise PrefillRefused(f"its YAML is longer than {MAX_TEMPLATE_YAML:,} characters")
    loader = _TemplateLoader(text)
    try:
        parsed = loader.get_single_data()
    except (yaml.YAMLError, ValueError) as err:  # ValueError: e.g. an int of 5,000 digits
        if isinstance(err, PrefillRefused):
            raise
        raise PrefillRefused("its YAML could not be read") from err
    finally:
        loader.dispose()
    return parsed if isinstance(parsed, dict) else {}
