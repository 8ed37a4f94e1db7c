"""Fill a migrated database with N pieces, fast: bulk inserts, no workflow.

Shared by ``benchmarks/pages.py`` and ``benchmarks/rush.py``. Five
conferences; every bureau is invited to each for both kinds (an invitation
is unique per conference, bureau and kind), so N pieces take N / 10 bureaus
and a bureau's home shows ten invitations at any N. A sixth, small conference
invites the same ten bureaus at any N (20 more pieces): a page that lists a
whole conference is measured on it, so that a growing database, not a growing
conference, is what the figures compare. The search word is in the same
number of pieces at any N, so that a search's page holds the same rows. States, versions,
comments, decisions and notifications are spread as a season leaves them:
about eight notifications a piece, most of them to the reviewers.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

CONFERENCES = 5
#: Bureaus invited to the small conference at any N.
SMALL_CONFERENCE_BUREAUS = 10
#: Pieces whose title and body hold SEARCH_WORD, at any N.
SEARCH_MATCHES = 60
PASSWORD = "correct horse battery"
# A word that several titles and bodies hold, for the search.
SEARCH_WORD = "蓝天保卫战"

_SENTENCES = [
    "我省坚持精准治污、科学治污、依法治污，全年优良天数比例达到百分之八十七。",
    "持续深入打好蓝天、碧水、净土保卫战，重点区域细颗粒物浓度同比下降百分之六。",
    "推进长江流域水生态保护修复，完成入河排污口排查整治一千二百余个。",
    "加快建立健全生态产品价值实现机制，开展碳排放权交易试点。",
    "强化核与辐射安全监管，全年未发生辐射事故。",
    "完善生态环境损害赔偿制度，办理案件三百四十六件。",
]


@dataclass
class Seeded:
    conference_ids: list[int]
    conference_slugs: list[str]
    # The conference of SMALL_CONFERENCE_BUREAUS bureaus (not in conference_ids).
    small_conference_id: int = 0
    small_conference_slug: str = ""
    reviewer: str = "bench-reviewer"
    editor: str = "bench-editor"
    bureau_users: list[str] = field(default_factory=list)
    # (submission id, bureau username) of pieces in each state, for the drivers.
    drafts: list[tuple[int, str]] = field(default_factory=list)
    submitted: list[tuple[int, str]] = field(default_factory=list)
    reviewed_piece: int = 0  # a submitted piece with two versions and comments
    bureau_piece: tuple[int, str] = (0, "")


def _body(rng: random.Random, with_word: bool) -> tuple[str, str]:
    paragraphs = ["".join(rng.choice(_SENTENCES) for _ in range(6)) for _ in range(8)]
    if with_word:
        paragraphs[3] = f"深入打好{SEARCH_WORD}，" + paragraphs[3]
    source = "## 一、主要做法\n\n" + "\n\n".join(paragraphs[:4]) + "\n\n## 二、下一步打算\n\n" + "\n\n".join(paragraphs[4:])
    html = (f"<h2>一、主要做法</h2>" + "".join(f"<p>{p}</p>" for p in paragraphs[:4])
            + "<h2>二、下一步打算</h2>" + "".join(f"<p>{p}</p>" for p in paragraphs[4:]))
    return source, html


def seed(engine: sa.Engine, pieces: int, *, seed_value: int = 13) -> Seeded:
    """Insert ``pieces`` pieces (rounded to a multiple of ten) with their people and history."""
    from app.domain.accounts import hash_password
    from app.domain.submissions.bodies.rendering import character_count
    from app.domain.submissions.search import search_text
    from app.models import (
        Comment, Conference, Decision, Invitation, KeyTask, Notification, Organisation, ReviewAssignment,
        Submission, SubmissionVersion, User, submission_key_task,
    )

    rng = random.Random(seed_value)
    bureaus = max(1, pieces // (CONFERENCES * 2))
    password = hash_password(PASSWORD)
    now = datetime.now(timezone.utc)
    t = {m: m.__table__ for m in (Conference, KeyTask, Organisation, User, Invitation, Submission,
                                   SubmissionVersion, Comment, Decision, Notification, ReviewAssignment)}

    def insert(conn, model, rows):
        if not rows:
            return []
        return list(conn.scalars(sa.insert(t[model]).returning(t[model].c.id, sort_by_parameter_order=True), rows))

    with engine.begin() as conn:
        conf_ids = insert(conn, Conference, [dict(
            slug=f"bench-{n}", title_zh=f"第{n}届全国生态环境保护工作会议", title_en=f"National Conference {n}",
            organiser_zh="生态环境部", organiser_en="Ministry", city_zh="北京", city_en="Beijing",
            starts_on=date(2026, 1, 10 + n), ends_on=date(2026, 1, 11 + n), timezone="Asia/Shanghai",
            state="open", review_restricted_to_assigned=False, proceedings_cover_note="", proceedings_foreword="",
            created_at=now) for n in range(1, CONFERENCES + 2)])
        *conf_ids, small_conference = conf_ids
        tasks = {c: insert(conn, KeyTask, [dict(conference_id=c, number=k, title_zh=f"重点任务{k}",
                                                title_en=f"Key task {k}", summary_en="") for k in (1, 2, 3)])
                 for c in conf_ids + [small_conference]}
        ministry, *orgs = insert(conn, Organisation, [dict(code="mee", name_zh="生态环境部", name_en="Ministry",
                                                           region_zh="", is_ministry=True)] + [
            dict(code=f"b{n:04d}", name_zh=f"第{n}省生态环境厅", name_en=f"Province {n} Department",
                 region_zh="", is_ministry=False) for n in range(bureaus)])
        org_names = {o: (f"第{n}省生态环境厅", f"Province {n} Department") for n, o in enumerate(orgs)}
        org_username = {o: f"bench-b{n:04d}" for n, o in enumerate(orgs)}

        def user(username, role, org):
            return dict(username=username, display_name=username, email=None, role=role, organisation_id=org,
                        password_hash=password, is_enabled=True, session_token=f"{username}-token"[:64],
                        locale=None, created_at=now)
        reviewer, editor, *bureau_users = insert(conn, User, [
            user("bench-reviewer", "reviewer", None), user("bench-editor", "editor", None)] + [
            user(f"bench-b{n:04d}", "submitter", o) for n, o in enumerate(orgs)])
        org_user = dict(zip(orgs, bureau_users))
        seeded = Seeded(conf_ids, [f"bench-{n}" for n in range(1, CONFERENCES + 1)],
                        small_conference_id=small_conference, small_conference_slug=f"bench-{CONFERENCES + 1}",
                        bureau_users=[f"bench-b{n:04d}" for n in range(len(orgs))])

        invitations = []
        for c in conf_ids + [small_conference]:
            for o_index, o in enumerate(orgs if c != small_conference else orgs[:SMALL_CONFERENCE_BUREAUS]):
                for kind in ("written", "oral"):
                    invitations.append(dict(conference_id=c, organisation_id=o, kind=kind,
                                            due_at=now + timedelta(days=rng.randint(-5, 20)),
                                            speaking_order=o_index + 1 if kind == "oral" else None, created_at=now))
        inv_ids = insert(conn, Invitation, invitations)

        # Interleaved, so that even ten pieces hold every state a page shows.
        states = ["submitted", "approved", "draft", "submitted", "approved", "changes_requested", "submitted",
                  "approved", "rejected", "submitted", "approved", "withdrawn", "submitted", "approved",
                  "submitted", "draft", "submitted", "approved", "submitted", "changes_requested"]
        subs, plans = [], []
        with_word = {k * len(invitations) // SEARCH_MATCHES for k in range(SEARCH_MATCHES)}
        for i, (inv_id, inv) in enumerate(zip(inv_ids, invitations)):
            state = states[i % len(states)]
            word = i in with_word
            source, html = _body(rng, word)
            title = f"{'深入打好' + SEARCH_WORD + '的' if word else ''}第{i}篇经验材料：{rng.choice(['大气', '水', '土壤', '核安全'])}治理"
            org = inv["organisation_id"]
            speaker = ("张三", "厅长") if inv["kind"] == "oral" else ("", "")
            versions = 0 if state == "draft" else (2 if i % 3 == 0 else 1)
            submitted_at = now - timedelta(hours=rng.randint(1, 500)) if versions else None
            subs.append(dict(invitation_id=inv_id, replaces_id=None, organisation_id=org,
                             conference_id=inv["conference_id"], kind=inv["kind"], state=state, title=title,
                             subtitle="", speaker_name=speaker[0], speaker_post=speaker[1], planned_minutes=None,
                             abstract="摘要：本文介绍了我省的经验。", body_source=source, body_html=html,
                             proceedings_position=None, excluded_from_proceedings=False, exclusion_reason="",
                             created_by_id=org_user[org],
                             created_at=now, updated_at=now, submitted_at=submitted_at,
                             decided_at=now if state in ("approved", "rejected", "changes_requested") else None,
                             lock_version=1))
            plans.append((versions, org, title, speaker, source, html, inv["conference_id"]))
        sub_ids = insert(conn, Submission, subs)
        conn.execute(sa.insert(submission_key_task), [
            dict(submission_id=s, key_task_id=tasks[p[6]][n % 3]) for n, (s, p) in enumerate(zip(sub_ids, plans))])

        versions, latest = [], {}
        for s, (count, org, title, speaker, source, html, _c) in zip(sub_ids, plans):
            for number in range(1, count + 1):
                fields = dict(title=title, subtitle="", speaker_name=speaker[0], speaker_post=speaker[1],
                              abstract="摘要：本文介绍了我省的经验。", body_source=source, body_html=html)
                zh, en = org_names[org]
                versions.append(dict(submission_id=s, number=number, planned_minutes=None, key_tasks=[],
                                     attachments=[], content_hash=f"{s:032x}{number:032x}", created_by_id=reviewer,
                                     created_at=now - timedelta(days=count - number),
                                     search_text=search_text(fields, Organisation(name_zh=zh, name_en=en)),
                                     character_count=character_count(html), **fields))
        version_ids = insert(conn, SubmissionVersion, versions)
        for v_id, v in zip(version_ids, versions):
            latest[v["submission_id"]] = (v_id, v["number"])
        conn.execute(sa.update(t[Submission]).where(t[Submission].c.id == sa.bindparam("sid"))
                     .values(latest_version_id=sa.bindparam("vid")),
                     [dict(sid=s, vid=v) for s, (v, _n) in latest.items()])

        comments, decisions, notes, assignments = [], [], [], []
        for n, (s, sub) in enumerate(zip(sub_ids, subs)):
            owner, username = org_user[sub["organisation_id"]], org_username[sub["organisation_id"]]
            if sub["state"] == "draft":
                seeded.drafts.append((s, username))
                continue
            if sub["state"] == "submitted":
                seeded.submitted.append((s, username))
            if n % 3 == 0:
                comments.append(dict(submission_id=s, author_id=reviewer, body_source="请补充数据。",
                                     body_html="<p>请补充数据。</p>", internal=False, created_at=now))
            if sub["state"] in ("approved", "rejected", "changes_requested"):
                outcome = {"approved": "approve", "rejected": "reject"}.get(sub["state"], "request_changes")
                decisions.append(dict(submission_id=s, version_id=latest[s][0], outcome=outcome,
                                      comment="" if outcome == "approve" else "请补充数据。",
                                      decided_by_id=reviewer, decided_at=now))
            if n % 4 == 0:
                assignments.append(dict(submission_id=s, reviewer_id=reviewer, assigned_by_id=editor, created_at=now))
            for k in range(8):
                to = (reviewer, editor, owner)[k % 3] if k < 6 else reviewer
                notes.append(dict(user_id=to, submission_id=s, text_en=f"Piece {s} was updated ({k}).",
                                  text_zh=f"材料{s}有更新（{k}）。", link=f"/review/{s}",
                                  created_at=now - timedelta(minutes=n * 8 + k), read_at=None if k % 2 else now))
        insert(conn, Comment, comments)
        insert(conn, Decision, decisions)
        insert(conn, ReviewAssignment, assignments)
        for start in range(0, len(notes), 5000):
            conn.execute(sa.insert(t[Notification]), notes[start:start + 5000])
    two_versions = [s for s, p, sub in zip(sub_ids, plans, subs) if p[0] == 2 and sub["state"] == "submitted"]
    seeded.reviewed_piece = two_versions[0] if two_versions else seeded.submitted[0][0]
    seeded.bureau_piece = seeded.submitted[0]
    return seeded

