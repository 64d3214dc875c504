from urllib.parse import urlencode

from django.db import migrations
from django.http import QueryDict

from portal.logs import holds_harness_key


def drop_keys_from_saved_views(apps, schema_editor):
    """Each saved view's query without the values that hold a Harness key.

    Before this, a key pasted into a list's search box (people land on the org picker with it
    still in the clipboard) went into the address, and "Save view" stored it, in plain text, in
    `query`; the menu linked to it and the saved views page showed it. A view is now saved
    without such a value (`favourites.selectors.list_target`, by the same `holds_harness_key`):
    the views saved before lose it too, and keep the rest of their filters."""
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
