"""``text ~~~ pattern``: LIKE under another name, which the planner takes for a match of one row.

The operator runs ``LIKE``'s own function (``textlike``) and is in no index's operator class, so it
is only ever a filter. Its restriction estimator is ``eqsel`` (equality: one row of a column of
distinct values) where ``LIKE``'s reads the pattern against the column's statistics. A search
checks a whole term with it after the trigram index has found the rows that hold a part of the term
(``core.search.RareContains``): the planner sorts those rows instead of walking the ordering index
past every newer row (see ``docs/architecture.md``, "Search").
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0006_table_versions")]
    operations = [
        migrations.RunSQL(
            "CREATE OPERATOR ~~~ (FUNCTION = textlike, LEFTARG = text, RIGHTARG = text, RESTRICT = eqsel)",
            reverse_sql="DROP OPERATOR IF EXISTS ~~~ (text, text)",
        ),
    ]
