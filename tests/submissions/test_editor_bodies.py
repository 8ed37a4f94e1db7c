"""Bodies written in the editor: notes at their calls, Markdown carried over, 字数 and its limit."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.domain.errors import DomainError
from app.domain.submissions.bodies.editing import for_editor, from_editor
from app.domain.submissions.bodies.rendering import character_count, editor_html, plain_text, render_body
from app.domain.workflow import check_ready_to_submit
from app.models import Submission, SubmissionState
from tests.helpers import page_text
from tests.submissions.conftest import draft_data

NOTE = '<span data-footnote="" data-note="{}"></span>'


def test_notes_written_at_their_calls_are_numbered_in_order_and_listed_at_the_end():
    stored = from_editor(f"<p>甲{NOTE.format('第一条注释')}乙{NOTE.format('第二条 &amp; &quot;注&quot;')}。</p>")
    assert stored.startswith('<p>甲<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>乙'
                             '<sup class="footnote-ref"><a href="#fn2" id="fnref2">[2]</a></sup>。</p>')
    assert '<li id="fn2" class="footnote-item"><p>第二条 &amp; "注" ' in stored


def test_a_stored_body_opens_with_its_notes_back_at_their_calls_and_saves_the_same():
    stored = render_body("正文[^a]，再引[^b]。\n\n[^a]: 来源：统计公报。\n[^b]: 第二条。", id_prefix="x").html
    opened = for_editor(render_body("正文[^a]，再引[^b]。\n\n[^a]: 来源：统计公报。\n[^b]: 第二条。").html)
    assert 'data-note="来源：统计公报。"' in opened and 'class="footnotes"' not in opened
    assert render_body(opened, source_format="html", id_prefix="x").html.replace("\n", "") == stored.replace("\n", "")


@pytest.mark.parametrize("hostile", [
    '"><script>alert(1)</script>', "<img src=x onerror=alert(1)>", "[link](http://evil.example)",
    "\u202e反向文字", "x" * 5000,
])
def test_a_hostile_note_stays_text(hostile):
    html = render_body(f'<p>甲<span data-footnote="" data-note=\'{hostile.replace(chr(39), "")}\'></span></p>',
                       source_format="html").html
    assert "<script" not in html and "<img" not in html and 'href="http' not in html


def test_an_empty_note_is_dropped_and_an_unmarked_span_is_not_a_note():
    html = render_body(f"<p>甲{NOTE.format('   ')}<span data-note=\"不是注释\">乙</span></p>", source_format="html").html
    assert "footnote" not in html and "不是注释" not in html and "乙" in html


def test_a_markdown_body_opens_in_the_editor_as_the_html_it_printed():
    markdown = "## 一、做法\n\n**加粗**与*倾斜*[^1]\n\n| 指标 | 数值 |\n|:--|--:|\n| PM2.5 | 30 |\n\n[^1]: 注释。"
    opened = editor_html(markdown, "markdown")
    assert "<h2>一、做法</h2>" in opened and '<td class="align-right">30</td>' in opened
    assert 'data-note="注释。"' in opened
    assert plain_text(render_body(opened, source_format="html").html) == plain_text(render_body(markdown).html)


def test_the_character_count_leaves_out_spaces_and_counts_notes():
    html = render_body(f"<p>生态 环境 ABC{NOTE.format('注 释')}</p><p>保护</p>", source_format="html").html
    assert character_count(html) == len("生态环境ABC") + len("注释") + len("保护")


def test_an_unknown_body_format_is_refused_and_nothing_changes(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    before = (draft.body_source, draft.lock_version)
    response = client.post(f"/submissions/{draft.id}/save",
                           data=draft_data(draft, body="<p>新</p>", body_format="rtf"))
    assert response.status_code == 422
    db.session.expire_all()
    saved = db.session.get(Submission, draft.id)
    assert (saved.body_source, saved.lock_version) == before


def test_the_editor_saves_html_and_the_page_opens_it_for_the_editor(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    client.post(f"/submissions/{draft.id}/save", data=draft_data(
        draft, body=f"<h2>一、总体情况</h2><p>正文{NOTE.format('注释内容')}</p>", body_format="html"))
    db.session.expire_all()
    saved = db.session.get(Submission, draft.id)
    assert saved.body_format == "html" and "<h2>一、总体情况</h2>" in saved.body_html
    assert 'class="footnote-item"' in saved.body_html
    page = client.get(f"/submissions/{draft.id}").get_data(as_text=True)
    assert "data-note=&#34;注释内容&#34;" in page or "data-note=&quot;注释内容&quot;" in page
    assert "vendor/editor/editor.js" in page and "Body (Markdown)" not in page


def test_the_preview_reads_the_editors_html(client, auth, setting, draft):
    auth.login(setting.ours.user.username)
    answer = client.post(f"/submissions/{draft.id}/preview",
                         data={"body": f"<p>甲{NOTE.format('注')}</p><p onclick=x>乙</p>", "body_format": "html"}).json
    assert 'class="footnote-ref"' in answer["html"] and "onclick" not in answer["html"]
    assert answer["removed"] == ["event handler attribute onclick"]
    refused = client.post(f"/submissions/{draft.id}/preview", data={"body": "x", "body_format": "<script>"})
    assert refused.status_code == 400


def test_a_body_over_the_invitations_limit_cannot_be_submitted(client, auth, db, setting, draft):
    setting.ours.written.max_chars = 100
    draft.body_source, draft.body_format = "<p>" + "字" * 101 + "</p>", "html"
    draft.body_html = render_body(draft.body_source, source_format="html").html
    db.session.commit()
    with pytest.raises(DomainError, match="101 characters; this invitation allows at most 100"):
        check_ready_to_submit(draft)
    auth.login(setting.ours.user.username)
    response = client.post(f"/submissions/{draft.id}/submit")
    assert response.status_code == 400
    assert ("The body has 101 characters; this invitation allows at most 100. Shorten it by 1 character,"
            in page_text(response))
    db.session.expire_all()
    assert db.session.get(Submission, draft.id).state is SubmissionState.DRAFT


def test_a_body_at_the_limit_may_be_submitted(db, setting, draft):
    setting.ours.written.max_chars = 100
    draft.body_source, draft.body_format = "<p>" + "字" * 100 + "</p>", "html"
    draft.body_html = render_body(draft.body_source, source_format="html").html
    check_ready_to_submit(draft)


@pytest.mark.parametrize(("limit", "status"), [
    ("abc", 422), ("-5", 422), ("99", 422), ("1000000000", 422), ("1e3", 422), ("1000\x00", 400)])
def test_a_nonsense_length_limit_is_refused_and_the_invitation_kept(client, auth, db, factory, setting, limit, status):
    from app.models import Role

    editor = factory.user(Role.EDITOR, username="editor-limit")
    factory.commit()
    auth.login(editor.username)
    invitation = setting.ours.written
    response = client.post(f"/conference/{setting.conference.id}/invitations/{invitation.id}", data={
        "due_date": "2099-01-10", "due_time": "18:00", "max_chars": limit})
    assert response.status_code == status
    db.session.expire_all()
    assert db.session.get(type(invitation), invitation.id).max_chars is None


def test_an_editor_sets_the_limit_on_the_invitation(client, auth, db, factory, setting):
    from app.models import Role

    editor = factory.user(Role.EDITOR, username="editor-limit")
    factory.commit()
    auth.login(editor.username)
    invitation = setting.ours.written
    client.post(f"/conference/{setting.conference.id}/invitations/{invitation.id}", data={
        "due_date": "2099-01-10", "due_time": "18:00", "max_chars": "3000"})
    db.session.expire_all()
    assert db.session.get(type(invitation), invitation.id).max_chars == 3000
    auth.logout()
    auth.login(setting.ours.user.username)
    draft = factory.submission(invitation, author=setting.ours.user)
    factory.commit()
    response = client.get(f"/submissions/{draft.id}")
    assert 'data-limit="3000"' in response.get_data(as_text=True)


def test_markdown_bodies_are_carried_over_to_html_by_the_migration(scratch_app):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    from app.extensions import db
    from tests.factories import Factory

    upgrade()
    factory = Factory(db)
    piece = factory.submission(body_source="## 一、做法\n\n**要点**[^1]\n\n[^1]: 注释。")
    factory.commit()
    printed = piece.body_html
    db.session.remove()
    downgrade(revision="5c3a1f0e7b21")
    upgrade()
    with db.engine.connect() as connection:
        source, body_format, body_html = connection.execute(
            sa.text("SELECT body_source, body_format, body_html FROM submission")).one()
    assert body_format == "html" and body_html == printed
    assert "<h2>一、做法</h2>" in source and 'data-note="注释。"' in source and "**" not in source


from tests.foundation.test_migrations import scratch_app, scratch_url  # noqa: E402,F401  (fixtures)
