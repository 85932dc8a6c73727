"""Fuzzing forms: random POST data (every field the page shows, plus strays) sent to key forms by a
signed-in member allowed to use them never gives a server error."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svduty.access.roles import Role
from tests.factories import OrganisationFactory, member
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "99999999999999999999",
            "1e309",
            "NaN",
            "2019/20",
            "2023-13-45",
            "=SUM(A1)",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\x00",
            "a" * 5000,
            "🙂",
            "on",
            "true",
        ]
    ),
    st.text(max_size=50),
)
# (URL with {slug}, the role that may use it, whether it takes a file)
FORMS = [
    ("/api/tokens/new/", Role.CONTRIBUTOR, False),
    ("/imports/upload/", Role.ANALYST, True),
    ("/imports/mappings/new/", Role.ANALYST, False),
    ("/partnership/{slug}/members/add/", Role.PARTNERSHIP_LEAD, False),
    ("/partnership/{slug}/model/add/", Role.PARTNERSHIP_LEAD, False),
    ("/partnership/{slug}/definition/new/", Role.ANALYST, False),
    ("/partnership/{slug}/engagement/new/", Role.PARTNERSHIP_LEAD, False),
    ("/strategy/{slug}/new/", Role.PARTNERSHIP_LEAD, False),
    ("/strategy/{slug}/findings/add/", Role.PARTNERSHIP_LEAD, False),
]
FIELD = re.compile(r"<(?:input|select|textarea)[^>]*\bname=\"([^\"]+)\"")


@pytest.mark.parametrize(("url", "role", "has_file"), FORMS)
def test_random_posts_to_forms_never_give_a_server_error(
    url: str, role: Role, has_file: bool
) -> None:
    org = OrganisationFactory()
    user = member(role, org)
    client = Client()
    sign_in(client, user)
    target = url.format(slug=org.partnership.slug)
    page = client.get(target)
    assert page.status_code == 200, (target, page.status_code)
    fields = sorted(set(FIELD.findall(page.content.decode())) - {"csrfmiddlewaretoken"})
    assert fields, f"no form fields found on {target}"

    @FUZZ
    @given(
        data=st.fixed_dictionaries({}, optional=dict.fromkeys(fields, VALUES)),
        strays=st.dictionaries(st.text(min_size=1, max_size=10), VALUES, max_size=3),
        upload=st.binary(max_size=300),
        upload_name=st.sampled_from(["a.csv", "a.zip", "a.html", "a", "../../a.csv"]),
    )
    def post(data: dict[str, Any], strays: dict[str, Any], upload: bytes, upload_name: str) -> None:
        body: dict[str, Any] = {**strays, **data}
        if has_file:
            file = io.BytesIO(upload)
            file.name = upload_name
            body["file"] = file
        response = client.post(target, body)
        assert response.status_code < 500, (target, body)

    post()


def test_a_rule_that_is_an_impossible_date_is_a_form_error() -> None:
    """Found by the fuzzer: yaml.safe_load raises ValueError for 2023-13-45, once a 500."""
    org = OrganisationFactory()
    client = Client()
    sign_in(client, member(Role.ANALYST, org))
    url = f"/partnership/{org.partnership.slug}/definition/new/"
    response = client.post(url, {"text": "Serious violence is…", "rule": "2023-13-45"})
    assert response.status_code == 200
    assert "The rule is not valid YAML or JSON" in response.content.decode()
