"""One JSON log line a request; audit rows for refusals and cross-bureau probes that tell the prober nothing."""
from __future__ import annotations

import json
import logging

import sqlalchemy as sa

from app.models import AuditEvent
from tests.helpers import page_text


def audit(db, action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_each_request_logs_one_line_with_id_user_status_and_duration(client, bureaus, login, caplog):
    login(client, "reviewer")
    with caplog.at_level(logging.INFO, logger="huibian.request"):
        response = client.get("/account")
    [record] = [r for r in caplog.records if r.name == "huibian.request" and r.path == "/account"]
    assert (record.method, record.path, record.status) == ("GET", "/account", 200)
    assert record.user_id == bureaus["users"]["reviewer"].id
    assert record.request_id == response.headers["X-Request-ID"] and len(record.request_id) == 32
    assert record.duration_ms >= 0


def test_the_log_is_one_json_object_a_line_on_standard_error(app, capsys):
    logging.getLogger("huibian.mail").info("Mail (no MAIL_SERVER configured) to %s: %s\n%s", "a@b.cn", "主题", "正文")
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    entry = json.loads(lines[-1])
    assert entry["logger"] == "huibian.mail" and entry["level"] == "INFO"
    assert entry["message"] == "Mail (no MAIL_SERVER configured) to a@b.cn: 主题\n正文"


def test_a_forbidden_page_is_audited(client, db, bureaus, login):
    login(client, "hebei-user")
    assert client.get("/admin/accounts").status_code == 403
    [event] = audit(db, "refused")
    assert event.actor_id == bureaus["users"]["ours"].id
    assert event.detail == {"method": "GET", "path": "/admin/accounts", "address": "127.0.0.1"}


def test_probing_another_bureaus_piece_is_audited_and_looks_like_nothing(client, db, bureaus, login):
    login(client, "hebei-user")
    theirs = bureaus["drafts"]["theirs"]
    probed = client.get(f"/submissions/{theirs.id}")
    missing = client.get("/submissions/999999")
    assert probed.status_code == missing.status_code == 404
    assert page_text(probed) == page_text(missing)
    [event] = audit(db, "probe")
    assert (event.object_type, event.object_id, event.actor_id) == ("Submission", theirs.id, bureaus["users"]["ours"].id)
    assert event.detail["path"] == f"/submissions/{theirs.id}"


def test_a_refused_post_leaves_only_the_audit_row(client, db, bureaus, login):
    login(client, "hebei-user")
    theirs = bureaus["drafts"]["theirs"]
    title = theirs.title
    response = client.post(f"/submissions/{theirs.id}/save", data={"lock_version": theirs.lock_version, "title": "改掉"})
    assert response.status_code == 404
    db.session.expire_all()
    assert theirs.title == title
    about_theirs = sa.select(AuditEvent).where(AuditEvent.object_type == "Submission", AuditEvent.object_id == theirs.id)
    assert [e.action for e in db.session.scalars(about_theirs)] == ["probe"]
