"""Usernames and emails compared in one canonical form (NFKC, case folded) by Python and by the
unique constraints; usernames may no longer hold ``@``.

The canonical columns are filled here from the existing rows. Two accounts whose names collide in
canonical form (``srace`` and ``ſrace``) must be told apart by hand first: the migration names them
and stops instead of picking one.
"""

import unicodedata

from django.db import migrations, models

import accounts.models


def _canonical(value):
    # The same rule as accounts.models.canonical, frozen here as migrations must be.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


def fill_canonical_columns(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    seen = {"username": {}, "email": {}}
    batch = []
    for user in User.objects.only("id", "username", "email").order_by("pk").iterator(chunk_size=2000):
        user.username_canonical = _canonical(user.username)
        user.email_canonical = _canonical(user.email)
        for field, key in (("username", user.username_canonical), ("email", user.email_canonical)):
            other = seen[field].setdefault(key, user.pk)
            if other != user.pk:
                raise RuntimeError(
                    f"Users {other} and {user.pk} have the same {field} in canonical form ({key!r}); "
                    "rename one of them, then migrate again."
                )
        batch.append(user)
        if len(batch) >= 2000:
            User.objects.bulk_update(batch, ["username_canonical", "email_canonical"])
            batch = []
    if batch:
        User.objects.bulk_update(batch, ["username_canonical", "email_canonical"])


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_search_trigram_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_canonical",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="user",
            name="email_canonical",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(fill_canonical_columns, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="user", name="accounts_user_email_ci_unique"),
        migrations.RemoveConstraint(model_name="user", name="accounts_user_username_ci_unique"),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(fields=["email_canonical"], name="accounts_user_email_canonical_unique"),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                fields=["username_canonical"], name="accounts_user_username_canonical_unique"
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="username",
            field=models.CharField(max_length=150, unique=True, validators=[accounts.models.UsernameValidator()]),
        ),
    ]
