"""The proceedings editor holds at scale: the same queries and under 100 KB of HTML
at 10 approved pieces as at 200, a page of pieces at a time (issue 13 item 5)."""
from __future__ import annotations

import re

import sqlalchemy as sa

from app.models import ExchangeKind, Invitation, Role, Submission, SubmissionState
from app.models.summary_stamp import mark_changed
from tests.factories import bulk_pieces
from tests.review.test_queue import QueryCounter


def _speeches(db, conference, ids):
    """Every other bulk piece an oral speech, so that both sections are long."""
    oral = ids[::2]
    db.session.execute(sa.update(Submission).where(Submission.id.in_(oral)).values(kind=ExchangeKind.ORAL))
    db.session.execute(sa.update(Invitation).where(
        Invitation.id.in_(sa.select(Submission.invitation_id).where(Submission.id.in_(oral))))
        .values(kind=ExchangeKind.ORAL))
    mark_changed(db.session, [conference.id])


def test_the_editor_page_costs_the_same_queries_and_stays_small_at_10_and_200_approved_pieces(
        client, auth, factory, db):
    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    reviewer = factory.user(Role.REVIEWER)
    author = factory.user(Role.SUBMITTER)
    factory.commit()
    auth.login(editor.username)

    def measure(page=1):
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            response = client.get(f"/proceedings/{conference.slug}/?page={page}")
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True)

    _speeches(db, conference, bulk_pieces(factory, conference, 30, author=author, reviewer=reviewer))
    factory.commit()
    measure()  # the first look measures the pictures of the versions it has not seen, once each
    few, small = measure()
    _speeches(db, conference, bulk_pieces(factory, conference, 570, author=author, reviewer=reviewer))
    factory.commit()
    measure()
    many, page = measure()
    size = len(page.encode("utf-8"))
    print(f"editor page: {few} queries and {len(small.encode())} bytes at 10 approved, {many} and {size} at 200")

    approved = db.session.scalars(sa.select(Submission.id).where(
        Submission.conference_id == conference.id, Submission.state == SubmissionState.APPROVED)).all()
    assert len(approved) == 200
    assert many == few
    assert size < 100 * 1024, size
    # A page of pieces, each with its position box in the one positions form; the four pages list every one once.
    listed = []
    for number in (1, 2, 3, 4):
        queries, html = measure(number)
        assert queries == few
        listed += [int(n) for n in re.findall(r'name="position-(\d+)"', html)]
    assert len(re.findall(r'name="position-', page)) == 50
    assert sorted(listed) == sorted(approved)
    assert "Page 1 of 4" in page


def test_a_position_typed_on_a_later_page_moves_the_piece_within_its_whole_section(client, auth, factory, db):
    from app.domain.proceedings.spec import current_entries

    conference = factory.conference()
    editor, reviewer, author = factory.user(Role.EDITOR), factory.user(Role.REVIEWER), factory.user(Role.SUBMITTER)
    factory.commit()
    bulk_pieces(factory, conference, 210, author=author, reviewer=reviewer)  # 70 approved, written
    factory.commit()
    auth.login(editor.username)
    written = [e.submission for e in current_entries(conference)]
    assert len(written) == 70
    page_two = client.get(f"/proceedings/{conference.slug}/?page=2").get_data(as_text=True)
    last = written[-1]
    # Page two goes on numbering the section: its first box says 51, its last piece has no Down.
    assert f'name="position-{written[50].id}" value="51"' in page_two
    assert f'name="position-{last.id}" value="70"' in page_two
    assert f'name="down" value="{last.id}"' not in page_two and f'name="up" value="{last.id}"' in page_two

    response = client.post(f"/proceedings/{conference.slug}/positions",
                           data={"page": "2", f"position-{last.id}": "1", "save": ""})
    assert response.headers["Location"].endswith(f"/proceedings/{conference.slug}/?page=2")
    db.session.expire_all()
    order = [e.submission.id for e in current_entries(conference)]
    assert order[0] == last.id and order[1:] == [s.id for s in written[:-1]]
    assert [e.submission.proceedings_position for e in current_entries(conference)] == list(range(1, 71))


def test_the_lists_one_form_moves_and_leaves_out_the_piece_its_button_names(client, auth, factory, db):
    from app.domain.proceedings.spec import current_entries
    from tests.factories import approved_piece

    conference = factory.conference()
    a, b, c = (approved_piece(factory, conference, title=t) for t in ("甲", "乙", "丙"))
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)
    page = client.get(f"/proceedings/{conference.slug}/").get_data(as_text=True)
    assert f'name="up" value="{c.id}"' in page and f'name="out" value="{a.id}"' in page
    url = f"/proceedings/{conference.slug}/positions"
    titles = lambda: [e.submission.title for e in current_entries(conference)]  # noqa: E731

    # The positions typed in travel with an Up press; the press alone counts.
    client.post(url, data={"up": str(c.id), f"position-{a.id}": "3"})
    assert titles() == ["甲", "丙", "乙"]

    refused = client.post(url, data={"out": str(b.id), "reason-written": "  "}, follow_redirects=True)
    assert "Please say why" in refused.get_data(as_text=True) and "乙" in titles()
    assert client.post(url, data={"out": "乙"}).status_code == 400
    # Digits that are no id: past the id column's range (a database error on PostgreSQL
    # if asked for), and a superscript that str.isdigit calls a digit.
    for button, value in (("up", "2147483648"), ("down", "9" * 40), ("out", "²")):
        assert client.post(url, data={button: value, "reason-written": "理由"}).status_code == 400
    assert titles() == ["甲", "丙", "乙"]

    client.post(url, data={"out": str(b.id), "reason-written": "与发言重复"})
    db.session.expire_all()
    assert titles() == ["甲", "丙"] and db.session.get(Submission, b.id).exclusion_reason == "与发言重复"
