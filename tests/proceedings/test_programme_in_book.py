"""The programme of the oral session printed in an edition's front matter, when the editor chooses it."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.domain.proceedings import editions
from app.domain.proceedings.order import exclude
from app.domain.proceedings.spec import spec_for_edition
from app.models import EditionStatus, ExchangeKind, ProceedingsEdition, Role, SubmissionState
from app.storage import file_store
from tests.factories import approved_piece


def _speech(factory, conference, order, title, *, minutes=10, post="局长", name="李建华",
            state=SubmissionState.APPROVED):
    invitation = factory.invitation(conference=conference, kind=ExchangeKind.ORAL, speaking_order=order)
    return factory.submission(invitation=invitation, state=state, title=title, planned_minutes=minutes,
                              speaker_post=post, speaker_name=name)


@pytest.fixture
def conference(factory):
    """Three approved speeches (one left out of the book), one still under review, one written piece."""
    conference = factory.conference()
    _speech(factory, conference, 3, "第三个发言", minutes=None, post="副局长", name="王芳")
    _speech(factory, conference, 1, "第一个发言", minutes=12, post="厅长", name="李建华")
    left_out = _speech(factory, conference, 2, "第二个发言：不收入本版", minutes=7)
    _speech(factory, conference, 4, "第四个发言：尚在审核", minutes=5, state=SubmissionState.SUBMITTED)
    approved_piece(factory, conference, kind=ExchangeKind.WRITTEN, title="书面材料")
    exclude(left_out, "涉密", actor=factory.user(Role.EDITOR))
    factory.commit()
    return conference


def test_the_programme_holds_the_oral_speeches_the_edition_prints_in_speaking_order(app, factory, conference):
    editor = factory.user(Role.EDITOR)
    edition = editions.create_edition(conference, actor=editor, edition_date=conference.starts_on,
                                      with_programme=True)
    rows = spec_for_edition(edition, file_store(app)).programme
    assert [(r.order, r.speaker_post, r.speaker_name, r.minutes) for r in rows] == [
        (1, "厅长", "李建华", 12), (2, "副局长", "王芳", None)]
    bureaux = {item.version.submission.organisation.name_zh for item in edition.items if item.section == "oral"}
    assert {r.bureau_zh for r in rows} == bureaux


def test_without_the_option_the_edition_prints_no_programme(app, factory, conference):
    edition = editions.create_edition(conference, actor=factory.user(Role.EDITOR), edition_date=conference.starts_on)
    assert edition.programme is None
    assert spec_for_edition(edition, file_store(app)).programme is None


@pytest.mark.parametrize("value", ["yes", "y<script>", "y" * 10_000, ""], ids=["word", "script", "long", "twice"])
def test_a_hostile_programme_value_is_refused_and_nothing_is_written(app, factory, client, auth, conference, value):
    auth.login(factory.user(Role.EDITOR).username)
    factory.commit()
    data = {"edition_date": "2024-12-01", "piece_numbering": "none", "book_style": "ministry"}
    # a ticked box sends "y" once: any other value, or the field twice, is refused
    response = client.post(f"/proceedings/{conference.slug}/editions",
                           data={**data, "with_programme": value} if value else
                           {**data, "with_programme": ["y", "y"]})
    assert response.status_code == 422
    assert "Tick the programme of the oral session, or leave it unticked." in response.get_data(as_text=True)
    assert factory.db.session.query(ProceedingsEdition).count() == 0


@pytest.mark.slow
def test_the_build_form_prints_the_programme_when_ticked(app, factory, client, auth, conference):
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)
    form = client.get(f"/proceedings/{conference.slug}/", follow_redirects=True).get_data(as_text=True)
    assert 'name="with_programme"' in form

    client.post(f"/proceedings/{conference.slug}/editions",
                data={"edition_date": "2024-12-01", "piece_numbering": "none", "book_style": "ministry",
                      "with_programme": "y"})

    edition = factory.db.session.query(ProceedingsEdition).one()
    assert edition.status is EditionStatus.DONE, edition.error
    assert [row["speaker_name"] for row in edition.programme] == ["李建华", "王芳"]
    page = client.get(f"/proceedings/{conference.slug}/editions/{edition.number}").get_data(as_text=True)
    assert "Printed in the front matter (2 speeches)" in page
    texts = [p.extract_text() for p in PdfReader(io.BytesIO(file_store(app).read(editions.edition_key(edition)))).pages]
    programme = next(t for t in texts if t.startswith("发言顺序表"))
    assert programme.index("李建华") < programme.index("王芳") and "尚在审核" not in programme


@pytest.mark.slow
def test_the_command_line_prints_the_programme_with_its_flag(app, factory, tmp_path):
    conference = factory.conference(slug="programme-conf")
    _speech(factory, conference, 1, "第一个发言", minutes=15, post="厅长", name="赵明")
    factory.user(Role.EDITOR, username="programme-editor")
    factory.commit()
    out = tmp_path / "book.pdf"
    result = app.test_cli_runner().invoke(args=["proceedings", "build", "--conference", "programme-conf",
                                                "--with-programme", "--out", str(out), "--as", "programme-editor"])
    assert result.exit_code == 0, result.output
    assert factory.db.session.query(ProceedingsEdition).one().programme[0]["minutes"] == 15
    texts = [page.extract_text() for page in PdfReader(out).pages]
    assert any(t.startswith("发言顺序表") and "赵明" in t and "15" in t for t in texts)


def test_hostile_names_print_as_plain_text_in_the_book(app, factory):
    from app.domain.proceedings.typesetting.html import book_html

    conference = factory.conference()
    _speech(factory, conference, 1, "第一个发言", post="\u202e<b>处长</b>" + "长" * 150, name="<script>王</script>")
    edition = editions.create_edition(conference, actor=factory.user(Role.EDITOR), edition_date=conference.starts_on,
                                      with_programme=True)
    [row] = edition.programme
    assert row["speaker_post"] == "<b>处长</b>" + "长" * 150   # whole, as its opening prints it, the control gone
    html = book_html(spec_for_edition(edition, file_store(app)), parts=("front",))
    assert "&lt;script&gt;王&lt;/script&gt;" in html and "<script>王" not in html and "\u202e" not in html


def test_the_book_prints_a_long_post_whole_as_the_speech_opening_does(app, factory):
    """The one-page programme cuts a post to fit its page; the book's programme never does."""
    post = "Director General, Guangdong Provincial Department of Ecology and Environment"
    conference = factory.conference()
    _speech(factory, conference, 1, "A speech", post=post, name="Huang Weiming")
    editor = factory.user(Role.EDITOR)
    factory.commit()

    edition = editions.create_edition(conference, actor=editor, edition_date=conference.starts_on,
                                      with_programme=True)

    assert [(r.speaker_post, r.speaker_name) for r in spec_for_edition(edition, file_store(app)).programme] == [
        (post, "Huang Weiming")]
