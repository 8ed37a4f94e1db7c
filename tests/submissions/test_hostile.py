"""Hostile input: a clear message, the right status, nothing half-written."""
import io
import re

import pytest
import sqlalchemy as sa

from app.domain.errors import DomainError
from app.domain.submissions.drafting import DraftFields, save_draft
from app.models import Attachment, AuditEvent, Submission
from tests.helpers import page_text
from tests.submissions.conftest import draft_data

PDF = b"%PDF-1.4\n%%EOF\n"


def reloaded(db, submission) -> Submission:
    db.session.expire_all()
    return db.session.get(Submission, submission.id)


def saved_files(app):
    return [p for p in app.config["UPLOAD_DIR"].rglob("*") if p.is_file()]


# Bodies come from the editor as HTML, or as Markdown from a form without JavaScript: both get the same treatment.
FORMATS = pytest.mark.parametrize("body_format", ["markdown", "html"])


@FORMATS
def test_script_and_event_handlers_are_removed_and_the_user_is_told(client, auth, db, setting, draft, body_format):
    auth.login(setting.ours.user.username)
    body = ("# 标题\n\n<script>alert('x')</script>\n\n<p onclick=\"steal()\">段落</p>\n\n"
            '<img src="x" onerror="alert(1)">')
    response = client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, body=body, body_format=body_format),
                           follow_redirects=True)
    html = reloaded(db, draft).body_html
    assert "<script" not in html and "alert" not in html and "onclick" not in html and "onerror" not in html
    assert "段落" in html
    text = page_text(response)
    assert "Removed from the body because Huibian does not allow it:" in text
    assert "script element" in text and "event handler attribute onclick" in text


@pytest.mark.parametrize("image, described, body_format", [
    ('<img src="file:///etc/passwd">', "local file image file:///etc/passwd", "markdown"),
    ('<img src="http://tracker.example/pixel.gif">', "external image http://tracker.example/pixel.gif", "markdown"),
    ("![logo](https://cdn.example/logo.png)", "external image https://cdn.example/logo.png", "markdown"),
    ('<a href="https://phish.example/">点这里</a>', "link to https://phish.example/ (text kept)", "markdown"),
    ('<p><img src="file:///etc/passwd"></p>', "local file image file:///etc/passwd", "html"),
    ('<p><img src="https://cdn.example/logo.png"></p>', "external image https://cdn.example/logo.png", "html"),
    ('<p><a href="https://phish.example/">点这里</a></p>', "link to https://phish.example/ (text kept)", "html"),
    ('<p>甲<span data-footnote="" data-note="注"></span><img src="http://tracker.example/p.gif"></p>',
     "external image http://tracker.example/p.gif", "html"),
])
def test_references_outside_huibian_are_removed_and_named(client, auth, db, setting, draft, image, described,
                                                          body_format):
    auth.login(setting.ours.user.username)
    response = client.post(f"/submissions/{draft.id}/save",
                           data=draft_data(draft, body=f"正文\n\n{image}\n", body_format=body_format),
                           follow_redirects=True)
    html = reloaded(db, draft).body_html
    assert "passwd" not in html and "example" not in html
    assert described in page_text(response)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "save")).one()
    assert event.detail["removed"]


def test_a_100000_character_title_is_refused_and_nothing_is_saved(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    response = client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, title="长" * 100_000, body="new"))
    assert response.status_code == 422
    assert "Field cannot be longer than 300 characters." in page_text(response)
    saved = reloaded(db, draft)
    assert saved.title == "深入打好蓝天保卫战的实践与思考" and saved.body_source != "new"


def test_a_2_mb_body_is_refused_and_nothing_is_saved(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    response = client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, body="a" * (2 * 1024 * 1024)))
    assert response.status_code == 422
    assert "The body may have at most 500000 characters." in page_text(response)
    assert reloaded(db, draft).body_source == draft.body_source


def test_a_2_mb_body_cannot_be_previewed_either(client, auth, setting, draft):
    auth.login(setting.ours.user.username)
    response = client.post(f"/submissions/{draft.id}/preview", data={"body": "a" * (2 * 1024 * 1024)})
    assert response.status_code == 413 and response.get_json()["error"] == "The body is too long to preview."


def test_a_key_task_of_another_conference_is_refused(client, auth, db, factory, setting, draft):
    other = factory.conference()
    factory.commit()
    auth.login(setting.ours.user.username)
    response = client.post(f"/submissions/{draft.id}/save",
                           data=draft_data(draft, key_task_ids=[other.key_tasks[0].id], title="改了"))
    assert response.status_code == 422
    assert f"'{other.key_tasks[0].id}' is not a valid choice for this field." in page_text(response)
    saved = reloaded(db, draft)
    assert [t.conference_id for t in saved.key_tasks] == [setting.conference.id] and saved.title != "改了"


def test_the_domain_refuses_a_key_task_of_another_conference_by_itself(db, factory, setting, draft):
    other = factory.conference()
    with pytest.raises(DomainError, match="key tasks of this submission's conference only"):
        save_draft(draft, DraftFields(title="x", key_task_ids=[other.key_tasks[0].id]),
                   actor=setting.ours.user, loaded_version=draft.lock_version)


def test_an_executable_renamed_pdf_is_refused_and_nothing_is_stored(app, client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\0" * 200
    response = client.post(f"/submissions/{draft.id}/attachments", data={"file": (io.BytesIO(elf), "report.pdf")})
    assert response.status_code == 415
    assert "This kind of file is not accepted" in page_text(response)
    assert db.session.scalars(sa.select(Attachment)).all() == [] and saved_files(app) == []


def test_a_gif_is_not_an_accepted_attachment(app, client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    gif = io.BytesIO(b"GIF89a" + b"\0" * 50)
    response = client.post(f"/submissions/{draft.id}/attachments", data={"file": (gif, "a.gif")})
    assert response.status_code == 415 and saved_files(app) == []


def test_a_path_as_file_name_is_kept_for_display_only(app, client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    client.post(f"/submissions/{draft.id}/attachments", data={"file": (io.BytesIO(PDF), "../../etc/passwd")})
    [row] = db.session.scalars(sa.select(Attachment)).all()
    assert row.display_name == "passwd.pdf"  # the directories dropped, the content's extension added
    [stored] = saved_files(app)
    assert stored.is_relative_to(app.config["UPLOAD_DIR"]) and stored.name == row.sha256
    download = client.get(f"/submissions/{draft.id}/attachments/{row.id}")
    assert download.headers["Content-Disposition"] == "attachment; filename=passwd.pdf"


def test_an_upload_over_the_limit_gets_the_413_page_and_nothing_is_stored(app, client, auth, db, setting, draft):
    app.config["MAX_UPLOAD_MB"] = 1
    auth.login(setting.ours.user.username)
    big = PDF + b"0" * (1024 * 1024 + 10)
    response = client.post(f"/submissions/{draft.id}/attachments", data={"file": (io.BytesIO(big), "big.pdf")})
    assert response.status_code == 413
    assert "Files may be at most 1 MB. Nothing was stored." in page_text(response)
    assert db.session.scalars(sa.select(Attachment)).all() == [] and saved_files(app) == []


def test_a_request_over_the_servers_limit_gets_the_friendly_413_page(app, client, auth, db, setting, draft):
    app.config["MAX_UPLOAD_MB"] = 1
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    auth.login(setting.ours.user.username)
    big = PDF + b"0" * (3 * 1024 * 1024)
    response = client.post(f"/submissions/{draft.id}/attachments", data={"file": (io.BytesIO(big), "big.pdf")})
    assert response.status_code == 413
    text = page_text(response)
    assert "The file is too large" in text and "Nothing was stored." in text
    assert db.session.scalars(sa.select(Attachment)).all() == [] and saved_files(app) == []


def csrf_login(client, username):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": "correct horse battery", "csrf_token": token})


@pytest.mark.parametrize("action", ["save", "preview", "import", "attachments", "submit", "withdraw"])
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(csrf_client, db, setting, draft, action):
    csrf_login(csrf_client, setting.ours.user.username)
    before = (draft.title, draft.body_source, draft.state, draft.lock_version)
    response = csrf_client.post(f"/submissions/{draft.id}/{action}", data=draft_data(draft, title="伪造"))
    assert response.status_code == 400
    assert "The form had expired or was not sent from Huibian." in page_text(response)
    saved = reloaded(db, draft)
    assert (saved.title, saved.body_source, saved.state, saved.lock_version) == before


def test_starting_without_the_csrf_token_creates_nothing(csrf_client, db, setting):
    csrf_login(csrf_client, setting.ours.user.username)
    response = csrf_client.post(f"/submissions/start/{setting.ours.written.id}")
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 0


def test_the_csrf_token_of_the_page_lets_the_save_through(csrf_client, db, setting, draft):
    csrf_login(csrf_client, setting.ours.user.username)
    page = csrf_client.get(f"/submissions/{draft.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = csrf_client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, title="有令牌", csrf_token=token))
    assert response.status_code == 302 and reloaded(db, draft).title == "有令牌"


def test_a_long_chinese_body_within_the_limit_is_saved_whole(client, auth, db, setting, draft):
    paragraph = "我们坚持以习近平生态文明思想为指导，深入打好污染防治攻坚战，持续改善生态环境质量。\n\n"
    body = paragraph * (150_000 // len(paragraph))
    auth.login(setting.ours.user.username)
    response = client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, body=body))
    assert response.status_code == 302
    saved = reloaded(db, draft)
    assert saved.body_source == body and saved.body_html.count("<p>") == body.count("\n\n")
