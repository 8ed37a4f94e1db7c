"""A file store that cannot be written: a clear 503, nothing half-written, the next upload works."""
from app.storage import file_store
from app.storage.local import LocalStore
from tests.helpers import FIXTURES, page_text
from tests.submissions.test_attachments import PDF, attachment_rows, stored_files, upload
from tests.submissions.test_import import import_file, reloaded


def test_an_unwritable_store_refuses_uploads_and_imports_cleanly_then_recovers(app, client, auth, db, setting, draft,
                                                                                 tmp_path):
    working = file_store(app)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store should be")
    # Even root cannot create a folder inside a regular file: the store is really unwritable.
    app.extensions["huibian.storage"] = LocalStore({"uploads": blocker / "uploads"})
    body_before = draft.body_source
    auth.login(setting.ours.user.username)

    response = upload(client, draft, PDF, "report.pdf")
    assert response.status_code == 503
    assert "The server cannot store files at the moment. Nothing was stored" in page_text(response)
    response = import_file(client, draft, (FIXTURES / "tiny-picture.docx").read_bytes())
    assert response.status_code == 503
    assert reloaded(db, draft).body_source == body_before and attachment_rows(db) == []

    app.extensions["huibian.storage"] = working
    assert upload(client, draft, PDF, "report.pdf").status_code == 302
    assert [row.display_name for row in attachment_rows(db)] == ["report.pdf"] and len(stored_files(app)) == 1
