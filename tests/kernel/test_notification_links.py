"""Every kind of notification opens the page it names, for every one of its recipients.

The bureau reads a piece on its own page (/submissions/<id>), the ministry
on the review page (/review/<id>); the inbox link is relative and the mail
link absolute, both computed per recipient by the notifications module.
"""
import pytest
import sqlalchemy as sa

from app.domain.review.decisions import assign_reviewer
from app.domain.review.thread import add_comment
from app.domain.workflow import Action, apply_transition
from app.models import Notification, OutboxMail, Role, SubmissionState, User


def bureau_and_ministry(factory, state):
    submission = factory.submission(state=state)
    member = factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation, email="b@example.cn")
    reviewer = factory.user(Role.REVIEWER, email="r@example.cn")
    editor = factory.user(Role.EDITOR, email="e@example.cn")
    return submission, member, reviewer, editor


def by_http(client, auth, user, path):
    auth.login(user.username)
    response = client.post(path)
    assert response.status_code == 302, path
    auth.logout()


# Each event: the state the piece starts in, and how the event happens.
EVENTS = {
    "submit": (SubmissionState.DRAFT,
               lambda s, b, r, e, c, a: by_http(c, a, b, f"/submissions/{s.id}/submit")),
    "withdraw": (SubmissionState.SUBMITTED,
                 lambda s, b, r, e, c, a: by_http(c, a, b, f"/submissions/{s.id}/withdraw")),
    "resubmit": (SubmissionState.CHANGES_REQUESTED,
                 lambda s, b, r, e, c, a: by_http(c, a, b, f"/submissions/{s.id}/submit")),
    "approve": (SubmissionState.SUBMITTED,
                lambda s, b, r, e, c, a: apply_transition(s, Action.APPROVE, actor=r)),
    "request_changes": (SubmissionState.SUBMITTED,
                        lambda s, b, r, e, c, a: apply_transition(s, Action.REQUEST_CHANGES, actor=r, comment="请补充。")),
    "reject": (SubmissionState.SUBMITTED,
               lambda s, b, r, e, c, a: apply_transition(s, Action.REJECT, actor=r, comment="不符合要求。")),
    "reopen": (SubmissionState.APPROVED,
               lambda s, b, r, e, c, a: apply_transition(s, Action.REOPEN, actor=e, comment="请更新数据。")),
    "comment": (SubmissionState.SUBMITTED,
                lambda s, b, r, e, c, a: add_comment(s, "请说明数据来源。", actor=r)),
    "bureau_comment": (SubmissionState.SUBMITTED,
                       lambda s, b, r, e, c, a: add_comment(s, "数据来自统计年鉴。", actor=b)),
    "assign": (SubmissionState.SUBMITTED,
               lambda s, b, r, e, c, a: assign_reviewer(s, r, actor=e)),
}


@pytest.mark.parametrize("event", list(EVENTS))
def test_each_notification_opens_the_page_it_names_for_each_recipient(client, auth, factory, db, event):
    state, happen = EVENTS[event]
    submission, member, reviewer, editor = bureau_and_ministry(factory, state)
    factory.commit()
    before = db.session.scalar(sa.select(sa.func.max(Notification.id))) or 0

    happen(submission, member, reviewer, editor, client, auth)
    db.session.commit()

    notes = db.session.scalars(sa.select(Notification).where(
        Notification.id > before, Notification.submission_id == submission.id)).all()
    assert notes, f"{event} told nobody"
    for note in notes:
        recipient = db.session.get(User, note.user_id)
        page = (f"/review/{submission.id}" if recipient.role in (Role.REVIEWER, Role.EDITOR)
                else f"/submissions/{submission.id}")
        assert note.link == page, (event, recipient.role)
        auth.login(recipient.username)
        opened = client.post(f"/notifications/{note.id}/read")
        assert opened.headers["Location"] == page, (event, recipient.role)
        landed = client.get(page)
        assert landed.status_code == 200 and submission.title in landed.get_data(as_text=True), (event, page)
        auth.logout()
        if recipient.email:
            mail = db.session.scalars(sa.select(OutboxMail).where(OutboxMail.to_address == recipient.email)
                                      .order_by(OutboxMail.id.desc())).first()
            assert f"http://huibian.test{page}\n" in mail.body_text, (event, recipient.role)
