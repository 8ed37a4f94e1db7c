"""One response hook: a strict CSP, no framing, no referrer off site, nothing stored from private pages."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from app.security import CONTENT_SECURITY_POLICY

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SCREEN_TEMPLATES = [p for p in (Path(__file__).resolve().parents[2] / "templates").rglob("*.html")
                    if p.parent.name != "book"]


def test_every_page_forbids_framing_inline_code_and_sniffing(client):
    response = client.get("/login")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY and "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # development speaks plain HTTP


def test_error_pages_carry_the_headers_too(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_an_authenticated_page_is_never_stored(client, bureaus, login):
    login(client, "reviewer")
    response = client.get("/account")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_a_download_is_never_stored(client, db, bureaus, login):
    login(client, "hebei-user")
    draft = bureaus["drafts"]["ours"]
    client.post(f"/submissions/{draft.id}/attachments", data={"file": (io.BytesIO(PDF), "报告.pdf")},
                content_type="multipart/form-data")
    [attachment] = draft.attachments
    response = client.get(f"/submissions/{draft.id}/attachments/{attachment.id}")
    assert response.data == PDF
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("template", SCREEN_TEMPLATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_templates_hold_no_inline_script_or_style(template):
    """The CSP allows neither, so a template that had one would break silently in the browser."""
    source = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source)
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", source, re.I)


@pytest.mark.slow
def test_an_inline_pdf_may_not_be_framed_but_keeps_its_viewer(client, bureaus, login):
    login(client, "hebei-user")
    response = client.get(f"/proceedings/preview/{bureaus['drafts']['ours'].id}/draft.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
