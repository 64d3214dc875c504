"""A step page's form as a browser posts it back: for tests that submit what a page shows.

`form_fields` reads the wizard's step form (`#step-form`) the way a browser builds its POST: no
disabled field, no button (the test names the action), only checked checkboxes and radios, a
select's selected option (else its first), a textarea's text without the line break that
follows its start tag and with its line breaks as CRLF (HTML's form encoding), and a text
input's value without line breaks (an input's value cannot hold them: a browser drops them).
"""

from __future__ import annotations

from html.parser import HTMLParser

_NOT_POSTED = {"submit", "button", "image", "reset", "file"}


class _StepForm(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._textarea: str | None = None
        self._text = ""
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: list | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "step-form":
            self._in_form = True
        if not self._in_form or "disabled" in attrs or not attrs.get("name"):
            if tag == "option" and self._select:
                self._option = [attrs.get("value"), "selected" in attrs, ""]
            return
        name = attrs["name"]
        kind = (attrs.get("type") or "text").lower()
        if tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in attrs:
                value = attrs.get("value", "on")  # value="" is posted as ""
                self.fields.append((name, "on" if value is None else value))
        elif tag == "input" and kind == "hidden":
            self.fields.append((name, attrs.get("value") or ""))
        elif tag == "input" and kind not in _NOT_POSTED:
            value = attrs.get("value") or ""
            self.fields.append((name, value.replace("\r", "").replace("\n", "")))
        elif tag == "textarea":
            self._textarea, self._text = name, ""
        elif tag == "select":
            self._select, self._options = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data
        if self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "option" and self._option is not None:
            value, selected, text = self._option
            self._options.append((text.strip() if value is None else value, selected))
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            first = [value for value, _selected in self._options[:1]]
            self.fields += [(self._select, value) for value in chosen or first]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._text[1:] if self._text.startswith("\n") else self._text
            self.fields.append((self._textarea, text.replace("\n", "\r\n")))
            self._textarea = None


def form_fields(page_html: str) -> list[tuple[str, str]]:
    """(name, value) of each field the step form on `page_html` posts, in order."""
    reader = _StepForm()
    reader.feed(page_html)
    return reader.fields


def posted(page_html: str) -> dict[str, list[str]]:
    """The step form's POST as the Django test client takes it: name -> its values."""
    data: dict[str, list[str]] = {}
    for name, value in form_fields(page_html):
        data.setdefault(name, []).append(value)
    return data
