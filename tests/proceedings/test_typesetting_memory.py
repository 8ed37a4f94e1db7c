"""Typesetting workers have a memory limit: a hostile body fails its own job cleanly, the next works.

The hostile body is a 13,000 × 13,000-pixel picture in a 0.5 MB file (the
pixel cap at upload is lifted for it): decoded, it needs some 700 MB more
than a warm worker's 400–500 MB. Under a limit of 1,024 MB the worker gets a
MemoryError, says so and is replaced; before, such a build grew to 1.4 GB.
"""
from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.domain.proceedings import editions
from app.domain.proceedings.typesetting.preview_workers import PreviewWorkers
from app.domain.proceedings.typesetting.typeset import TypesetJob
from app.domain.proceedings.typesetting.workers import TypesetOutOfMemory, WorkerPool
from app.models import EditionStatus, ProceedingsEdition, Role, SubmissionState
from app.storage import file_store
from tests.factories import approved_piece
from tests.helpers import page_text

pytestmark = pytest.mark.slow

LIMIT_MB = 1024
SMALL = TypesetJob(html='<html lang="zh-CN"><body><p>预览 preview</p></body></html>', attachments={})


def _huge_png(path: Path, side: int = 13_000) -> None:
    """An RGB PNG of ``side`` × ``side`` grey pixels, written row by row (never whole in memory)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer, row = zlib.compressobj(9), b"\x00" + b"\x80" * (side * 3)
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "huge.png"
    _huge_png(path)
    return path


def _job_with(png: Path) -> TypesetJob:
    sha = "f" * 64
    return TypesetJob(html=f'<html lang="zh-CN"><body><p>图</p><img src="/attachments/{sha}"></body></html>',
                      attachments={sha: png})


def test_a_book_worker_over_its_memory_limit_fails_the_job_cleanly_and_the_next_job_works(huge_png):
    pool = WorkerPool(1, memory_limit_mb=LIMIT_MB)
    with pytest.raises(TypesetOutOfMemory, match=f"ran out of memory: a worker reached its limit of {LIMIT_MB} MB"):
        pool.map([_job_with(huge_png)], deadline=_in(120))
    assert pool.pids() == []   # killed, not left behind
    again = WorkerPool(1, memory_limit_mb=LIMIT_MB)
    try:
        [result] = again.map([SMALL], deadline=_in(120))
    finally:
        again.close()
    assert result.page_count == 1


def test_a_preview_worker_over_its_memory_limit_is_replaced_and_the_next_preview_works(huge_png):
    workers = PreviewWorkers(size=1, memory_limit_mb=LIMIT_MB)
    try:
        with pytest.raises(TypesetOutOfMemory):
            workers.typeset(_job_with(huge_png), 120)
        assert workers.typeset(SMALL, 120).pdf_bytes.startswith(b"%PDF")
    finally:
        workers.shutdown()


def _piece_with_picture(app, factory, conference, png: Path, *, state):
    from app.domain.submissions.attachments import add_attachment
    from app.domain.submissions.bodies.rendering import render_body
    from app.domain.submissions.limits import UploadPolicy

    piece = approved_piece(factory, conference, title="有一张巨图的材料", state=SubmissionState.DRAFT)
    author = factory.user(Role.SUBMITTER, organisation=piece.organisation)
    with png.open("rb") as stream:   # the pixel cap lifted: this test is about the typesetter's own limit
        attachment, _new = add_attachment(piece, stream, "huge.png", actor=author,
                                          store=file_store(app),
                                          policy=UploadPolicy(max_image_pixels=10**9))
    piece.body_source = f"巨图如下。\n\n![巨图](/attachments/{attachment.sha256})\n"
    piece.body_html = render_body(piece.body_source).html
    if state is not SubmissionState.DRAFT:
        factory.move_to(piece, state, author=author)
    factory.commit()
    return piece, author


def test_a_build_over_the_memory_limit_is_marked_failed_with_the_reason_and_the_next_build_works(
        app, factory, client, auth, huge_png):
    app.config.update(TYPESETTING_MEMORY_LIMIT_MB=LIMIT_MB, PROCEEDINGS_PROCESSES=1)
    hostile = factory.conference()
    _piece_with_picture(app, factory, hostile, huge_png, state=SubmissionState.APPROVED)
    sound = factory.conference()
    approved_piece(factory, sound, title="守护好一江碧水")
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)

    client.post(f"/proceedings/{hostile.slug}/editions", data={"edition_date": "2024-12-01"})
    failed = factory.db.session.query(ProceedingsEdition).filter_by(conference_id=hostile.id).one()
    assert failed.status is EditionStatus.FAILED and failed.file_name is None
    assert f"ran out of memory: a worker reached its limit of {LIMIT_MB} MB (TYPESETTING_MEMORY_LIMIT_MB)" \
        in failed.error
    assert not list(Path(app.config["EDITIONS_DIR"]).glob("*.pdf"))   # nothing half-written

    client.post(f"/proceedings/{sound.slug}/editions", data={"edition_date": "2024-12-01"})
    built = factory.db.session.query(ProceedingsEdition).filter_by(conference_id=sound.id).one()
    assert built.status is EditionStatus.DONE, built.error
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(file_store(app).read(editions.edition_key(built)))).pages)
    assert "守护好一江碧水" in text


def test_a_preview_over_the_memory_limit_answers_503_and_is_remembered(app, factory, client, auth, huge_png):
    app.config["TYPESETTING_MEMORY_LIMIT_MB"] = LIMIT_MB
    piece, author = _piece_with_picture(app, factory, factory.conference(), huge_png, state=SubmissionState.DRAFT)
    auth.login(author.username)
    url = f"/proceedings/preview/{piece.id}/draft.pdf"

    refused = client.get(url)
    assert refused.status_code == 503
    assert "This piece needs more memory to typeset than the server allows" in page_text(refused)
    again = client.get(url)
    assert again.status_code == 503 and "This draft took too long to typeset last time" in page_text(again)
    assert "(or needed too much memory)" in page_text(again)

    # The picture taken out: the draft changed, so it is typeset again, and fits.
    piece.body_source = "巨图已删去。"
    piece.body_html = "<p>巨图已删去。</p>"
    factory.commit()
    typeset = client.get(url)
    assert typeset.status_code == 200
    assert "巨图已删去" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(typeset.data)).pages)


def _in(seconds: float) -> float:
    return time.monotonic() + seconds
