import re
from urllib.parse import urlencode

from django.db import migrations
from django.http import QueryDict

# The rule of `portal.logs.holds_harness_key` (with its `REDACTED` and `_HARNESS_KEY_IN_TEXT`)
# when this migration was written, copied rather than imported: a migration is frozen, so a
# fresh database migrates as this one did whatever that rule becomes later.
REDACTED = "[redacted]"
HARNESS_KEY_IN_TEXT = re.compile(
    r"""
    (?<![\w.@/-])               # not inside a word, a dotted name, an address, a path or a URL
    (?:pat|sat)
    (?:\.[A-Za-z0-9_-]+){3}     # .<account>.<token id>.<secret>
    (?![\w@/-]|\.\w)            # nor followed by more of one; a full stop ends a sentence
    """,
    re.VERBOSE,
)


def holds_harness_key(text):
    """Whether `text` holds something shaped like a whole Harness API key, or the mark one left
    where it was redacted (as `portal.logs.holds_harness_key` read it then)."""
    return REDACTED in text or ("at." in text and HARNESS_KEY_IN_TEXT.search(text) is not None)


def drop_keys_from_saved_views(apps, schema_editor):
    """Each saved view's query without the values that hold a Harness key.

    Before this, a key pasted into a list's search box (people land on the org picker with it
    still in the clipboard) went into the address, and "Save view" stored it, in plain text, in
    `query`; the menu linked to it and the saved views page showed it. A view is now saved
    without such a value (`favourites.selectors.list_target`, by `holds_harness_key`, whose
    rule is copied above): the views saved before lose it too, and keep the rest of their
    filters."""
    SavedView = apps.get_model("workspaces", "SavedView")
    for view in SavedView.objects.exclude(query="").only("pk", "query").iterator():
        values = [(name, v) for name, given in QueryDict(view.query).lists() for v in given]
        kept = [(name, value) for name, value in values if not holds_harness_key(value)]
        if len(kept) < len(values):
            SavedView.objects.filter(pk=view.pk).update(query=urlencode(kept))


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0013_draft_unsettled_bodies"),
    ]

    operations = [
        migrations.RunPython(drop_keys_from_saved_views, migrations.RunPython.noop),
    ]
