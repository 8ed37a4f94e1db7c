"""Two bureaus invited to one conference, and helpers to act as one of them."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass

import pytest

from app.models import Conference, ExchangeKind, Invitation, Organisation, Role, Submission, User
from tests.helpers import FIXTURES


@dataclass
class Bureau:
    organisation: Organisation
    user: User
    written: Invitation
    oral: Invitation


@dataclass
class Setting:
    conference: Conference
    ours: Bureau
    theirs: Bureau
    reviewer: User


@pytest.fixture
def setting(factory) -> Setting:
    conference = factory.conference(timezone="Asia/Shanghai")

    def bureau(code: str) -> Bureau:
        organisation = factory.organisation(code)
        return Bureau(
            organisation=organisation,
            user=factory.user(Role.SUBMITTER, organisation=organisation, username=f"{code}-user"),
            written=factory.invitation(conference, organisation, ExchangeKind.WRITTEN),
            oral=factory.invitation(conference, organisation, ExchangeKind.ORAL),
        )

    result = Setting(conference, bureau("hebei"), bureau("shanxi"), factory.user(Role.REVIEWER, username="reviewer"))
    # Assertions read the English messages; Chinese is the default for everyone else.
    for user in (result.ours.user, result.theirs.user, result.reviewer):
        user.locale = "en"
    factory.commit()
    return result


@pytest.fixture
def draft(factory, setting) -> Submission:
    """Our bureau's written piece, started and filled in, not yet submitted."""
    submission = factory.submission(setting.ours.written, author=setting.ours.user)
    factory.commit()
    return submission


def draft_data(submission: Submission, **overrides) -> dict:
    """What the edit form posts for ``submission`` as it stands, with ``overrides``."""
    data = {
        "lock_version": submission.lock_version,
        "title": submission.title,
        "subtitle": submission.subtitle,
        "key_task_ids": [task.id for task in submission.key_tasks],
        "abstract": submission.abstract,
        "body": submission.body_source,
        "speaker_name": submission.speaker_name,
        "speaker_post": submission.speaker_post,
        "planned_minutes": submission.planned_minutes or "",
    }
    data.update(overrides)
    return data


@pytest.fixture(scope="session")
def word_files(tmp_path_factory) -> dict[str, bytes]:
    """Fixtures saved as .doc, .odt and .rtf by LibreOffice itself, once a session.

    Keys are like "footnotes.doc"; a .wps from WPS Office is a Word 97 file
    inside, so "footnotes.wps" is the .doc under that name.
    """
    folder = tmp_path_factory.mktemp("word-files")
    sources = [str(FIXTURES / name) for name in ("footnotes.docx", "tables.docx")]
    for target in ("doc", "odt", "rtf"):
        subprocess.run(
            ["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
             "--convert-to", target, "--outdir", str(folder), *sources],
            check=True, capture_output=True, timeout=120,
        )
    files = {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}
    files.update({name.replace(".doc", ".wps"): content for name, content in list(files.items())
                  if name.endswith(".doc")})
    return files
