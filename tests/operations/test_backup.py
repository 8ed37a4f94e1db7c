"""``flask backup`` and ``flask restore``: a populated instance comes back whole into an empty one."""
from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.storage import file_store
from app.domain.review.thread import add_comment
from app.domain.submissions.attachments import add_attachment
from app.domain.submissions.drafting import import_word
from app.domain.submissions.limits import UploadPolicy
from app.models import ExchangeKind, Role, SubmissionState
from tests.dbsetup import migrated_postgres_url, migrated_sqlite_template, truncate_all
from tests.helpers import FIXTURES

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.fixture
def populated(app, db, factory):
    """Bureaus, pieces in several states with versions, a decision, comments, files on disk, an edition file."""
    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    for state in (SubmissionState.DRAFT, SubmissionState.SUBMITTED, SubmissionState.APPROVED,
                  SubmissionState.CHANGES_REQUESTED, SubmissionState.SUPERSEDED):
        invitation = factory.invitation(conference=conference, kind=ExchangeKind.ORAL)
        author = factory.user(Role.SUBMITTER, organisation=invitation.organisation, email="a@example.gov.cn")
        piece = factory.submission(invitation, author=author, title=f"{state.value}：蓝天保卫战")
        for name, data in ((f"{state.value}.pdf", PDF + state.value.encode()), ("figure.png", PNG)):
            add_attachment(piece, io.BytesIO(data), name, actor=author,
                           store=file_store(app), policy=UploadPolicy())
        if state is SubmissionState.APPROVED:  # its Word original is kept in the store and goes along
            import_word(piece, (FIXTURES / "tables.docx").read_bytes(), "发言稿.docx", actor=author,
                        loaded_version=piece.lock_version, store=file_store(app), policy=UploadPolicy())
        if state is not SubmissionState.DRAFT:
            factory.move_to(piece, state, author=author)
            add_comment(piece, "请补充数据 — please add figures", actor=editor)
    factory.commit()
    edition = Path(app.config["EDITIONS_DIR"]) / "1" / "proceedings.pdf"
    edition.parent.mkdir(parents=True)
    edition.write_bytes(PDF + "汇编".encode())
    return editor


def make_empty_instance(request, backend: str, folder: Path, *, locale: str = "en"):
    """A second instance, migrated and empty, on ``backend``."""
    from app import create_app

    if backend == "sqlite":
        path = folder / "restored.sqlite3"
        shutil.copyfile(migrated_sqlite_template(request.getfixturevalue("worker_id")), path)
        url = f"sqlite:///{path}"
    else:
        request.getfixturevalue("postgres_url")  # skips when PostgreSQL is not configured
        url = migrated_postgres_url(request.getfixturevalue("worker_id"), "restore")
        truncate_all(url)
    from app.extensions import db

    instance = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_DIR": folder / "restored" / "uploads", "EDITIONS_DIR": folder / "restored" / "editions",
        "MAIL_SERVER": None, "BABEL_DEFAULT_LOCALE": locale,
    })

    def close() -> None:
        with instance.app_context():
            db.engine.dispose()

    request.addfinalizer(close)
    return instance


def backend_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


@pytest.fixture
def empty_instance(request, database_url, tmp_path):
    """An empty instance on the same backend as ``app``."""
    return make_empty_instance(request, backend_of(database_url), tmp_path)


@pytest.fixture
def other_backend_instance(request, database_url, tmp_path):
    """An empty instance on the backend ``app`` is not on."""
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[backend_of(database_url)]
    return make_empty_instance(request, other, tmp_path)


def run(instance, *args):
    """Run a command against ``instance`` (``with_appcontext`` would take whichever app is pushed)."""
    with instance.app_context():
        return instance.test_cli_runner().invoke(args=list(args))


def table_rows(url: str, metadata: sa.MetaData) -> dict[str, list]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = {table.name: [tuple(row) for row in conn.execute(
            sa.select(table).order_by(*table.primary_key.columns))] for table in metadata.sorted_tables}
    engine.dispose()
    return rows


def stored_files(instance) -> dict[str, bytes]:
    files = {}
    for key in ("UPLOAD_DIR", "EDITIONS_DIR"):
        root = Path(instance.config[key])
        files.update({f"{key}/{path.relative_to(root)}": path.read_bytes()
                      for path in root.rglob("*") if path.is_file()})
    return files


def rewrite_archive(source: Path, target: Path, change) -> None:
    """Unpack, let ``change`` edit the folder, pack again."""
    folder = target.parent / "unpacked"
    with tarfile.open(source) as archive:
        archive.extractall(folder, filter="data")
    change(folder)
    with tarfile.open(target, "w:gz") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.add(path, arcname=path.relative_to(folder).as_posix())


@pytest.mark.parametrize("target", ["empty_instance", "other_backend_instance"])
def test_a_populated_instance_comes_back_whole_with_fresh_ids_after(request, app, db, populated, target, tmp_path):
    restored = request.getfixturevalue(target)
    archive = tmp_path / "huibian.tar.gz"
    result = run(app, "backup", str(archive))
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    assert archive.stat().st_mode & 0o077 == 0  # password hashes and unpublished pieces: owner only

    result = run(restored, "restore", str(archive))
    assert result.exit_code == 0, result.output

    before = table_rows(app.config["SQLALCHEMY_DATABASE_URI"], db.metadata)
    after = table_rows(restored.config["SQLALCHEMY_DATABASE_URI"], db.metadata)
    for name in ("submission", "submission_version", "decision", "comment", "attachment",
                 "notification", "audit_event", "user", "word_original"):
        assert before[name], f"the populated instance has no {name} rows: the round trip proves nothing"
    assert after == before
    assert stored_files(restored) == stored_files(app)
    assert len(stored_files(app)) == 8  # five PDFs, one shared PNG, a Word original, the edition

    # The restored instance goes on: a new row gets an id past the restored ones.
    engine = sa.create_engine(restored.config["SQLALCHEMY_DATABASE_URI"])
    organisation = db.metadata.tables["organisation"]
    with engine.begin() as conn:
        new_id = conn.execute(organisation.insert().values(
            code="new-bureau", name_zh="新厅", name_en="New", region_zh="新省").returning(organisation.c.id)).scalar()
    engine.dispose()
    assert new_id > max(row[0] for row in before["organisation"])


def test_the_backup_reads_one_snapshot_while_others_write(app, db, populated):
    from app.background.backup import _snapshot

    organisation = db.metadata.tables["organisation"]
    count = sa.select(sa.func.count()).select_from(organisation)
    with _snapshot(db.engine) as conn:
        seen = conn.execute(count).scalar()
        with db.engine.begin() as writer:
            writer.execute(organisation.insert().values(code="late", name_zh="迟到厅", name_en="Late", region_zh="省"))
        assert conn.execute(count).scalar() == seen
    with db.engine.connect() as conn:
        assert conn.execute(count).scalar() == seen + 1


def test_restore_into_an_instance_with_rows_is_refused_and_changes_nothing(app, db, populated, tmp_path):
    archive = tmp_path / "huibian.tar.gz"
    run(app, "backup", str(archive))
    before = table_rows(app.config["SQLALCHEMY_DATABASE_URI"], db.metadata)
    files = stored_files(app)

    result = run(app, "restore", str(archive))

    assert result.exit_code == 1
    assert "already holds rows" in result.output
    assert table_rows(app.config["SQLALCHEMY_DATABASE_URI"], db.metadata) == before
    assert stored_files(app) == files


def test_a_tampered_file_in_the_archive_is_refused(app, db, populated, empty_instance, tmp_path):
    archive, tampered = tmp_path / "huibian.tar.gz", tmp_path / "tampered" / "huibian.tar.gz"
    tampered.parent.mkdir()
    run(app, "backup", str(archive))

    def swap_a_pdf(folder: Path) -> None:
        victim = next(path for path in (folder / "files" / "uploads").rglob("*") if path.is_file())
        victim.write_bytes(b"%PDF-1.4\n/JavaScript (app.alert(1))\n%%EOF\n")

    rewrite_archive(archive, tampered, swap_a_pdf)
    result = run(empty_instance, "restore", str(tampered))

    assert result.exit_code == 1
    assert "does not match its SHA-256" in result.output
    assert not any(table_rows(empty_instance.config["SQLALCHEMY_DATABASE_URI"], db.metadata).values())
    assert stored_files(empty_instance) == {}


def test_an_archive_from_another_migration_is_refused_in_the_ministry_language(
        request, app, populated, database_url, tmp_path):
    archive, older = tmp_path / "huibian.tar.gz", tmp_path / "older" / "huibian.tar.gz"
    older.parent.mkdir()
    run(app, "backup", str(archive))
    chinese = make_empty_instance(request, backend_of(database_url), tmp_path, locale="zh")

    def older_revision(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["alembic_revision"] = "9782bb041f5c"
        (folder / "manifest.json").write_text(json.dumps(manifest))

    rewrite_archive(archive, older, older_revision)
    result = run(chinese, "restore", str(older))

    assert result.exit_code == 1
    assert "此备份制作时数据库处于迁移版本 9782bb041f5c" in result.output
    assert stored_files(chinese) == {}
