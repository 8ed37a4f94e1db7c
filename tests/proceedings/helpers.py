"""Approved pieces through the real workflow, for the proceedings tests."""
from __future__ import annotations

from app.domain.workflow import Action, apply_transition
from app.models import ExchangeKind, Role, SubmissionState

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
