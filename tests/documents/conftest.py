"""The sample document rendered once per format, for the tests to read back."""

from __future__ import annotations

import pytest

from svduty.documents.model import Document
from tests.documents.sample import Rendered, sample_document


@pytest.fixture(scope="session")
def document() -> Document:
    return sample_document()


@pytest.fixture(scope="session")
def rendered(document: Document, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The sample document, written once per format."""
    return Rendered(document, tmp_path_factory.mktemp("rendered"))
