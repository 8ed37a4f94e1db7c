"""Two reviewers deciding the same piece at the same moment, on PostgreSQL.

Each reviewer works in a thread of its own, with its own database session
and connection; a barrier makes sure both have loaded the submission
(state "submitted") before either writes. The optimistic lock on
``Submission.lock_version`` must let exactly one decision through.
"""
import threading

import pytest

from app.domain import workflow
from app.domain.errors import ConcurrentChange
from app.domain.workflow import Action, apply_transition
from app.models import AuditEvent, Decision, Role, Submission, SubmissionState, User


@pytest.fixture
def postgres_only(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the race is tested on PostgreSQL, with real row locks")


@pytest.fixture
def contested(factory, postgres_only):
    submission = factory.submission(state=SubmissionState.SUBMITTED)
    alice = factory.user(Role.REVIEWER, username="alice", display_name="Alice Reviewer")
    bob = factory.user(Role.REVIEWER, username="bob", display_name="Bob Reviewer")
    factory.commit()
    return submission.id, alice.id, bob.id


def run_together(*jobs):
    results, threads = {}, []
    for name, job in jobs:
        def target(name=name, job=job):
            try:
                results[name] = job()
            except Exception as error:  # noqa: BLE001 - the test inspects what each side got
                results[name] = error
        threads.append(threading.Thread(target=target))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_sessions_deciding_at_once_record_exactly_one_decision(app, db, contested):
    submission_id, alice_id, bob_id = contested
    both_loaded = threading.Barrier(2, timeout=10)

    def decide(user_id, action, comment):
        def job():
            with app.app_context():  # a session and connection of its own
                submission = db.session.get(Submission, submission_id)
                actor = db.session.get(User, user_id)
                assert submission.state is SubmissionState.SUBMITTED
                both_loaded.wait()
                try:
                    apply_transition(submission, action, actor=actor, comment=comment)
                    db.session.commit()
                    return "recorded"
                except ConcurrentChange as refusal:
                    db.session.rollback()
                    return refusal
                finally:
                    db.session.remove()
        return job

    results = run_together(("alice", decide(alice_id, Action.APPROVE, "")),
                           ("bob", decide(bob_id, Action.REJECT, "不符合要求。")))

    outcomes = sorted(type(r).__name__ if not isinstance(r, str) else r for r in results.values())
    assert outcomes == ["ConcurrentChange", "recorded"], results
    loser = next(r for r in results.values() if isinstance(r, ConcurrentChange))
    assert "at the same moment" in loser.message and loser.http_status == 409
    db.session.expire_all()
    decisions = db.session.query(Decision).all()
    assert len(decisions) == 1
    submission = db.session.get(Submission, submission_id)
    winner = "alice" if results["alice"] == "recorded" else "bob"
    assert submission.state is (SubmissionState.APPROVED if winner == "alice" else SubmissionState.REJECTED)
    assert db.session.query(AuditEvent).filter(AuditEvent.action.in_(["approve", "reject"])).count() == 1


def test_through_the_web_the_second_reviewer_gets_a_409_naming_the_first(app, db, contested, monkeypatch):
    submission_id, alice_id, bob_id = contested
    both_loaded = threading.Barrier(2, timeout=10)
    real_may_act = workflow.may_act
    waited = threading.local()

    def may_act_then_wait(user, submission, transition):
        # Both requests have loaded the piece and checked the table; only then may either write.
        allowed = real_may_act(user, submission, transition)
        if not getattr(waited, "done", False):
            waited.done = True
            both_loaded.wait()
        return allowed

    monkeypatch.setattr(workflow, "may_act", may_act_then_wait)

    def post_as(username, data):
        def job():
            with app.app_context():  # each reviewer's requests get a session of their own
                client = app.test_client()
                client.post("/login", data={"username": username, "password": "correct horse battery"})
                response = client.post(f"/review/{submission_id}/decide", data=data)
                db.session.remove()
                return response.status_code, response.get_data(as_text=True)
        return job

    results = run_together(
        ("alice", post_as("alice", {"outcome": "approve", "version_seen": "1"})),
        ("bob", post_as("bob", {"outcome": "request_changes", "comment": "请补充。", "version_seen": "1"})),
    )
    assert all(isinstance(r, tuple) for r in results.values()), results
    statuses = sorted(status for status, _ in results.values())
    assert statuses == [302, 409], {k: v[0] for k, v in results.items()}
    loser_page = next(text for status, text in results.values() if status == 409)
    winner = next(name for name, (status, _) in results.items() if status == 302)
    assert "at the same moment" in loser_page
    assert f"by {winner.capitalize()} Reviewer" in loser_page
    db.session.expire_all()
    assert db.session.query(Decision).count() == 1
