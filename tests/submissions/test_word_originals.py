"""The Word file a body was imported from is kept: downloaded by those who may read the piece, counted, cleaned up."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from app.domain.submissions import limits, storage
from app.domain.submissions.limits import UploadPolicy
from app.models import AuditEvent, Role, SubmissionState, SubmissionVersion, WordOriginal
from app.storage import file_store
from tests.helpers import FIXTURES, page_text

HOSTILE_NAME = "../../报告\u202eexe.docx"


def import_file(client, submission, content: bytes, name: str):
    return client.post(f"/submissions/{submission.id}/import", data={
        "lock_version": submission.lock_version, "document": (io.BytesIO(content), name)},
        content_type="multipart/form-data")


def originals(db) -> list[WordOriginal]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WordOriginal).order_by(WordOriginal.id)))


def test_the_imported_file_is_kept_and_its_bureau_downloads_it_under_its_name(app, client, auth, db, setting, draft):
    content = (FIXTURES / "tables.docx").read_bytes()
    auth.login(setting.ours.user.username)
    assert import_file(client, draft, content, HOSTILE_NAME).status_code == 302
    [original] = originals(db)
    assert (original.submission_id, original.sha256, original.size) == (draft.id, storage.sha256_of(content), len(content))
    assert original.display_name == "报告exe.docx"  # no directory, no bidi override
    assert file_store(app).read(storage.key_for(original.sha256)) == content
    page = page_text(client.get(f"/submissions/{draft.id}"))
    assert "Imported from 报告exe.docx" in page
    download = client.get(f"/submissions/{draft.id}/originals/{original.id}")
    assert download.data == content
    assert "filename*=UTF-8''%E6%8A%A5%E5%91%8Aexe.docx" in download.headers["Content-Disposition"]
    assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == "original_download")).one()


def test_another_bureau_gets_404_and_the_ministry_sees_only_what_was_sent(client, auth, db, factory, setting, draft):
    auth.login(setting.ours.user.username)
    import_file(client, draft, (FIXTURES / "tables.docx").read_bytes(), "发言稿.docx")
    [original] = originals(db)
    url = f"/submissions/{draft.id}/originals/{original.id}"
    auth.logout()
    auth.login(setting.theirs.user.username)
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login(setting.reviewer.username)
    assert client.get(url).status_code == 404  # a draft is the bureau's own
    auth.logout()

    factory.move_to(db.session.get(type(draft), draft.id), SubmissionState.SUBMITTED, author=setting.ours.user)
    factory.commit()
    version = db.session.scalars(sa.select(SubmissionVersion)).one()
    assert version.word_original_id == original.id
    auth.login(setting.reviewer.username)
    assert client.get(url).data == (FIXTURES / "tables.docx").read_bytes()
    assert "Imported from 发言稿.docx" in page_text(client.get(f"/review/{draft.id}"))


def test_a_new_import_replaces_an_unsent_original_and_keeps_a_sent_one(app, client, auth, db, factory, setting, draft):
    first, second, third = ((FIXTURES / name).read_bytes() for name in ("tables.docx", "simple-list.docx",
                                                                        "single-paragraph.docx"))
    store = file_store(app)
    auth.login(setting.ours.user.username)
    import_file(client, draft, first, "一稿.docx")
    import_file(client, originals(db)[0].submission, second, "二稿.docx")
    assert [o.display_name for o in originals(db)] == ["二稿.docx"]
    assert not store.exists(storage.key_for(storage.sha256_of(first)))  # nothing refers to it any more

    submission = originals(db)[0].submission
    factory.move_to(submission, SubmissionState.CHANGES_REQUESTED, author=setting.ours.user)
    factory.commit()
    import_file(client, submission, third, "三稿.docx")
    assert [o.display_name for o in originals(db)] == ["二稿.docx", "三稿.docx"]
    assert store.exists(storage.key_for(storage.sha256_of(second)))  # version 1 was sent with it


def test_originals_count_towards_the_bureaus_storage(client, auth, db, setting, draft):
    content = (FIXTURES / "tables.docx").read_bytes()
    auth.login(setting.ours.user.username)
    import_file(client, draft, content, "发言稿.docx")
    submission = originals(db)[0].submission
    policy = UploadPolicy(max_bureau_bytes=len(content) + 100)
    with pytest.raises(limits.QuotaExceeded):
        limits.check_bureau_storage(submission, {"f" * 64: 101}, policy)
    limits.check_bureau_storage(submission, {"f" * 64: 100}, policy)  # exactly at the limit is allowed


def test_an_import_past_the_quota_with_its_original_is_refused_and_keeps_nothing(app, client, auth, db, setting, draft):
    content = (FIXTURES / "tables.docx").read_bytes()
    app.config["MAX_BUREAU_STORAGE_MB"] = 0
    auth.login(setting.ours.user.username)
    response = import_file(client, draft, content, "发言稿.docx")
    assert response.status_code == 413 and "Nothing was stored" in page_text(response)
    assert originals(db) == []
    assert not file_store(app).exists(storage.key_for(storage.sha256_of(content)))
