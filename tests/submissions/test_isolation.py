"""Isolation: another bureau gets 404 on every route of a submission, and nothing changes."""
import io
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.domain.submissions.attachments import add_attachment
from app.domain.submissions.limits import UploadPolicy
from app.domain.submissions.originals import keep_original
from app.domain.submissions.revisions import keep_revision
from app.extensions import db
from app.models import (
    Attachment,
    AuditEvent,
    DraftRevision,
    Notification,
    Submission,
    SubmissionState,
    SubmissionVersion,
    WordOriginal,
)
from app.storage import file_store
from tests.helpers import FIXTURES
from tests.submissions.conftest import draft_data

PDF = b"%PDF-1.4\n%%EOF\n"


@dataclass
class Route:
    endpoint: str
    method: str
    path: str  # formatted with s (submission id), i (invitation id), a (attachment id), h (sha256), o (Word original id)


ROUTES = [
    Route("submissions.start", "POST", "/submissions/start/{i}"),
    Route("submissions.detail", "GET", "/submissions/{s}"),
    Route("submissions.save_after_login", "GET", "/submissions/{s}/save"),
    Route("submissions.save", "POST", "/submissions/{s}/save"),
    Route("submissions.preview", "POST", "/submissions/{s}/preview"),
    Route("submissions.import_document", "POST", "/submissions/{s}/import"),
    Route("submissions.upload_attachment", "POST", "/submissions/{s}/attachments"),
    Route("submissions.remove_attachment", "POST", "/submissions/{s}/attachments/{a}/remove"),
    Route("submissions.attachment_download", "GET", "/submissions/{s}/attachments/{a}"),
    Route("submissions.attachment_by_hash", "GET", "/attachments/{h}"),
    Route("submissions.original_download", "GET", "/submissions/{s}/originals/{o}"),
    Route("submissions.submit", "POST", "/submissions/{s}/submit"),
    Route("submissions.withdraw", "POST", "/submissions/{s}/withdraw"),
    Route("submissions.restart", "POST", "/submissions/{s}/restart"),
    Route("submissions.version", "GET", "/submissions/{s}/versions/1"),
    Route("submissions.diff", "GET", "/submissions/{s}/diff"),
    Route("submissions.revision", "GET", "/submissions/{s}/revisions/1"),
    Route("submissions.restore_revision", "POST", "/submissions/{s}/revisions/1/restore"),
    Route("submissions.import_status", "GET", "/submissions/{s}/import-status"),
]


@pytest.fixture
def ours(app, factory, setting) -> Submission:
    """Our bureau's piece back with us after a review: editable, with a version, a file and its Word original."""
    piece = factory.submission(setting.ours.written, author=setting.ours.user)
    keep_original(piece, (FIXTURES / "tables.docx").read_bytes(), "发言稿.docx", "docx", actor=setting.ours.user,
                  store=file_store(app), max_bytes=UploadPolicy().max_bytes)
    add_attachment(piece, io.BytesIO(PDF), "ours.pdf", actor=setting.ours.user,
                   store=file_store(app), policy=UploadPolicy())
    keep_revision(piece, "save", actor=setting.ours.user)
    factory.move_to(piece, SubmissionState.CHANGES_REQUESTED, author=setting.ours.user)
    factory.commit()
    return piece


def snapshot(db) -> tuple:
    """Everything a request of the other bureau could have changed."""
    db.session.expire_all()
    rows = db.session.execute(sa.select(
        Submission.id, Submission.state, Submission.title, Submission.body_source, Submission.lock_version)).all()
    counts = tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                   for model in (Submission, SubmissionVersion, Attachment, Notification, WordOriginal,
                                 DraftRevision))
    # A probe leaves its own audit row (tests/security): nothing else may be written.
    changes = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action != "probe"))
    return tuple(rows), counts + (changes,)


def probes(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "probe"))


def request(client, route: Route, submission: Submission, invitation_id: int):
    attachment = submission.attachments[0]
    original = db.session.scalar(sa.select(sa.func.max(WordOriginal.id)).where(WordOriginal.submission_id == submission.id))
    url = route.path.format(s=submission.id, i=invitation_id, a=attachment.id, h=attachment.sha256,
                            o=original or 999_999)
    data = {**draft_data(submission, title="别人改的"), "file": (io.BytesIO(PDF + b"x"), "x.pdf"),
            "document": (io.BytesIO(b"PK\x03\x04"), "x.docx"), "body": "preview"}
    if route.method == "GET":
        return client.get(url)
    return client.post(url, data=data, content_type="multipart/form-data")


def test_the_matrix_covers_every_route_of_the_blueprint(app):
    mine = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("submissions.")}
    assert mine == {route.endpoint for route in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.endpoint)
def test_another_bureau_gets_404_and_nothing_changes(client, auth, db, setting, ours, route):
    auth.login(setting.theirs.user.username)  # a login is itself recorded: look after it
    before = snapshot(db)
    response = request(client, route, ours, invitation_id=setting.ours.written.id)
    assert response.status_code == 404
    assert snapshot(db) == before
    assert probes(db) == 1


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.endpoint)
def test_an_id_that_does_not_exist_gets_the_same_404(client, auth, db, setting, ours, route):
    auth.login(setting.theirs.user.username)
    missing = Submission(id=ours.id + 1000, lock_version=1)
    missing.attachments = [Attachment(id=ours.attachments[0].id + 1000, sha256="f" * 64)]
    response = request(client, route, missing, invitation_id=setting.ours.written.id + 1000)
    assert response.status_code == 404


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"], ids=lambda r: r.endpoint)
def test_the_ministry_cannot_act_as_the_bureau(client, auth, db, setting, ours, route):
    auth.login("reviewer")
    before = snapshot(db)
    assert request(client, route, ours, invitation_id=setting.ours.written.id).status_code == 404
    assert snapshot(db) == before


# The bureau's working copies: the ministry reads what was sent, never these.
BUREAU_ONLY = {"submissions.save_after_login", "submissions.revision", "submissions.import_status"}
READ_ROUTES = [r for r in ROUTES if r.method == "GET" and r.endpoint not in BUREAU_ONLY]


@pytest.mark.parametrize("route", READ_ROUTES, ids=lambda r: r.endpoint)
def test_the_ministry_reads_what_was_submitted(client, auth, setting, ours, route):
    auth.login("reviewer")
    assert request(client, route, ours, invitation_id=setting.ours.written.id).status_code == 200


@pytest.mark.parametrize("route", [r for r in ROUTES if r.endpoint in BUREAU_ONLY - {"submissions.save_after_login"}],
                         ids=lambda r: r.endpoint)
def test_the_ministry_never_reads_the_bureaus_working_copies(client, auth, setting, ours, route):
    auth.login("reviewer")
    assert request(client, route, ours, invitation_id=setting.ours.written.id).status_code == 404


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "GET"], ids=lambda r: r.endpoint)
def test_our_bureau_reaches_every_page(client, auth, setting, ours, route):
    auth.login(setting.ours.user.username)
    response = request(client, route, ours, invitation_id=setting.ours.written.id)
    assert response.status_code == (302 if route.endpoint == "submissions.save_after_login" else 200)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.endpoint)
def test_a_visitor_who_is_not_logged_in_is_sent_to_login(client, db, setting, ours, route):
    before = snapshot(db)
    response = request(client, route, ours, invitation_id=setting.ours.written.id)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert snapshot(db) == before
