"""Editions without typesetting: numbering, refusals, publishing, deleting, failures."""
from __future__ import annotations

from datetime import date

import pytest

from app.storage import file_store
from app.background.builds import run_build
from app.domain.errors import DomainError, NotAllowed
from app.domain.proceedings import editions
from app.models import EditionStatus, ProceedingsEdition, Role
from tests.factories import approved_piece


def _built(factory, conference, editor, tmp_file_dir):
    """An edition marked built over a stand-in file, as the build job records it."""
    edition = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    name = editions.file_name_for(edition, conference)
    (tmp_file_dir / name).write_bytes(b"%PDF-1.7 stand-in")
    editions.record_success(edition, file_name=name, page_count=1, size=17, sha256="0" * 64, start_pages={})
    factory.commit()
    return edition


def test_nothing_to_build_and_one_build_at_a_time(app, factory):
    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    with pytest.raises(DomainError, match="nothing to build"):
        editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))

    approved_piece(factory, conference)
    first = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    assert (first.number, first.status, first.progress_stage) == (1, EditionStatus.QUEUED, "queued")
    with pytest.raises(NotAllowed, match="being built"):
        editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    reviewer = factory.user(Role.REVIEWER)
    editions.record_failure(first, "boom")
    with pytest.raises(DomainError):
        editions.create_edition(conference, actor=reviewer, edition_date=date(2024, 12, 1))
    assert editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1)).number == 2


def test_a_failed_build_records_its_error_and_leaves_no_file(app, factory, tmp_path, monkeypatch):
    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    edition = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    factory.commit()
    # A machine without the Chinese faces: fontconfig configured to know no fonts at all.
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig></fontconfig>')
    monkeypatch.setenv("FONTCONFIG_FILE", str(empty))

    run_build(edition.id)

    factory.db.session.expire_all()
    edition = factory.db.session.get(ProceedingsEdition, edition.id)
    assert edition.status is EditionStatus.FAILED and edition.progress_stage == "failed"
    assert "Noto Serif CJK SC" in edition.error and "fonts-noto-cjk" in edition.error
    assert edition.sha256 is None and edition.file_name is None
    assert [p for p in app.config["EDITIONS_DIR"].rglob("*") if p.is_file()] == []


def test_published_editions_stay_and_unpublished_ones_can_be_deleted(app, factory, client, auth):
    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    first = _built(factory, conference, editor, app.config["EDITIONS_DIR"])
    second = _built(factory, conference, editor, app.config["EDITIONS_DIR"])
    first_file = file_store(app).local_path(editions.edition_key(first))
    second_file = file_store(app).local_path(editions.edition_key(second))
    auth.login(editor.username)

    client.post(f"/proceedings/{conference.slug}/editions/1/publish")
    response = client.post(f"/proceedings/{conference.slug}/editions/1/delete")
    assert response.status_code == 409 and "cannot be deleted" in response.get_data(as_text=True)
    assert first_file.exists() and factory.db.session.get(ProceedingsEdition, first.id).published_at

    client.post(f"/proceedings/{conference.slug}/editions/2/delete")
    factory.db.session.expire_all()
    assert factory.db.session.get(ProceedingsEdition, second.id) is None and not second_file.exists()
    assert client.get(f"/proceedings/{conference.slug}/editions/1/download").data == b"%PDF-1.7 stand-in"
    assert client.get(f"/proceedings/{conference.slug}/editions/2/download").status_code == 404


def test_a_running_edition_cannot_be_deleted_or_published(app, factory, client, auth):
    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    factory.commit()
    auth.login(editor.username)

    assert client.post(f"/proceedings/{conference.slug}/editions/1/delete").status_code == 409
    assert client.post(f"/proceedings/{conference.slug}/editions/1/publish").status_code == 409
    status = client.get(f"/proceedings/{conference.slug}/editions/1/status").json
    assert status == {"number": 1, "status": "queued", "stage": "queued", "done": 0, "total": 1,
                      "finished": False, "text": status["text"]} and status["text"]


def test_the_next_edition_lists_pieces_added_removed_revised_and_moved(app, factory):
    from app.domain.proceedings import order as proceedings_order
    from tests.factories import revise_and_approve

    conference = factory.conference()
    a, b, c, d = (approved_piece(factory, conference, title=t) for t in ("甲", "乙", "丙", "丁"))
    editor = factory.user(Role.EDITOR)
    _built(factory, conference, editor, app.config["EDITIONS_DIR"])

    new = approved_piece(factory, conference, title="戊")
    proceedings_order.exclude(b, "与甲重复", actor=editor)
    revise_and_approve(factory, c, editor_user=editor, title="丙（第二版）")
    proceedings_order.move(d, "up", actor=editor)
    second = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 2))

    changes = sorted((ch["type"], ch["title"]) for ch in second.changes)
    assert changes == sorted([("added", "戊"), ("removed", "乙"), ("new_version", "丙（第二版）"), ("moved", "丁")])
    revised = next(ch for ch in second.changes if ch["type"] == "new_version")
    assert (revised["previous_version"], revised["version"]) == (1, 2)
    assert [item.submission_id for item in second.items] == [a.id, d.id, c.id, new.id]


def test_an_edition_keeps_the_front_matter_it_was_created_with(app, factory):
    from app.domain.proceedings import order as proceedings_order

    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    rendered = proceedings_order.update_front_matter(
        conference, cover_note="内部资料 注意保存", foreword="## 前言\n\n本汇编收录了各地的交流材料。<script>alert(1)</script>",
        actor=editor)
    assert rendered.removed
    edition = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    proceedings_order.update_front_matter(conference, cover_note="新的说明", foreword="改过的前言", actor=editor)

    assert edition.cover_note == "内部资料 注意保存"
    assert "本汇编收录了各地的交流材料" in edition.foreword_html and "<script" not in edition.foreword_html


def test_preflight_warns_of_pieces_approved_after_the_last_edition(app, factory):
    from app.domain.proceedings.preflight import preflight

    conference = factory.conference()
    approved_piece(factory, conference, title="早")
    editor = factory.user(Role.EDITOR)
    _built(factory, conference, editor, app.config["EDITIONS_DIR"])
    late = approved_piece(factory, conference, title="晚")

    warnings = [w for w in preflight(conference, check_fonts=False) if w.code == "approved_since"]
    assert [w.submission for w in warnings] == [late]


def test_a_build_whose_worker_vanished_blocks_nothing(app, factory):
    from datetime import timedelta

    from app.models import utcnow

    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    lost = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    lost.created_at = utcnow() - editions.STALE_AFTER - timedelta(minutes=1)
    factory.commit()

    second = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))

    assert second.number == 2
    assert lost.status is EditionStatus.FAILED and "interrupted" in lost.error
    run_build(lost.id)  # the job, delivered late, leaves it alone
    assert lost.status is EditionStatus.FAILED
