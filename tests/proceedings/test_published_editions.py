"""Published editions for everyone who took part: bureaus and reviewers download, drafts stay the editors'."""
from __future__ import annotations

import pytest

from app.domain.proceedings import editions
from app.models import AuditEvent, Role
from tests.factories import approved_piece
from tests.helpers import page_text
from tests.proceedings.test_edition_lifecycle import _built


@pytest.fixture
def book(app, factory):
    """A conference with one invited bureau, two published editions and an unpublished third."""
    conference = factory.conference(title_en="National Conference on Blue Skies")
    piece = approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    built = [_built(factory, conference, editor, app.config["EDITIONS_DIR"]) for _ in range(3)]
    for edition in built[:2]:
        editions.publish_edition(edition, actor=editor)
    factory.commit()
    return conference, piece.organisation, editor


def test_a_bureau_member_lists_and_downloads_every_published_edition(app, factory, client, auth, book):
    conference, bureau, _editor = book
    member = factory.user(Role.SUBMITTER, organisation=bureau)
    factory.commit()
    auth.login(member.username)

    listing = client.get("/proceedings/published")
    text = page_text(listing)
    assert "National Conference on Blue Skies" in text
    assert "Edition 1" in text and "Edition 2" in text and "Edition 3" not in text
    assert "0" * 64 in text and "17 bytes" in text
    assert "Published proceedings" in text  # the navigation offers the page

    for number in (1, 2):  # the earlier edition stays available after the next is published
        response = client.get(f"/proceedings/published/{conference.slug}/{number}.pdf")
        assert response.status_code == 200 and response.data == b"%PDF-1.7 stand-in"
        assert "attachment" in response.headers["Content-Disposition"]
    downloads = factory.db.session.query(AuditEvent).filter_by(action="edition_download", actor_id=member.id).all()
    assert sorted(e.detail["number"] for e in downloads) == [1, 2]


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.EDITOR])
def test_the_ministry_downloads_published_editions(app, factory, client, auth, book, role):
    conference, _bureau, _editor = book
    user = factory.user(role)
    factory.commit()
    auth.login(user.username)
    assert "Edition 2" in page_text(client.get("/proceedings/published"))
    assert client.get(f"/proceedings/published/{conference.slug}/2.pdf").data == b"%PDF-1.7 stand-in"


def test_an_unpublished_edition_is_not_found_for_anyone_but_the_editors_own_page(app, factory, client, auth, book):
    conference, bureau, editor = book
    member = factory.user(Role.SUBMITTER, organisation=bureau)
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    for user in (member, reviewer):
        auth.login(user.username)
        assert client.get(f"/proceedings/published/{conference.slug}/3.pdf").status_code == 404
        assert client.get(f"/proceedings/{conference.slug}/editions/3/download").status_code == 403
        auth.logout()
    auth.login(editor.username)
    assert client.get(f"/proceedings/published/{conference.slug}/3.pdf").status_code == 404
    assert client.get(f"/proceedings/{conference.slug}/editions/3/download").data == b"%PDF-1.7 stand-in"


def test_a_bureau_not_invited_to_the_conference_sees_none_of_its_editions(app, factory, client, auth, book):
    conference, _bureau, _editor = book
    outsider = factory.user(Role.SUBMITTER)
    admin = factory.user(Role.ADMIN)
    factory.commit()
    for user in (outsider, admin):
        auth.login(user.username)
        assert "No edition of the proceedings has been published yet." in page_text(client.get("/proceedings/published"))
        assert client.get(f"/proceedings/published/{conference.slug}/1.pdf").status_code == 404
        auth.logout()
    assert client.get(f"/proceedings/published/{conference.slug}/1.pdf").status_code == 302  # to the login page


def test_the_published_page_reads_in_chinese(app, factory, client, auth, book):
    _conference, bureau, _editor = book
    member = factory.user(Role.SUBMITTER, organisation=bureau)
    factory.commit()
    auth.login(member.username)
    text = page_text(client.get("/proceedings/published", headers={"Accept-Language": "zh"}))
    assert "已发布的汇编" in text and "下载 PDF" in text
