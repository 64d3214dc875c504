"""Tables that stack on a phone (.table--stack, portal.css): each row becomes a card and each cell
shows its column's name beside its value (its data-label), so no column is left off the screen."""

import re


def stacked_tables(html: str) -> dict[str, str]:
    """Each stacked table in `html` by its id, or its classes when it has none."""
    found = re.findall(
        r'(<table class="([^"]*\btable--stack\b[^"]*)"([^>]*)>.*?</table>)', html, re.S
    )
    tables = {}
    for table, classes, attrs in found:
        named = re.search(r'\bid="([^"]+)"', attrs)
        tables[named.group(1) if named else classes] = table
    return tables


def unlabelled_cells(table: str) -> list[str]:
    """The cells that name no column (a row's actions, .actions, need none)."""
    cells = re.findall(r"<td\b[^>]*>", table)
    return [cell for cell in cells if "data-label=" not in cell and 'class="actions' not in cell]
