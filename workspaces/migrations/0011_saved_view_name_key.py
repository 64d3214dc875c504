from django.conf import settings
from django.db import migrations, models

from workspaces.favourites.models import saved_view_name_key, saved_view_name_readable

#: The name given to a saved view whose name has nothing visible in it (only control or format
#: characters: a link with no text in the header menu).
UNNAMED = "Unnamed view"


def fill_name_keys(apps, schema_editor):
    """Each view's `name_key`, so names that read the same are one whatever their case (the old
    constraint was LOWER(name), which SQLite applies to ASCII letters only).

    Before this, views whose names read the same could both be saved ("Failed in infra" and
    "Failed  in infra", "Équipe" and "équipe", saved by two requests at the same moment or
    told apart by white space, a control character or a non-ASCII letter's case). None is
    deleted and every link keeps working: each name is stored as it reads (as a save now stores
    it: control characters dropped, white space runs one space; one with nothing visible left
    is "Unnamed view"; one that written out is longer than the column is cut to it), and the
    newer of two that read the same is renamed "<name> (2)" (and so on), as 0010 did for case,
    so the menu tells them apart and the new constraint holds.

    The key is computed by the app's own `saved_view_name_key`, the function every save uses:
    a migration that stored another key would let a new save pass the form beside an old one."""
    SavedView = apps.get_model("workspaces", "SavedView")
    max_length = SavedView._meta.get_field("name").max_length
    taken: dict[int, set[str]] = {}
    for view in SavedView.objects.order_by("owner_id", "created_at", "pk"):
        keys = taken.setdefault(view.owner_id, set())
        # Cut to the column: the first release stored names as typed, up to `max_length`, and
        # written out (NFKC) one can be longer ("½" is "1⁄2", "…" is "...").
        readable = saved_view_name_readable(view.name)[:max_length].rstrip() or UNNAMED
        name, number = readable, 1
        while saved_view_name_key(name) in keys:
            number += 1
            suffix = f" ({number})"
            name = readable[: max_length - len(suffix)].rstrip() + suffix
        keys.add(saved_view_name_key(name))
        SavedView.objects.filter(pk=view.pk).update(name=name, name_key=saved_view_name_key(name))


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0010_saved_view_name_any_case"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="savedview",
            name="saved_view_name_once_per_owner_any_case",
        ),
        # With the database's default "": during a rolling update the previous release's pods,
        # which do not know the column, still save views (the constraint skips ""; and
        # `SavedView.objects.named` compares such a view by its name, as that release did).
        migrations.AddField(
            model_name="savedview",
            name="name_key",
            field=models.TextField(db_default="", editable=False),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="savedview",
            constraint=models.UniqueConstraint(
                condition=models.Q(("name_key", ""), _negated=True),
                fields=("owner", "name_key"),
                name="saved_view_name_once_per_owner_as_read",
            ),
        ),
    ]
