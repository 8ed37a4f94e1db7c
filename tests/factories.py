"""Factories for tests: real rows through the real domain code, no mocks."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from app.domain.accounts import create_user
from app.domain.workflow import Action, apply_transition
from app.models import (
    Conference,
    ExchangeKind,
    Invitation,
    KeyTask,
    Organisation,
    Role,
    Submission,
    SubmissionState,
    User,
)

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


class Factory:
    def __init__(self, db):
        self.db = db

    def commit(self):
        self.db.session.commit()

    def conference(self, **values) -> Conference:
        n = next(_seq)
        conference = Conference(
            slug=values.pop("slug", f"conf-{n}"),
            title_zh=values.pop("title_zh", f"第{n}届全国生态环境保护工作会议"),
            title_en=values.pop("title_en", f"National Conference {n}"),
            organiser_zh="生态环境部", organiser_en="Ministry of Ecology and Environment",
            city_zh="北京", city_en="Beijing",
            starts_on=values.pop("starts_on", date(2024, 1, 23)), ends_on=values.pop("ends_on", date(2024, 1, 24)),
            **values,
        )
        self.db.session.add(conference)
        for number, (zh, en) in enumerate([("积极推进美丽中国先行区建设", "Beautiful China Pilot Zone"),
                                           ("持续深入打好污染防治攻坚战", "Pollution prevention and control"),
                                           ("确保核与辐射安全", "Nuclear and radiation safety")], start=1):
            conference.key_tasks.append(KeyTask(number=number, title_zh=zh, title_en=en))
        self.db.session.flush()
        return conference

    def organisation(self, code: str | None = None, **values) -> Organisation:
        n = next(_seq)
        organisation = Organisation(
            code=code or f"bureau-{n}", name_zh=values.pop("name_zh", f"测试省生态环境厅{n}"),
            name_en=values.pop("name_en", f"Test Provincial Department {n}"), region_zh="测试省", **values,
        )
        self.db.session.add(organisation)
        self.db.session.flush()
        return organisation

    def user(self, role: Role = Role.SUBMITTER, organisation: Organisation | None = None,
             username: str | None = None, **values) -> User:
        if role is Role.SUBMITTER and organisation is None:
            organisation = self.organisation()
        user = create_user(
            username=username or f"{role.value}{next(_seq)}", display_name=values.pop("display_name", "测试用户"),
            role=role, password=values.pop("password", PASSWORD), organisation=organisation,
            email=values.pop("email", None),
        )
        self.db.session.flush()
        return user

    def invitation(self, conference: Conference | None = None, organisation: Organisation | None = None,
                   kind: ExchangeKind = ExchangeKind.WRITTEN, due_in: timedelta = timedelta(days=10),
                   **values) -> Invitation:
        invitation = Invitation(
            conference=conference or self.conference(), organisation=organisation or self.organisation(),
            kind=kind, due_at=values.pop("due_at", datetime.now(timezone.utc) + due_in), **values,
        )
        self.db.session.add(invitation)
        self.db.session.flush()
        return invitation

    def submission(self, invitation: Invitation | None = None, author: User | None = None,
                   state: SubmissionState = SubmissionState.DRAFT, **values) -> Submission:
        """A submission with content; in a state other than draft, reached through the workflow."""
        invitation = invitation or self.invitation()
        if author is None:
            author = self.user(Role.SUBMITTER, organisation=invitation.organisation)
        from app.domain.submissions.bodies.rendering import render_body

        body = values.pop("body_source", "## 一、主要做法\n\n我们坚持以习近平生态文明思想为指导。\n\nWe kept the blue sky.")
        body_format = values.pop("body_format", "markdown")
        submission = Submission(
            invitation=invitation, organisation_id=invitation.organisation_id,
            conference_id=invitation.conference_id, kind=invitation.kind, created_by_id=author.id,
            title=values.pop("title", "深入打好蓝天保卫战的实践与思考"),
            subtitle=values.pop("subtitle", ""),
            speaker_name=values.pop("speaker_name", "张三" if invitation.kind is ExchangeKind.ORAL else ""),
            speaker_post=values.pop("speaker_post", "厅长" if invitation.kind is ExchangeKind.ORAL else ""),
            abstract=values.pop("abstract", "摘要：本文介绍了我省的经验。"),
            body_source=body, body_format=body_format, body_html=render_body(body, source_format=body_format).html,
            **values,
        )
        submission.key_tasks = [invitation.conference.key_tasks[0]]
        self.db.session.add(submission)
        self.db.session.flush()
        if state is not SubmissionState.DRAFT:
            self.move_to(submission, state, author=author)
        return submission

    def extension(self, invitation: Invitation, new_due_at: datetime, reason: str = "因疫情延期 Delayed by floods",
                  granted_by: User | None = None):
        """An editor's extension of one invitation's due date, recorded as the model keeps it."""
        from app.models import Extension

        extension = Extension(invitation=invitation, new_due_at=new_due_at, reason=reason,
                              granted_by_id=(granted_by or self.user(Role.EDITOR)).id)
        self.db.session.add(extension)
        self.db.session.flush()
        return extension

    def ministry_user(self, role: Role = Role.REVIEWER) -> User:
        return self.user(role)

    def move_to(self, submission: Submission, state: SubmissionState, *, author: User) -> Submission:
        """Drive the real workflow until ``submission`` stands in ``state``."""
        reviewer = self.user(Role.EDITOR)
        paths = {
            SubmissionState.SUBMITTED: [(Action.SUBMIT, author)],
            SubmissionState.APPROVED: [(Action.SUBMIT, author), (Action.APPROVE, reviewer)],
            SubmissionState.REJECTED: [(Action.SUBMIT, author), (Action.REJECT, reviewer)],
            SubmissionState.CHANGES_REQUESTED: [(Action.SUBMIT, author), (Action.REQUEST_CHANGES, reviewer)],
            SubmissionState.WITHDRAWN: [(Action.WITHDRAW, author)],
            SubmissionState.SUPERSEDED: [(Action.SUBMIT, author), (Action.REJECT, reviewer),
                                         (Action.REQUEST_REPLACEMENT, reviewer)],
        }
        for action, actor in paths[state]:
            apply_transition(submission, action, actor=actor, comment="请补充数据。 Please add figures.")
        self.db.session.flush()
        return submission


# --- approved pieces through the real workflow, for the proceedings tests -------------

ZH_BODY = "## 一、主要做法\n\n我省坚持精准治污、科学治污、依法治污，全年优良天数比例达到百分之八十七。\n\n## 二、下一步打算\n\n持续深入打好蓝天、碧水、净土保卫战。"
EN_BODY = "## What we did\n\nThe bureau inspected forty-two counties and closed 346 cases.\n\n## Next steps\n\nWe will extend the pilot to every prefecture."


def approved_piece(factory, conference, *, kind=ExchangeKind.WRITTEN, title="深入打好蓝天保卫战",
                   body=ZH_BODY, speaking_order=None, organisation=None, state=SubmissionState.APPROVED):
    invitation = factory.invitation(conference=conference, organisation=organisation, kind=kind,
                                    speaking_order=speaking_order)
    return factory.submission(invitation=invitation, state=state, title=title, body_source=body)


def revise_and_approve(factory, submission, *, editor_user, title):
    """Reopen an approved piece, change it, resubmit and approve the new version."""
    from app.domain.submissions.bodies.rendering import render_body

    apply_transition(submission, Action.REOPEN, actor=editor_user, comment="请更新数据。")
    author = factory.user(Role.SUBMITTER, organisation=submission.organisation)
    submission.title = title
    submission.body_html = render_body(submission.body_source).html
    apply_transition(submission, Action.RESUBMIT, actor=author)
    apply_transition(submission, Action.APPROVE, actor=editor_user)
    factory.db.session.flush()
    return submission


# --- many pieces at once, for query-count tests and benchmarks --------------------------

def bulk_pieces(factory, conference, n: int, *, author: User, reviewer: User, body_html: str = "<p>一二三。</p>"):
    """``n`` bureaus each invited to ``conference`` with one sent piece, in a handful of bulk INSERTs.

    Thirds of the pieces are approved, asked for changes (with a comment) and
    waiting; each has one version with an attachment, a reviewer, its first
    key task and an audit event. No workflow runs: rows only, as the workflow
    would have left them, so that a thousand pieces take a second or two.
    """
    from app.domain.submissions.bodies.rendering import character_count
    from app.models import AuditEvent, Decision, DecisionOutcome, ReviewAssignment, SubmissionVersion
    from app.models import submission_key_task
    from app.models.summary_stamp import mark_changed

    session, now, start = factory.db.session, datetime.now(timezone.utc), next(_seq)
    insert = lambda model, rows: list(session.scalars(  # noqa: E731 - one line a table below
        sa.insert(model).returning(model.id, sort_by_parameter_order=True), rows))
    states = [SubmissionState.APPROVED, SubmissionState.CHANGES_REQUESTED, SubmissionState.SUBMITTED]
    org_ids = insert(Organisation, [dict(code=f"bulk-{start}-{i}", name_zh=f"批量省生态环境厅{start}-{i}",
                                         name_en=f"Bulk Department {start}-{i}", region_zh="批量省")
                                    for i in range(n)])
    invitation_ids = insert(Invitation, [dict(conference_id=conference.id, organisation_id=org,
                                              kind=ExchangeKind.WRITTEN, due_at=now - timedelta(days=1))
                                         for org in org_ids])
    submission_ids = insert(Submission, [dict(
        invitation_id=inv, organisation_id=org, conference_id=conference.id, kind=ExchangeKind.WRITTEN,
        state=states[i % 3], title=f"材料{i}：深入打好蓝天保卫战", speaker_name="张三", speaker_post="厅长",
        body_html=body_html, created_by_id=author.id, submitted_at=now,
        decided_at=now if states[i % 3] is not SubmissionState.SUBMITTED else None)
        for i, (inv, org) in enumerate(zip(invitation_ids, org_ids))])
    task = conference.key_tasks[0]
    session.execute(sa.insert(submission_key_task), [dict(submission_id=s, key_task_id=task.id) for s in submission_ids])
    version_ids = insert(SubmissionVersion, [dict(
        submission_id=s, number=1, title=f"材料{i}：深入打好蓝天保卫战", speaker_name="张三", speaker_post="厅长",
        body_html=body_html, character_count=character_count(body_html), content_hash=f"{i:064x}",
        created_by_id=author.id, key_tasks=[{"id": task.id, "number": task.number, "title_zh": task.title_zh, "title_en": task.title_en}],
        attachments=[{"sha256": f"{i:064x}", "name": "附件.pdf", "size": 10, "file_type": "pdf", "in_body": False}])
        for i, s in enumerate(submission_ids)])
    table = Submission.__table__
    session.execute(table.update().where(table.c.id == sa.bindparam("sid"))
                    .values(latest_version_id=sa.bindparam("vid")),
                    [dict(sid=s, vid=v) for s, v in zip(submission_ids, version_ids)])
    outcomes = {SubmissionState.APPROVED: DecisionOutcome.APPROVE,
                SubmissionState.CHANGES_REQUESTED: DecisionOutcome.REQUEST_CHANGES}
    insert(Decision, [dict(submission_id=s, version_id=v, outcome=outcomes[states[i % 3]], decided_by_id=reviewer.id,
                           comment="请补充数据。" if i % 3 == 1 else "")
                      for i, (s, v) in enumerate(zip(submission_ids, version_ids)) if states[i % 3] in outcomes])
    insert(ReviewAssignment, [dict(submission_id=s, reviewer_id=reviewer.id, assigned_by_id=reviewer.id)
                              for s in submission_ids])
    insert(AuditEvent, [dict(actor_id=author.id, action="submit", object_type="Submission", object_id=s,
                             submission_id=s, from_state="draft", to_state="submitted", detail={})
                        for s in submission_ids])
    session.flush()
    mark_changed(session, [conference.id])  # bulk rows: the session's bookkeeping did not see them
    return submission_ids
