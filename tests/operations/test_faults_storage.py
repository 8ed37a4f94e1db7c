"""Fault: the upload folder read-only or full, for an attachment and for a Word import.

A real fault where the machine allows it: a tiny tmpfs mounted read-only
(EROFS, which even root cannot write) or filled to the last byte (ENOSPC).
Where mounting is not allowed the store's file creation fails with the same
errno instead. Either way: a clear, translated message with 503 (read-only)
or 507 (full), no attachment row, no stray file, the draft saved before
still there, and the next upload works once the disk is back.
"""
from __future__ import annotations

import errno
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.domain.submissions.storage import key_for
from app.storage import file_store, init_storage
from app.models import AuditEvent
from tests.helpers import FIXTURES, page_text
from tests.submissions.conftest import draft_data
from tests.submissions.test_attachments import attachment_rows, upload
from tests.submissions.test_import import import_file, reloaded

FAULTS = {
    "read-only": (errno.EROFS, 503, "The server cannot store files at the moment. Nothing was stored"),
    "full": (errno.ENOSPC, 507, (
        "The server's file store is full. Nothing was stored and your saved draft is unchanged")),
}


def _mount(folder: Path, *options: str) -> bool:
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(("size=256k", *options)), "tmpfs", str(folder)],
                            capture_output=True)
    return result.returncode == 0


def _fill(folder: Path) -> None:
    (folder / "uploads").mkdir()
    descriptor = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(descriptor, b"\0" * 4096):
            pass
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(descriptor)


@pytest.fixture(params=sorted(FAULTS))
def broken_store(request, app, tmp_path, monkeypatch):
    """The upload folder made read-only or full; yields (kind, folder). Mended (unmounted) afterwards."""
    kind = request.param
    folder = tmp_path / "store"
    folder.mkdir()
    mounted = _mount(folder, "ro") if kind == "read-only" else _mount(folder)
    if mounted:
        request.addfinalizer(lambda: subprocess.run(["umount", str(folder)], check=True))
    if mounted and kind == "full":
        _fill(folder)
    if not mounted:  # no privilege to mount: the store's first write fails as the disk would make it
        code, original = FAULTS[kind][0], tempfile.mkstemp

        def failing_mkstemp(*args, dir=None, **kwargs):
            if dir is not None and Path(dir).is_relative_to(folder):
                raise OSError(code, errno.errorcode[code])
            return original(*args, dir=dir, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", failing_mkstemp)
    working = app.config["UPLOAD_DIR"]
    use_upload_dir(app, folder / "uploads" if kind == "full" else folder)
    yield kind, folder, working
    use_upload_dir(app, working)


def use_upload_dir(app, folder: Path) -> None:
    """Point the app's file store at ``folder`` (the store is made from the settings at start)."""
    app.config["UPLOAD_DIR"] = folder
    init_storage(app)


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != "filler")


def test_an_upload_and_an_import_into_a_broken_store_are_refused_cleanly_then_work_again(
        app, client, auth, db, setting, draft, broken_store):
    kind, folder, _working = broken_store
    _errno, status, message = FAULTS[kind]
    auth.login(setting.ours.user.username)
    assert client.post(f"/submissions/{draft.id}/save",
                       data=draft_data(draft, body="Saved before the disk failed")).status_code == 302

    response = upload(client, draft, (FIXTURES / "iguana.jpg").read_bytes(), "iguana.jpg")
    assert response.status_code == status and message in page_text(response)
    response = import_file(client, draft, (FIXTURES / "tiny-picture.docx").read_bytes())
    assert response.status_code == status and message in page_text(response)

    # Nothing half-written: no row (so none naming a missing file), no stray temporary file, the draft intact.
    assert attachment_rows(db) == [] and files_in(folder) == []
    assert reloaded(db, draft).body_source == "Saved before the disk failed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action.in_(["upload", "import"]))) == 0
    assert "Saved before the disk failed" in page_text(client.get(f"/submissions/{draft.id}"))


def test_once_the_disk_is_mended_the_next_upload_and_import_work(app, client, auth, db, setting, draft, broken_store):
    kind, _folder, working = broken_store
    auth.login(setting.ours.user.username)
    assert upload(client, draft, (FIXTURES / "iguana.jpg").read_bytes(), "iguana.jpg").status_code == FAULTS[kind][1]

    use_upload_dir(app, working)  # the disk mended (or replaced)
    assert upload(client, draft, (FIXTURES / "iguana.jpg").read_bytes(), "iguana.jpg").status_code == 302
    assert import_file(client, draft, (FIXTURES / "tiny-picture.docx").read_bytes(),
                       lock_version=reloaded(db, draft).lock_version).status_code == 302
    rows = attachment_rows(db)
    assert len(rows) == 2
    with app.app_context():
        assert all(file_store().exists(key_for(row.sha256)) for row in rows)


def test_a_full_store_is_explained_in_chinese(app, client, auth, db, setting, draft, broken_store):
    kind, _folder, _working = broken_store
    setting.ours.user.locale = "zh"
    db.session.commit()
    auth.login(setting.ours.user.username)
    text = page_text(upload(client, draft, (FIXTURES / "iguana.jpg").read_bytes(), "iguana.jpg"))
    assert ("文件存储空间已满" if kind == "full" else "服务器目前无法保存文件") in text
