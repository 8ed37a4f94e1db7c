"""Nothing is lost: every save keeps a revision to put back, an import can be undone,
and submitting sends what is on the screen."""
from __future__ import annotations

import sqlalchemy as sa

from app.domain.submissions.revisions import MAX_REVISIONS
from app.models import DraftRevision, Submission, SubmissionState
from tests.helpers import FIXTURES, page_text
from tests.submissions.conftest import draft_data


def reloaded(db, draft) -> Submission:
    db.session.expire_all()
    return db.session.get(Submission, draft.id)


def numbers_and_reasons(db, draft):
    return [(r.number, r.reason) for r in db.session.scalars(
        sa.select(DraftRevision).where(DraftRevision.submission_id == draft.id).order_by(DraftRevision.number))]


def save(client, draft, body, **overrides):
    return client.post(f"/submissions/{draft.id}/save",
                       data=draft_data(draft, body=body, body_format="html", **overrides))


def test_each_save_keeps_a_revision_and_the_first_keeps_the_text_before_it(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    save(client, draft, "<p>第一稿</p>")
    save(client, reloaded(db, draft), "<p>第二稿</p>")
    assert numbers_and_reasons(db, draft) == [(1, "earlier"), (2, "save"), (3, "save")]
    earlier = db.session.scalar(sa.select(DraftRevision).where(DraftRevision.number == 1))
    assert "我们坚持以习近平生态文明思想为指导。" in earlier.body_html


def test_a_revision_is_put_back_and_the_put_back_is_kept_too(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    save(client, draft, "<p>第一稿</p>")
    save(client, reloaded(db, draft), "<p>改坏了的第二稿</p>")
    page = client.get(f"/submissions/{draft.id}/revisions/2")
    assert "第一稿" in page_text(page)
    response = client.post(f"/submissions/{draft.id}/revisions/2/restore",
                           data={"lock_version": reloaded(db, draft).lock_version}, follow_redirects=True)
    assert "Revision 2 is the draft again (kept as revision 4)." in page_text(response)
    assert reloaded(db, draft).body_html == "<p>第一稿</p>"
    assert numbers_and_reasons(db, draft)[-1] == (4, "restore")


def test_restoring_from_a_stale_page_changes_nothing(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    save(client, draft, "<p>第一稿</p>")
    stale = reloaded(db, draft).lock_version
    save(client, reloaded(db, draft), "<p>别的标签页保存的</p>")
    response = client.post(f"/submissions/{draft.id}/revisions/1/restore", data={"lock_version": stale},
                           follow_redirects=True)
    assert "Nothing was restored" in page_text(response)
    assert reloaded(db, draft).body_html == "<p>别的标签页保存的</p>"


def test_an_import_is_undone_by_putting_back_the_draft_before_it(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    save(client, draft, "<p>导入前写好的文字</p>")
    with open(FIXTURES / "single-paragraph.docx", "rb") as document:
        client.post(f"/submissions/{draft.id}/import", data={
            "lock_version": reloaded(db, draft).lock_version, "document": (document, "报告.docx")})
    assert "导入前写好的文字" not in reloaded(db, draft).body_html
    page = client.get(f"/submissions/{draft.id}").get_data(as_text=True)
    assert "Undo the import" in page and "Imported 报告.docx" in page
    client.post(f"/submissions/{draft.id}/revisions/2/restore", data={"lock_version": reloaded(db, draft).lock_version})
    assert reloaded(db, draft).body_html == "<p>导入前写好的文字</p>"


def test_only_the_newest_revisions_are_kept(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    for n in range(MAX_REVISIONS + 3):
        save(client, reloaded(db, draft), f"<p>第{n}稿</p>")
    kept = numbers_and_reasons(db, draft)
    assert len(kept) == MAX_REVISIONS and kept[-1] == (MAX_REVISIONS + 4, "save")


def test_another_bureau_cannot_read_or_put_back_a_revision(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    save(client, draft, "<p>只给自己看的草稿</p>")
    auth.logout()
    auth.login(setting.theirs.user.username)
    assert client.get(f"/submissions/{draft.id}/revisions/1").status_code == 404
    response = client.post(f"/submissions/{draft.id}/revisions/1/restore",
                           data={"lock_version": reloaded(db, draft).lock_version})
    assert response.status_code == 404
    assert reloaded(db, draft).body_html == "<p>只给自己看的草稿</p>"


def test_a_reviewer_cannot_read_the_bureaus_drafts(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    save(client, draft, "<p>未提交的草稿</p>")
    auth.logout()
    auth.login(setting.reviewer.username)
    assert client.get(f"/submissions/{draft.id}/revisions/1").status_code == 404


def test_nonsense_revision_numbers_are_not_found(client, auth, setting, draft):
    auth.login(setting.ours.user.username)
    for number in ("0", "999", "2147483648", "99999999999999999999"):
        assert client.get(f"/submissions/{draft.id}/revisions/{number}").status_code == 404


def test_submitting_sends_the_text_on_the_screen_in_one_step(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    response = save(client, draft, "<p>刚刚输入、还没保存的文字</p>", then="submit")
    assert response.status_code == 302
    submitted = reloaded(db, draft)
    assert submitted.state is SubmissionState.SUBMITTED
    assert submitted.latest_version.number == 1 and "刚刚输入、还没保存的文字" in submitted.latest_version.body_html


def test_a_draft_that_cannot_be_submitted_yet_is_still_saved(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    response = save(client, draft, "<p>新的文字</p>", title="", then="submit")
    page = page_text(client.get(response.headers["Location"]))
    assert "Draft saved." in page and "Before submitting, please give a title." in page
    kept = reloaded(db, draft)
    assert kept.state is SubmissionState.DRAFT and kept.body_html == "<p>新的文字</p>"
