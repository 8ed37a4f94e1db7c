"""Every POST route of the app under property-based fuzzing: never a 5xx, and a refused post changes nothing.

The routes come from ``app.url_map``, so a new form is fuzzed the day it is
added. Each route is posted by the role that may use it, with real ids from a
populated world in its URL, and with hypothesis-generated form data: every
field name the view's form classes declare (and every name the view reads
from ``request.form``), set to Chinese, right-to-left, zero-width and bidi
controls, NUL and other control characters, bytes that are not UTF-8 (lone
surrogates), 100,000 characters, numbers for text and text for numbers, with
fields left out and unknown fields added.
"""
from __future__ import annotations

import hashlib
import inspect
import os
import types
from io import BytesIO
from urllib.parse import quote_from_bytes

import pytest
import sqlalchemy as sa

from app.domain.submissions.revisions import keep_revision
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import AnyConverter
from wtforms.fields.core import UnboundField

from tests.factories import PASSWORD, approved_piece
from tests.helpers import FIXTURES

# Not fuzzed, with the reason: /logout takes no input and would end the
# session the other examples need; /language/<code> only sets a cookie from
# a fixed list and is covered by the i18n tests.
SKIPPED = {"/logout", "/language/<code>"}
# 15 keeps the module near a minute per backend; a deeper hunt: HUIBIAN_FUZZ_EXAMPLES=200.
EXAMPLES_PER_ROUTE = int(os.environ.get("HUIBIAN_FUZZ_EXAMPLES", "15"))
# Written by design when a post is refused (failed logins, refusals, probes).
NOT_FINGERPRINTED = {"audit_event"}


def _post_routes():
    from app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "fuzz-route-listing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    rules = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and rule.rule not in SKIPPED]
    return sorted(rule.rule for rule in rules)


POST_ROUTES = _post_routes()


def role_for(rule: str) -> str | None:
    """The role that may use ``rule`` (None: nobody signed in)."""
    if rule == "/login":
        return None
    if "/unassign/" in rule:
        return "editor"  # taking a reviewer off a piece is the editors' call
    for prefix, role in [("/admin/", "admin"), ("/review/coverage", "editor"), ("/review/conference", "editor"),
                         ("/review/", "reviewer"), ("/conference", "editor"), ("/proceedings/", "editor"),
                         ("/record/", "editor")]:
        if rule.startswith(prefix):
            return role
    return "submitter"  # /submissions/..., /notifications/..., /account


# --- the field names a view reads -----------------------------------------------------


def field_names(view) -> set[str]:
    """Fields of every form class the view (or a helper in the app it calls) builds, and names it reads itself."""
    names: set[str] = set()
    seen: set[int] = set()

    def visit(function, depth):
        function = inspect.unwrap(function)
        if not isinstance(function, types.FunctionType) or id(function) in seen or depth > 3:
            return
        seen.add(id(function))
        for code in _code_objects(function.__code__):
            names.update(c for c in code.co_consts if isinstance(c, str) and c.isidentifier() and c.islower())
            for name in code.co_names:
                value = function.__globals__.get(name)
                if isinstance(value, type) and issubclass(value, FlaskForm):
                    names.update(_declared_fields(value))
                elif isinstance(value, types.FunctionType) and value.__module__.startswith("app."):
                    visit(value, depth + 1)

    visit(view, 0)
    return names


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _declared_fields(form_class) -> set[str]:
    return {name for name in dir(form_class) if isinstance(getattr(form_class, name, None), UnboundField)}


# --- hostile values -------------------------------------------------------------------

ZERO_WIDTH_AND_BIDI = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u061c"
HUGE = ["汉" * 100_000, "a" * 100_000, "\u202e" * 100_000]
hostile_characters = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # Chinese
    st.characters(min_codepoint=0x0590, max_codepoint=0x06FF),  # Hebrew, Arabic
    st.sampled_from(ZERO_WIDTH_AND_BIDI),
    st.characters(min_codepoint=0, max_codepoint=0x1F),  # NUL and other C0 controls
    st.characters(min_codepoint=0x7F, max_codepoint=0x9F),  # DEL and C1 controls
    st.sampled_from("\u2028\u2029\r\n\t"),
    st.characters(codec="utf-8"),
)
# Bytes a browser never sends as UTF-8: encoded surrogates (CESU), stray continuation bytes.
NOT_UTF8 = [b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xff\xfe", b"\x80", b"\xc0\xaf", b"abc\xed\xb2\x80def"]


def values(ids: list[int]):
    numbers = st.one_of(st.integers(), st.integers(-(2**63), 2**63), st.floats().map(repr),
                        st.sampled_from(["1e309", "-0", "NaN", "0x10", "１２", "٣", "2147483648"]))
    return st.one_of(
        st.text(hostile_characters, max_size=40),
        numbers.map(str),
        st.sampled_from([str(i) for i in ids] + ["", "0", "1", "2", "y", "on", "2024-01-23", "approve", "up"]),
        st.sampled_from(HUGE),
        st.builds(lambda a, raw, b: a.encode() + raw + b.encode(),
                  st.text(hostile_characters, max_size=5), st.sampled_from(NOT_UTF8), st.text(max_size=5)),
    )


def form_data(names: set[str], ids: list[int]):
    """A list of (name, value) pairs: some declared fields left out, some repeated, some unknown added."""
    field_value = st.one_of(values(ids).map(lambda v: [v]), st.lists(values(ids), min_size=2, max_size=3))
    declared = st.fixed_dictionaries({}, optional={name: field_value for name in sorted(names)})
    extra = st.dictionaries(st.text(hostile_characters, min_size=1, max_size=10), field_value, max_size=2)
    return st.builds(lambda d, e: [(k, v) for k, vs in (d | e).items() for v in vs], declared, extra)


def urlencoded(pairs) -> bytes:
    def encode(part):
        return quote_from_bytes(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs).encode("ascii")


# --- the world ------------------------------------------------------------------------


@pytest.fixture
def world(app, client, factory, monkeypatch):
    """Every kind of row a POST route's URL names, and one user per role."""
    from app.models import (
        Attachment,
        ExchangeKind,
        Notification,
        OutboxMail,
        OutboxStatus,
        Role,
        SubmissionState,
    )

    # A valid build request would typeset a whole book per example; the
    # fuzzing is about the request, the build has tests of its own.
    monkeypatch.setattr("app.background.builds.run_build", lambda edition_id: None)
    conference = factory.conference()
    ours = factory.organisation("fuzz-ours")
    users = {
        "submitter": factory.user(Role.SUBMITTER, organisation=ours, username="fuzz-submitter"),
        "reviewer": factory.user(Role.REVIEWER, username="fuzz-reviewer"),
        "editor": factory.user(Role.EDITOR, username="fuzz-editor"),
        "admin": factory.user(Role.ADMIN, username="fuzz-admin"),
    }
    draft = factory.submission(factory.invitation(conference, ours), author=users["submitter"])
    keep_revision(draft, "save", actor=users["submitter"])  # an earlier draft to put back
    unstarted = factory.invitation(conference, ours, kind=ExchangeKind.ORAL)
    # One live piece per bureau and kind: the ministry's pieces come from other bureaus.
    submitted = factory.submission(factory.invitation(conference), state=SubmissionState.SUBMITTED)
    approved = approved_piece(factory, conference)
    notification = Notification(user_id=users["submitter"].id, submission_id=draft.id, text_en="Fuzz",
                                text_zh="模糊测试", link="/")
    mail = OutboxMail(to_address="a@example.cn", subject="s", body_text="b", status=OutboxStatus.FAILED, attempts=5)
    factory.db.session.add_all([mail, notification])
    factory.commit()
    client.post("/login", data={"username": "fuzz-submitter", "password": PASSWORD})
    uploaded = client.post(f"/submissions/{draft.id}/attachments",
                           data={"file": (BytesIO((FIXTURES / "iguana.jpg").read_bytes()), "iguana.jpg")})
    assert uploaded.status_code == 302, uploaded.status_code
    client.post("/logout")
    attachment_id = factory.db.session.scalars(sa.select(Attachment.id).filter_by(submission_id=draft.id)).one()
    edition = _edition(factory, conference, users["editor"])
    return {
        "url": {
            "/submissions/start": {"invitation_id": unstarted.id},
            "/submissions/": {"submission_id": draft.id, "attachment_id": attachment_id, "number": 1},
            "/review/": {"submission_id": submitted.id, "user_id": users["reviewer"].id,
                         "conference_id": conference.id},
            "/proceedings/": {"slug": conference.slug, "submission_id": approved.id, "number": edition.number},
            "/conference/": {"conference_id": conference.id, "invitation_id": unstarted.id,
                             "task_id": conference.key_tasks[1].id},
            "/admin/": {"user_id": users["submitter"].id},
            "/record/": {"mail_id": mail.id},
            "/notifications/": {"notification_id": notification.id},
        },
        "ids": sorted({draft.id, submitted.id, approved.id, unstarted.id, conference.id, mail.id,
                       *(task.id for task in conference.key_tasks), *(u.id for u in users.values())}),
    }


def _edition(factory, conference, editor):
    from datetime import date

    from app.models import ProceedingsEdition

    edition = ProceedingsEdition(conference_id=conference.id, number=1, edition_date=date(2024, 1, 23),
                                 built_by_id=editor.id)
    factory.db.session.add(edition)
    factory.commit()
    return edition


def url_values(rule, world) -> dict:
    """Real ids for the rule's parameters; for an ``any(...)`` the strategy draws one of its words."""
    chosen = {}
    for prefix, values_for_prefix in sorted(world["url"].items(), key=lambda item: -len(item[0])):
        if rule.rule.startswith(prefix):
            chosen = values_for_prefix
            break
    result = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            result[name] = st.sampled_from(sorted(converter.items))
        else:
            result[name] = st.just(chosen[name])
    return result


# --- what must hold -------------------------------------------------------------------


def fingerprint(db) -> dict:
    """Every table but the audit log: its row count and a digest of its rows."""
    prints = {}
    with db.engine.connect() as connection:
        for name, table in db.metadata.tables.items():
            if name in NOT_FINGERPRINTED:
                continue
            rows = sorted(repr(tuple(row)) for row in connection.execute(sa.select(table)))
            prints[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return prints


def refused(response) -> bool:
    if response.status_code >= 400:
        return True
    return response.status_code == 200 and response.mimetype == "text/html" and b"has-error" in response.data


@pytest.mark.parametrize("rule_text", POST_ROUTES)
def test_a_fuzzed_post_never_fails_and_a_refused_one_changes_nothing(rule_text, app, client, db, world):
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text and "POST" in r.methods)
    role = role_for(rule_text)
    if role:
        assert client.post("/login", data={"username": f"fuzz-{role}", "password": PASSWORD}).status_code == 302
    names = field_names(app.view_functions[rule.endpoint])
    adapter = app.url_map.bind("huibian.test")

    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(url=st.fixed_dictionaries(url_values(rule, world)), data=form_data(names, world["ids"]))
    def post(url, data):
        path = adapter.build(rule.endpoint, url, method="POST")
        before = fingerprint(db)
        response = client.post(path, data=urlencoded(data), content_type="application/x-www-form-urlencoded")
        db.session.remove()  # as at the end of a real request: anything not committed is gone
        assert response.status_code < 500, (path, response.status_code, response.get_data(as_text=True)[:2000])
        if refused(response):
            assert fingerprint(db) == before, (path, response.status_code)

    post()


def test_the_fuzzing_reaches_every_post_route_and_the_fields_its_views_read():
    """Without this, a route whose fields were missed would be fuzzed with unknown names only and pass."""
    from app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "fuzz-route-listing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    post_rules = {rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert post_rules - SKIPPED == set(POST_ROUTES)

    def fields(endpoint):
        return field_names(app.view_functions[endpoint])

    assert {"title", "subtitle", "key_task_ids", "abstract", "body", "planned_minutes", "lock_version"} <= fields(
        "submissions.save")
    assert {"outcome", "comment", "version_seen"} <= fields("review.decide")
    assert {"document", "lock_version"} <= fields("submissions.import_document")
    assert "body" in fields("submissions.preview")  # read straight from request.form
    assert {"username", "password"} <= fields("auth.login")
