"""Which pieces go in, in what order, and what the editor is warned about — no PDFs here."""
from __future__ import annotations

import sqlalchemy as sa

from app.storage import file_store
from app.domain.proceedings.preflight import preflight
from app.domain.proceedings.spec import current_entries
from app.models import AuditEvent, ExchangeKind, Role, SubmissionState
from tests.factories import approved_piece


def _codes(entries):
    return [e.submission.title for e in entries]


def test_the_book_holds_approved_versions_speeches_in_speaking_order_then_written(app, factory):
    conference = factory.conference()
    written = approved_piece(factory, conference, title="书面")
    late = approved_piece(factory, conference, kind=ExchangeKind.ORAL, speaking_order=2, title="发言二")
    early = approved_piece(factory, conference, kind=ExchangeKind.ORAL, speaking_order=1, title="发言一")
    approved_piece(factory, conference, title="草稿", state=SubmissionState.DRAFT)
    approved_piece(factory, conference, title="已提交", state=SubmissionState.SUBMITTED)
    approved_piece(factory, conference, title="退回", state=SubmissionState.REJECTED)
    early.title = "发言一（草稿里改过的标题）"  # the bureau may not, but the draft is never printed
    factory.db.session.flush()

    entries = current_entries(conference)

    assert [e.submission for e in entries] == [early, late, written]
    assert entries[0].version.title == "发言一" and entries[0].version is early.versions[0]


def test_moving_and_numbering_pieces_within_a_section(app, factory, client, auth):
    conference = factory.conference()
    a, b, c = (approved_piece(factory, conference, title=t) for t in ("甲", "乙", "丙"))
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)

    client.post(f"/proceedings/{conference.slug}/pieces/{c.id}/move/up")
    assert _codes(current_entries(conference)) == ["甲", "丙", "乙"]
    client.post(f"/proceedings/{conference.slug}/pieces/{a.id}/move/up")  # already first: stays
    assert _codes(current_entries(conference)) == ["甲", "丙", "乙"]

    client.post(f"/proceedings/{conference.slug}/positions",
                data={f"position-{b.id}": "1", f"position-{a.id}": "3", f"position-{c.id}": "2"})
    assert _codes(current_entries(conference)) == ["乙", "丙", "甲"]
    assert [e.submission.proceedings_position for e in current_entries(conference)] == [1, 2, 3]
    moves = factory.db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "proceedings_move")).all()
    assert moves and all(m.actor_id == editor.id for m in moves)


def test_hostile_positions_are_refused_and_change_nothing(app, factory, client, auth):
    conference = factory.conference()
    a, b = approved_piece(factory, conference, title="甲"), approved_piece(factory, conference, title="乙")
    other = approved_piece(factory, factory.conference(), title="别的会议")
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)

    for data in ({f"position-{a.id}": "-4"}, {f"position-{a.id}": "99999"}, {f"position-{other.id}": "1"}):
        response = client.post(f"/proceedings/{conference.slug}/positions", data=data)
        assert response.status_code in (400, 409), data
    response = client.post(f"/proceedings/{conference.slug}/positions", data={f"position-{a.id}": "one"},
                           follow_redirects=True)
    assert "Positions are whole numbers" in response.get_data(as_text=True)
    factory.db.session.expire_all()
    assert _codes(current_entries(conference)) == ["甲", "乙"]
    assert client.post(f"/proceedings/{conference.slug}/pieces/{other.id}/move/up").status_code == 404


def test_leaving_a_piece_out_needs_a_reason_and_can_be_undone(app, factory, client, auth):
    conference = factory.conference()
    a, b = approved_piece(factory, conference, title="甲"), approved_piece(factory, conference, title="乙")
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)

    response = client.post(f"/proceedings/{conference.slug}/pieces/{a.id}/exclude", data={"reason": "  "},
                           follow_redirects=True)
    assert "Please say why" in response.get_data(as_text=True)
    assert not a.excluded_from_proceedings

    client.post(f"/proceedings/{conference.slug}/pieces/{a.id}/exclude", data={"reason": "内容与发言重复"})
    assert _codes(current_entries(conference)) == ["乙"]
    page = client.get(f"/proceedings/{conference.slug}/").get_data(as_text=True)
    assert "内容与发言重复" in page

    client.post(f"/proceedings/{conference.slug}/pieces/{a.id}/include")
    assert _codes(current_entries(conference)) == ["乙", "甲"]
    actions = factory.db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.submission_id == a.id)).all()
    assert {"proceedings_exclude", "proceedings_include"} <= set(actions)


def test_preflight_names_bureaus_without_an_approved_piece(app, factory):
    conference = factory.conference()
    approved_piece(factory, conference, title="已通过")
    waiting = approved_piece(factory, conference, title="等待审核", state=SubmissionState.SUBMITTED)
    silent = factory.invitation(conference=conference)

    warnings = preflight(conference, check_fonts=False)

    missing = {(w.invitation.id, w.state) for w in warnings if w.code == "missing_piece"}
    assert missing == {(waiting.invitation_id, SubmissionState.SUBMITTED), (silent.id, None)}


def test_submitters_and_reviewers_are_refused_the_editors_area(app, factory, client, auth):
    conference = factory.conference()
    piece = approved_piece(factory, conference)
    submitter = factory.user(Role.SUBMITTER, organisation=piece.organisation)
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()

    for user in (submitter, reviewer):
        auth.login(user.username)
        for url in ("/proceedings/", f"/proceedings/{conference.slug}/"):
            assert client.get(url).status_code == 403
        assert client.post(f"/proceedings/{conference.slug}/editions", data={"edition_date": "2024-12-01"}).status_code == 403
        assert client.post(f"/proceedings/{conference.slug}/pieces/{piece.id}/exclude", data={"reason": "x"}).status_code == 403
        auth.logout()
    assert not piece.excluded_from_proceedings
    assert client.get(f"/proceedings/{conference.slug}/").status_code == 302  # to the login page


def _queries_for(client, url, db) -> int:
    client.get(url)  # the same state of the session for every measurement
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    sa.event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counter)
    return count


def test_the_editors_pages_cost_the_same_queries_however_many_pieces(app, factory, client, auth):
    from datetime import date

    from app.domain.proceedings import editions

    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    pieces = [approved_piece(factory, conference, title=f"材料{n}") for n in range(2)]
    first = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    editions.record_failure(first, "stand-in")
    factory.commit()
    auth.login(editor.username)
    few = (_queries_for(client, f"/proceedings/{conference.slug}/", factory.db),
           _queries_for(client, f"/proceedings/{conference.slug}/editions/1", factory.db))

    pieces += [approved_piece(factory, conference, kind=ExchangeKind.ORAL, title=f"发言{n}") for n in range(4)]
    second = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    editions.record_failure(second, "stand-in")
    factory.commit()
    many = (_queries_for(client, f"/proceedings/{conference.slug}/", factory.db),
            _queries_for(client, f"/proceedings/{conference.slug}/editions/2", factory.db))

    assert many == few


def test_preflight_warns_of_a_picture_too_coarse_to_print(app, factory, client, auth):
    from io import BytesIO

    from PIL import Image

    from app.domain.submissions.attachments import add_attachment
    from app.domain.submissions.limits import UploadPolicy
    from app.domain.submissions.bodies.rendering import render_body

    conference = factory.conference()
    piece = approved_piece(factory, conference, title="有图的材料", state=SubmissionState.DRAFT)
    author = factory.user(Role.SUBMITTER, organisation=piece.organisation)
    store = file_store(app)
    pictures = {}
    for name, width in (("coarse", 300), ("fine", 1000)):   # printed 3.5 in wide: 86 and 286 dpi
        png = BytesIO()
        Image.new("RGB", (width, 200), "white").save(png, "PNG")
        png.seek(0)
        pictures[name] = add_attachment(piece, png, f"{name}.png", actor=author, store=store,
                                        policy=UploadPolicy())[0].sha256
    piece.body_source = "".join(f"![{name}](/attachments/{sha})\n\n" for name, sha in pictures.items())
    piece.body_html = render_body(piece.body_source).html
    factory.move_to(piece, SubmissionState.APPROVED, author=author)
    editor = factory.user(Role.EDITOR)
    factory.commit()

    warnings = preflight(conference, check_fonts=False, store=store)
    assert [(w.submission.id, w.detail) for w in warnings if w.code == "coarse_picture"] == [(piece.id, "86")]
    auth.login(editor.username)
    page = client.get(f"/proceedings/{conference.slug}/", headers={"Accept-Language": "zh-CN"})
    assert "《有图的材料》中有一张图片印刷精度仅为 86 dpi" in page.get_data(as_text=True)
