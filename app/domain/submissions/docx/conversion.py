"""Old Word, WPS, OpenDocument and RTF files, converted to .docx by LibreOffice.

LibreOffice runs headless in a process group of its own, under a memory cap
(`prlimit`), killed whole at the time limit, with a profile directory that
is thrown away afterwards, an environment without proxies, macros and
linked content blocked and, where the system allows it, a network namespace
without interfaces. A conversion needs no network, so none is reachable.

At most MAX_AT_ONCE conversions run at once in one process; more are
refused as busy rather than queued, so a burst of uploads cannot pile up
LibreOffice instances (some 200 MB each) on a small server.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from flask_babel import gettext as _

from app.domain.submissions.docx.checks import DocxImportError

MAX_AT_ONCE = 2
MEMORY_LIMIT = 1024 * 1024 * 1024
TIME_LIMIT = 60.0
SOFFICE = "soffice"
_NETWORK_ISOLATION = ["unshare", "--user", "--map-root-user", "--net"]
_slots = threading.BoundedSemaphore(MAX_AT_ONCE)

# Written into each throw-away profile: no macros, no update check, and no
# fetching of pictures or other content a document links to.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Jobs/Jobs/org.openoffice.Office.Jobs:Job['UpdateCheck']/Arguments">\
<prop oor:name="AutoCheckEnabled" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


class ConverterBusy(DocxImportError):
    """Every conversion slot of this process is taken."""

    http_status = 503


@contextmanager
def conversion_slot() -> Iterator[None]:
    """Hold one of the MAX_AT_ONCE conversion slots, or raise ConverterBusy at once."""
    if not _slots.acquire(blocking=False):
        raise ConverterBusy(_("Huibian is converting other documents just now. Try again in a minute, "
                              "or save the document as .docx in Word or WPS and import that."))
    try:
        yield
    finally:
        _slots.release()


def convert_to_docx(
    data: bytes, source_format: str, *, time_limit: float = TIME_LIMIT, memory_limit: int = MEMORY_LIMIT,
) -> bytes:
    """`data`, a "doc", "odt" or "rtf" file, as a .docx file.

    Raises DocxImportError (ConverterBusy when no slot is free) with a
    message for the author when it cannot be converted within the limits.
    """
    soffice = shutil.which(SOFFICE)
    if soffice is None:
        raise DocxImportError(_("This server cannot convert this kind of document. "
                                "Save it as .docx in Word or WPS and import that."))
    with conversion_slot(), tempfile.TemporaryDirectory(prefix="huibian-convert-") as folder:
        work = Path(folder)
        source = work / f"document.{source_format}"
        source.write_bytes(data)
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
        command = [
            "prlimit", f"--as={memory_limit}", *_network_isolation(), soffice,
            f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--norestore",
            "--nologo", "--nolockcheck", "--nodefault", "--nofirststartwizard",
            "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(work / "out"), str(source),
        ]
        if not _run(command, work, time_limit):
            raise DocxImportError(_("The document took longer than %(seconds)s seconds to convert; "
                                    "save it as .docx in Word or WPS and import that.", seconds=format(time_limit, "g")))
        converted = work / "out" / "document.docx"
        if not converted.is_file():
            raise DocxImportError(_("The document could not be converted. Open it in Word or WPS, "
                                    "save it as .docx and import that."))
        return converted.read_bytes()


def _run(command: list[str], work: Path, time_limit: float) -> bool:
    """Run `command` in its own process group; False if it had to be killed at the time limit."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work),
                   "TMPDIR": str(work), "LANG": "C.UTF-8"}
    process = subprocess.Popen(command, cwd=work, env=environment, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, process_group=0)
    try:
        process.wait(timeout=time_limit)
        return True
    except subprocess.TimeoutExpired:
        return False
    finally:
        # LibreOffice's launcher starts soffice.bin as a child: end the whole group.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


@cache
def _network_isolation() -> list[str]:
    """The command prefix that runs LibreOffice without a network, if this system allows it."""
    try:
        probe = subprocess.run([*_NETWORK_ISOLATION, "true"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return _NETWORK_ISOLATION if probe.returncode == 0 else []
