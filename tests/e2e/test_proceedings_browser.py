"""An editor builds the demo proceedings in the browser and downloads edition 1."""
from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from app.models import EditionStatus, ProceedingsEdition
from app.seed.demo import DEMO_PASSWORD
from app.seed.sample_content import seed_sample_content

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_an_editor_builds_the_demo_proceedings_and_downloads_edition_1(app, db, page, login, tmp_path):
    seed_sample_content()
    db.session.commit()
    # As in production without Redis: the build runs in the web process's worker thread.
    app.config["BACKGROUND_WORKER"] = "thread"

    login("editor", DEMO_PASSWORD)
    page.click("nav >> text=Proceedings")
    page.wait_for_url("**/proceedings/2024/")
    assert page.locator(".proceedings-pieces tbody tr").count() == 12
    assert page.locator(".preflight li").count() >= 1  # the other bureaus' pieces are not approved

    page.click("button:has-text('Build edition')")
    page.wait_for_url("**/proceedings/2024/editions/1")
    # edition-progress.js polls the status and reloads the page once the book is done.
    page.locator("a:has-text('Download the PDF')").wait_for(timeout=120_000)
    with page.expect_download() as download_info:
        page.click("a:has-text('Download the PDF')")
    path = tmp_path / "edition-1.pdf"
    download_info.value.save_as(path)

    db.session.expire_all()
    edition = db.session.scalar(sa.select(ProceedingsEdition))
    assert edition.status is EditionStatus.DONE and edition.number == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == edition.sha256
    assert download_info.value.suggested_filename == "2024-proceedings-edition-1.pdf"
    assert page.locator(".edition-items tbody tr").count() == 12
