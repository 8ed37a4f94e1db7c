"""The editors' page reads its list, warnings and editions as columns in a few statements
built once (issue 13 item 5): what it shows is still every line it showed, in both
languages, and its queries are counted."""
from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for

from app.domain import summary_cache
from app.domain.proceedings import editions
from app.domain.proceedings import order as proceedings_order
from app.domain.proceedings.preflight import preflight
from app.models import EditionStatus, ExchangeKind, Invitation, ProceedingsEdition, Role, SubmissionState, utcnow
from tests.factories import approved_piece
from tests.review.test_queue import QueryCounter


def _page(client, conference, lang="en", page=None):
    slug = conference if isinstance(conference, str) else conference.slug
    query = f"?page={page}" if page else ""
    response = client.get(f"/proceedings/{slug}/{query}", headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _bureau(factory, n, zh="", en=""):
    return factory.organisation(name_zh=zh or f"某某厅{n}", name_en=en or f"Bureau {n:02d}")


def _a_conference_with_a_bit_of_everything(factory, db, editor):
    """Two sections, a piece left out, 23 bureaus without an approved piece (one writing),
    a built edition with a piece approved since, and a build whose worker vanished."""
    conference = factory.conference()
    speech = approved_piece(factory, conference, kind=ExchangeKind.ORAL, speaking_order=1, title="发言",
                            organisation=_bureau(factory, 0, "甲省厅", "Jia Department"))
    written = approved_piece(factory, conference, title="书面材料",
                             organisation=_bureau(factory, 0, "乙省厅", "Yi Department"))
    built = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    editions.record_success(built, file_name="stand-in.pdf", page_count=1, size=1, sha256="0" * 64, start_pages={})
    late = approved_piece(factory, conference, title="后来通过", organisation=_bureau(factory, 0, "丙省厅", "Bing"))
    left_out = approved_piece(factory, conference, title="不收录",
                              organisation=_bureau(factory, 0, "丁省厅", "Ding Department"))
    proceedings_order.exclude(left_out, "与发言重复 <重复>", actor=editor)
    writing = approved_piece(factory, conference, title="还在写", state=SubmissionState.SUBMITTED,
                             organisation=_bureau(factory, 0, "戊省厅 <&>", "Wu <&> Department"))
    for n in range(1, 23):
        factory.invitation(conference=conference, organisation=_bureau(factory, n))
    stale = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 2))
    stale.heartbeat_at = utcnow() - timedelta(hours=1)
    factory.commit()
    return conference, dict(speech=speech, written=written, late=late, left_out=left_out, writing=writing,
                            built=built, stale=stale)


def test_the_editors_page_says_every_line_in_both_languages(app, client, auth, factory, db):
    editor = factory.user(Role.EDITOR)
    conference, made = _a_conference_with_a_bit_of_everything(factory, db, editor)
    auth.login(editor.username)

    en, zh = _page(client, conference, "en"), _page(client, conference, "zh")

    # The list: each piece with its bureau in the reader's language and its version's preview.
    with app.test_request_context():
        preview = url_for("proceedings.preview_version", submission_id=made["speech"].id, number=1)
    assert f'<a href="{preview}">v1</a>' in en
    assert "<small>Jia Department</small>" in en and "<small>甲省厅</small>" in zh
    assert "<small>Yi Department</small>" in en and "<small>乙省厅</small>" in zh
    # The left-out list and its warning, the reason escaped.
    assert "<strong>不收录</strong> — Ding Department" in en and "<strong>不收录</strong> — 丁省厅" in zh
    assert "Left out: 不收录 — 与发言重复 &lt;重复&gt;" in en
    # The bureaus without an approved piece: the first 20 named, the bureau's name escaped, the rest counted.
    missing = re.findall(r'<li class="preflight-missing_piece">(.*?)</li>', en, re.S)
    assert len(missing) == 20
    assert missing[0] == "Wu &lt;&amp;&gt; Department (written exchange) has no approved piece:\n        submitted"
    assert re.findall(r'<li class="preflight-missing_piece">(.*?)</li>', zh, re.S)[:2] == [
        "戊省厅 &lt;&amp;&gt;（书面交流材料）尚无已通过的材料:\n        已提交",
        "某某厅1（书面交流材料）尚无已通过的材料:\n        未开始"]
    assert missing[1] == "Bureau 01 (written exchange) has no approved piece:\n        not started"
    assert "3 more bureaus have no approved piece." in en
    # Approved since the last built edition; the vanished build is failed, on the page and in the table.
    assert "Approved after the last edition: 后来通过" in en
    db.session.expire_all()
    assert db.session.get(ProceedingsEdition, made["stale"].id).status is EditionStatus.FAILED
    assert 'class="edition-progress edition-failed"' in _page(client, conference)
    assert 'class="edition-progress edition-done"' in en


def test_the_missing_count_is_every_bureau_without_an_approved_piece(app, factory, db):
    editor = factory.user(Role.EDITOR)
    conference, _made = _a_conference_with_a_bit_of_everything(factory, db, editor)

    named = preflight(conference, check_fonts=False, missing_shown=5)
    every = preflight(conference, check_fonts=False)

    assert len([w for w in named if w.code == "missing_piece"]) == 5
    assert named.missing_total == every.missing_total == 23
    assert len([w for w in every if w.code == "missing_piece"]) == 23
    invited = db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)
                                .where(Invitation.conference_id == conference.id))
    assert invited == 23 + 4   # four bureaus have an approved piece (one of them left out)


def test_a_page_past_the_end_shows_the_last_and_an_empty_book_says_so(client, auth, factory, db):
    editor = factory.user(Role.EDITOR)
    conference = factory.conference()
    pieces = [approved_piece(factory, conference, title=f"材料{n}") for n in range(52)]
    empty = factory.conference()
    factory.commit()
    auth.login(editor.username)

    past = _page(client, conference, page=9)
    assert "Page 2 of 2" in past
    assert re.findall(r'name="position-(\d+)" value="(\d+)"', past) == [
        (str(pieces[50].id), "51"), (str(pieces[51].id), "52")]
    assert '<input type="hidden" name="page" value="2">' in past

    nothing = _page(client, empty)
    assert "No approved piece is in the proceedings yet." in nothing
    assert nothing.count("<small>(0)</small>") == 2 and 'name="position-' not in nothing


def test_the_editors_page_takes_six_queries_with_its_summaries_known_three_more_after_a_change(
        client, auth, factory, db):
    """The signed-in user, the conference, its editions, the rows of a page of the list and of the
    pieces left out (by id), the first bureaus without a piece (by id) and the unread notifications.
    The book's order, which bureaus have no approved piece and which approved versions have files are
    whole-conference summaries, found once per change of the conference: three queries more on the
    first view after one. With a built edition, the pieces approved since."""
    editor = factory.user(Role.EDITOR)
    conference = factory.conference()
    for n in range(3):
        approved_piece(factory, conference, title=f"材料{n}")
    factory.invitation(conference=conference)
    factory.commit()
    auth.login(editor.username)

    slug = conference.slug

    def queries():
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            _page(client, slug)
        return counter.count

    assert queries() == 9   # the first look after the pieces were approved
    assert queries() == 6
    factory.invitation(conference=conference)   # a bureau more to hear from
    factory.commit()
    assert queries() == 9
    assert queries() == 6
    built = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    editions.record_success(built, file_name="stand-in.pdf", page_count=1, size=1, sha256="0" * 64, start_pages={})
    factory.commit()
    assert queries() == 7


def test_the_build_forms_selects_are_written_as_wtforms_writes_them_in_each_language_and_choice(app):
    from flask import g
    from wtforms.widgets import Select

    from app.proceedings.forms import BuildForm

    def asking_in(lang):
        context = app.test_request_context("/", headers={"Accept-Language": lang})
        context.push()
        g.pop("_flask_babel", None)   # the test's app context outlives a request; a request's locale does not
        return context

    plain = Select()
    for lang, words in (("zh", "不编号"), ("en", "No numbers"), ("zh", "不编号")):
        context = asking_in(lang)
        try:
            assert f'<option selected value="none">{words}</option>' in BuildForm().piece_numbering()
            for name in ("piece_numbering", "book_style", "pdf_variant"):
                for value, _label in BuildForm()[name].choices:
                    field = BuildForm(data={name: value})[name]
                    assert field() == plain(field), (lang, name, value)
                # A value of no choice (a refused form sent back) and an error's attributes.
                odd = BuildForm(data={name: "nonsense"})[name]
                assert odd() == plain(odd) and "nonsense" not in odd()
                assert field(aria_invalid="true") == plain(field, aria_invalid="true")
        finally:
            context.pop()


def test_a_refused_build_shows_the_choices_sent_and_the_next_page_the_defaults(client, auth, factory):
    editor = factory.user(Role.EDITOR)
    conference = factory.conference()
    approved_piece(factory, conference)
    factory.commit()
    auth.login(editor.username)

    refused = client.post(f"/proceedings/{conference.slug}/editions", data={
        "edition_date": "2024-12-01", "piece_numbering": "arabic", "book_style": "gothic", "pdf_variant": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'<option selected value="arabic">', page) and 'value="gothic"' not in page
    again = _page(client, conference)
    assert '<option selected value="none">' in again and '<option selected value="ministry">' in again


def _listed(html):
    """The page's pieces in order (their position boxes), and those left out (their Include buttons)."""
    return ([int(n) for n in re.findall(r'name="position-(\d+)"', html)],
            [int(n) for n in re.findall(r'/pieces/(\d+)/include"', html)])


def test_the_editors_page_keeps_its_figures_yet_shows_every_change_at_once(
        client, auth, factory, db, monkeypatch):
    """The book's order, the bureaus without an approved piece and the approved versions are
    kept between views; a move, a typed position, a piece left out or taken back, a new
    approval, a reopened piece and a new invitation each show on the next view."""
    from app.domain.proceedings import editor_list

    sorted_for = []
    sort_books = editor_list._sort_books
    monkeypatch.setattr(editor_list, "_sort_books",
                        lambda conferences: sorted_for.append(len(conferences)) or sort_books(conferences))
    editor = factory.user(Role.EDITOR)
    conference = factory.conference()
    first, second, third = (approved_piece(factory, conference, title=f"材料{n}") for n in range(3))
    factory.commit()
    auth.login(editor.username)
    slug = conference.slug

    def view():
        """The page's pieces in order (their position boxes), those left out (their Include buttons),
        and whether the book's order was sorted for it rather than kept."""
        db.session.expire_all()
        sorted_for.clear()
        html = _page(client, slug)
        return ([int(n) for n in re.findall(r'name="position-(\d+)"', html)],
                [int(n) for n in re.findall(r'/pieces/(\d+)/include"', html)], bool(sorted_for))

    assert view() == ([first.id, second.id, third.id], [], True)
    assert view() == ([first.id, second.id, third.id], [], False)

    def posted(path, **form):
        assert client.post(f"/proceedings/{slug}/{path}", data=form).status_code == 302
        return view()

    assert posted("positions", up=str(second.id)) == ([second.id, first.id, third.id], [], True)
    assert posted("positions", **{f"position-{third.id}": "1"}) == ([third.id, second.id, first.id], [], True)
    assert posted("positions", out=str(first.id), **{"reason-written": "重复"}) == (
        [third.id, second.id], [first.id], True)
    assert posted(f"pieces/{first.id}/include") == ([third.id, second.id, first.id], [], True)
    assert view()[2] is False

    fourth = approved_piece(factory, conference, title="新通过")
    factory.commit()
    assert view() == ([third.id, second.id, first.id, fourth.id], [], True)
    assert preflight(conference, check_fonts=False).missing_total == 0

    assert client.post(f"/review/{second.id}/reopen", data={"reason": "请补充数据。"}).status_code == 302
    factory.invitation(conference=conference)   # a bureau more, with nothing sent yet
    factory.commit()
    assert view() == ([third.id, first.id, fourth.id], [], True)
    assert preflight(conference, check_fonts=False).missing_total == 2
