"""Load the frameworks shipped with svduty (the Duty's requirements, the default self-assessment).

Runs on every ``svduty init`` (and every command that migrates) for a new installation. Loading is
by slug and version and skips a version already present, so later migrations can ship new versions
the same way. Uses the historical models, and the pure reader in ``svduty.partnership.frameworks``.
"""

from django.db import migrations


def load(apps, schema_editor):  # noqa: ANN001, ARG001
    from svduty.partnership.frameworks import read_framework, shipped_framework_files

    Framework = apps.get_model("partnership", "Framework")
    RequirementItem = apps.get_model("partnership", "RequirementItem")
    Question = apps.get_model("partnership", "Question")
    for path in shipped_framework_files():
        document = read_framework(path)
        if Framework.objects.filter(slug=document.slug, version=document.version).exists():
            continue
        framework = Framework.objects.create(**document.framework_fields())
        for row in document.item_rows():
            RequirementItem.objects.create(framework=framework, **row)
        for row in document.question_rows():
            Question.objects.create(framework=framework, **row)


class Migration(migrations.Migration):
    dependencies = [("partnership", "0002_members_model_requirements_self_assessment")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
