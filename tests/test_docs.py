"""Documentation kept true by tests: settings and roles are documented where users read them."""

from __future__ import annotations

from pathlib import Path

from svduty.access.roles import ROLES
from svduty.config.env import SETTINGS

REPO = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in readme]
    assert missing == []


def test_every_role_is_described_in_the_access_documentation() -> None:
    doc = (REPO / "docs" / "access.md").read_text()
    for role, description in ROLES.items():
        assert f"### {role.label}" in doc
        assert description.description in doc


def test_readme_gives_exactly_two_commands_to_run() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    assert section.count("```sh") == 2
