"""Search terms sent so that Harness finds the text typed, not a regex."""

from __future__ import annotations

__all__ = ["literal_search_term"]


def literal_search_term(text: str) -> str:
    """A search term that finds `text` as typed where Harness reads the term as a
    case-insensitive regex, compiled by Java then run by MongoDB (harness-core; see
    harness_fake/search_terms.py): listV2's and the secrets list's `searchTerm`, the v1
    template, org and project lists' `search_term`. Each ASCII character other than a letter,
    digit, `_` or `-` is sent as `\\xHH`: no metacharacter, an escape both engines read as that
    character, and no `+` or `%`, so that it reads the same whether or not Harness URL-decodes
    the term once more (listV2 does, the template, org and project lists do not; whether the
    secrets list does is unknown). A space is sent so too: the org and project lists take a
    blank term as no search, and spaces typed are text to find. A `:` stays (unless the text is
    colons only, which listV2 cannot split into a tag: a 500), as listV2 also finds a connector
    whose tag equals the term split at `:` (`key:value`, or `key` alone for an empty value).
    It compares the tag with the term as sent, escapes and all: only a tag whose key and value
    hold nothing but letters, digits, `_`, `-` and characters outside ASCII is found so (not
    `team:platform.core`, nor a value with a space or a `/`). Elsewhere `:` is a plain
    character."""
    keep_colons = text.strip(":") != ""

    def sent(char: str) -> str:
        # A non-ASCII character is no metacharacter, and the decode leaves it alone.
        if not char.isascii() or char.isalnum() or char in "_-" or (char == ":" and keep_colons):
            return char
        return f"\\x{ord(char):02X}"

    return "".join(sent(char) for char in text)
