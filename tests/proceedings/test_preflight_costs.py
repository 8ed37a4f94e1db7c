"""The editors' warnings before a build say the same things while reading only what they name:
pieces approved since the last edition with their latest approval, pieces left out, pictures
measured once per version, fontconfig asked once in a while (issue 13 item 5)."""
from __future__ import annotations

from collections import OrderedDict
from datetime import date
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image

from app.domain.proceedings import editions
from app.domain.proceedings import order as proceedings_order
from app.domain.proceedings import preflight as preflight_module
from app.domain.proceedings.preflight import preflight
from app.domain.proceedings.typesetting import fonts
from app.domain.submissions.attachments import add_attachment
from app.domain.submissions.bodies.rendering import render_body
from app.domain.submissions.limits import UploadPolicy
from app.models import Decision, DecisionOutcome, Role, SubmissionState
from app.storage import file_store
from tests.factories import approved_piece, revise_and_approve


def _last_edition(factory, conference, editor):
    edition = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    editions.record_success(edition, file_name="stand-in.pdf", page_count=1, size=1, sha256="0" * 64,
                            start_pages={})
    factory.commit()
    return edition


def test_pieces_approved_since_the_last_edition_carry_their_latest_approval_and_never_a_left_out_one(
        app, factory):
    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    approved_piece(factory, conference, title="旧的")
    last = _last_edition(factory, conference, editor)
    early = approved_piece(factory, conference, title="先批准")
    revised = approved_piece(factory, conference, title="改过两次")
    revise_and_approve(factory, revised, editor_user=editor, title="改过两次（二）")
    left_out = approved_piece(factory, conference, title="不收录")
    proceedings_order.exclude(left_out, "重复材料", actor=editor)
    factory.commit()

    warnings = preflight(conference, check_fonts=False)

    since = [(w.submission.id, w.when) for w in warnings if w.code == "approved_since"]
    latest = {s.id: factory.db.session.scalar(
        sa.select(sa.func.max(Decision.decided_at))
        .where(Decision.submission_id == s.id, Decision.outcome == DecisionOutcome.APPROVE))
        for s in (early, revised)}
    assert since == sorted(latest.items())
    assert all(when > last.created_at for _id, when in since)
    assert [(w.submission.id, w.detail) for w in warnings if w.code == "excluded"] == [(left_out.id, "重复材料")]
    assert "nothing_to_build" not in [w.code for w in warnings]


def test_a_conference_whose_every_approved_piece_is_left_out_has_nothing_to_build(app, factory, client, auth):
    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    piece = approved_piece(factory, conference, title="暂缓的材料")
    proceedings_order.exclude(piece, "暂不收录", actor=editor)
    factory.commit()

    codes = [w.code for w in preflight(conference, check_fonts=False)]
    auth.login(editor.username)
    page = client.get(f"/proceedings/{conference.slug}/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)

    assert codes[0] == "nothing_to_build" and "excluded" in codes
    # The page says the same from the list it shows (its left-out pieces and its total).
    assert page.index("会议材料汇编中尚无已通过的材料。") < page.index("不收录：暂缓的材料——暂不收录")


def _piece_with_picture(factory, app, conference, *, width, title):
    piece = approved_piece(factory, conference, title=title, state=SubmissionState.DRAFT)
    author = factory.user(Role.SUBMITTER, organisation=piece.organisation)
    png = BytesIO()
    Image.new("RGB", (width, 120), "white").save(png, "PNG")
    png.seek(0)
    sha = add_attachment(piece, png, f"{title}.png", actor=author, store=file_store(app),
                         policy=UploadPolicy())[0].sha256
    piece.body_source = f"![{title}](/attachments/{sha})\n\n{title}的正文。"
    piece.body_html = render_body(piece.body_source).html
    factory.move_to(piece, SubmissionState.APPROVED, author=author)
    factory.commit()
    return piece


def test_a_versions_pictures_are_measured_once_and_a_new_version_is_measured_anew(app, factory, monkeypatch):
    measured = []
    real = preflight_module.low_resolution_images

    def counting(body_html, paths):
        measured.append(tuple(paths))
        return real(body_html, paths)
    monkeypatch.setattr(preflight_module, "low_resolution_images", counting)
    monkeypatch.setattr(preflight_module, "_COARSE_BY_CONTENT", OrderedDict())  # nothing measured yet
    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    coarse = _piece_with_picture(factory, app, conference, width=311, title="粗图")
    _piece_with_picture(factory, app, conference, width=1013, title="细图")
    store = file_store(app)

    def coarse_warnings():
        return [(w.submission.id, w.detail) for w in preflight(conference, check_fonts=False, store=store)
                if w.code == "coarse_picture"]

    assert coarse_warnings() == [(coarse.id, "89")]
    assert len(measured) == 2
    assert coarse_warnings() == [(coarse.id, "89")]
    assert len(measured) == 2, "a version already measured is not opened again"

    revise_and_approve(factory, coarse, editor_user=editor, title="粗图（修订）")
    factory.commit()
    assert coarse_warnings() == [(coarse.id, "89")]
    assert len(measured) == 3, "the new version of the piece is measured"


@pytest.fixture
def fontconfig_reads(monkeypatch):
    reads = []
    monkeypatch.setattr(fonts, "_read_fontconfig", lambda: reads.append(1) or frozenset({"Noto Serif CJK SC"}))
    monkeypatch.setattr(fonts, "_listing", None)
    return reads


def test_fontconfig_is_asked_once_in_a_while_not_on_every_page(fontconfig_reads, monkeypatch, tmp_path):
    for _ in range(5):
        assert "Noto Serif CJK SC" in fonts.installed_chinese_families()
    assert len(fontconfig_reads) == 1

    monkeypatch.setenv("FONTCONFIG_FILE", str(tmp_path / "fonts.conf"))
    fonts.installed_chinese_families()
    assert len(fontconfig_reads) == 2, "a process pointed at other fonts reads them"

    monkeypatch.setattr(fonts, "FONT_LISTING_SECONDS", 0.0)
    fonts.installed_chinese_families()
    assert len(fontconfig_reads) == 3, "fonts installed meanwhile show once the reading is old"


def test_the_pictures_are_those_of_the_version_last_approved(app, factory):
    from app.domain.workflow import Action, apply_transition

    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    piece = _piece_with_picture(factory, app, conference, width=307, title="后来去掉了图")
    store = file_store(app)

    def coarse():
        return [w.detail for w in preflight(conference, check_fonts=False, store=store) if w.code == "coarse_picture"]
    assert coarse() == ["88"]

    # The next version keeps the file but no longer shows it; its approval is what the book prints.
    author = factory.user(Role.SUBMITTER, organisation=piece.organisation)
    apply_transition(piece, Action.REOPEN, actor=editor, comment="请删去图片。")
    piece.body_source = "没有图片的正文。"
    piece.body_html = render_body(piece.body_source).html
    apply_transition(piece, Action.RESUBMIT, actor=author)
    apply_transition(piece, Action.APPROVE, actor=editor)
    factory.commit()
    assert coarse() == []
