"""The proceedings editor holds at scale: the same queries and under 100 KB of HTML
at 10 approved pieces as at 200 (issue 13 item 5)."""
from __future__ import annotations

import sqlalchemy as sa

from app.models import ExchangeKind, Invitation, Role, Submission, SubmissionState
from tests.factories import bulk_pieces
from tests.review.test_queue import QueryCounter


def _speeches(db, conference, ids):
    """Every other bulk piece an oral speech, so that both sections are long."""
    oral = ids[::2]
    db.session.execute(sa.update(Submission).where(Submission.id.in_(oral)).values(kind=ExchangeKind.ORAL))
    db.session.execute(sa.update(Invitation).where(
        Invitation.id.in_(sa.select(Submission.invitation_id).where(Submission.id.in_(oral))))
        .values(kind=ExchangeKind.ORAL))


def test_the_editor_page_costs_the_same_queries_and_stays_small_at_10_and_200_approved_pieces(
        client, auth, factory, db):
    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    reviewer = factory.user(Role.REVIEWER)
    author = factory.user(Role.SUBMITTER)
    factory.commit()
    auth.login(editor.username)

    def measure():
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            response = client.get(f"/proceedings/{conference.slug}/")
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True)

    _speeches(db, conference, bulk_pieces(factory, conference, 30, author=author, reviewer=reviewer))
    factory.commit()
    few, small = measure()
    _speeches(db, conference, bulk_pieces(factory, conference, 570, author=author, reviewer=reviewer))
    factory.commit()
    many, page = measure()
    size = len(page.encode("utf-8"))
    print(f"editor page: {few} queries and {len(small.encode())} bytes at 10 approved, {many} and {size} at 200")

    approved = db.session.scalars(sa.select(Submission.id).where(
        Submission.conference_id == conference.id, Submission.state == SubmissionState.APPROVED)).all()
    assert len(approved) == 200
    assert many == few
    assert size < 100 * 1024, size
    # Every approved piece is listed, each with its position box in the one positions form.
    assert all(f'name="position-{piece}"' in page for piece in approved)


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

    client.post(url, data={"out": str(b.id), "reason-written": "与发言重复"})
    db.session.expire_all()
    assert titles() == ["甲", "丙"] and db.session.get(Submission, b.id).exclusion_reason == "与发言重复"
