"""Absolute links come from HUIBIAN_BASE_URL, never from the request's Host header; other hosts are refused."""
from __future__ import annotations

import sqlalchemy as sa

from app.models import OutboxMail, Submission, SubmissionState, User
from tests.factories import PASSWORD

BASE_URL = "https://huibian.example.gov.cn"


def mails(db):
    return db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)).all()


def test_a_submit_with_a_forged_host_mails_the_configured_address(app, client, db, bureaus):
    # Trust any host here, so that the forged header reaches the view: the link must not follow it.
    app.config.update(HUIBIAN_BASE_URL=BASE_URL, TRUSTED_HOSTS=None)
    forged = {"Host": "attacker.example"}
    client.post("/login", data={"username": "hebei-user", "password": PASSWORD}, headers=forged)
    draft = bureaus["drafts"]["ours"]
    response = client.post(f"/submissions/{draft.id}/submit", headers=forged)
    assert response.status_code == 302
    [mail] = mails(db)
    assert mail.to_address == "reviewer@mee.example.cn"
    # A reviewer is sent to the review page, built on the configured address.
    assert f"{BASE_URL}/review/{draft.id}" in mail.body_text
    assert "attacker.example" not in mail.body_text
    assert "attacker.example" not in response.headers["Location"]


def move_in_app(app, submission_id, state, author_id):
    """Drive the workflow in ``app``'s own context, as a command or background job would."""
    from app.extensions import db
    from tests.factories import Factory

    with app.app_context():
        factory = Factory(db)
        factory.move_to(db.session.get(Submission, submission_id), state, author=db.session.get(User, author_id))
        factory.commit()


def test_a_decision_mail_built_outside_a_request_uses_the_base_url(make_app, db, bureaus):
    draft, author = bureaus["drafts"]["ours"], bureaus["users"]["ours"]
    move_in_app(make_app(HUIBIAN_BASE_URL=BASE_URL + "/huibian/"), draft.id, SubmissionState.APPROVED, author.id)
    to_bureau = [m for m in mails(db) if m.to_address == "hebei@example.cn"]
    assert to_bureau and all(f"{BASE_URL}/huibian/submissions/{draft.id}" in m.body_text for m in to_bureau)


def test_a_request_for_an_untrusted_host_is_refused_before_anything_happens(app, client, db, bureaus, login):
    app.config.update(HUIBIAN_BASE_URL=BASE_URL, TRUSTED_HOSTS=["huibian.example.gov.cn"])
    response = client.post("/login", data={"username": "hebei-user", "password": "x"},
                           headers={"Host": "attacker.example"})
    assert response.status_code == 400 and "not served here" in response.get_data(as_text=True)
    assert client.get("/login", headers={"Host": "huibian.example.gov.cn"}).status_code == 200


def test_without_a_base_url_development_links_follow_the_test_server(app, db, factory, bureaus):
    factory.move_to(bureaus["drafts"]["ours"], SubmissionState.APPROVED, author=bureaus["users"]["ours"])
    factory.commit()
    assert any("http://huibian.test/submissions/" in m.body_text for m in mails(db))


def test_the_ministry_mail_links_to_the_review_page_at_the_base_url(make_app, db, bureaus):
    draft, author, reviewer = bureaus["drafts"]["ours"], bureaus["users"]["ours"], bureaus["users"]["reviewer"]
    move_in_app(make_app(HUIBIAN_BASE_URL=BASE_URL), draft.id, SubmissionState.SUBMITTED, author.id)
    [mail] = [m for m in mails(db) if m.to_address == reviewer.email]
    assert f"{BASE_URL}/review/{bureaus['drafts']['ours'].id}" in mail.body_text
