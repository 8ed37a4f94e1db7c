"""One wording for each decision: what the reviewer clicks is what the record and the bureau read."""
import pytest
from flask_babel import force_locale

from app.domain.labels import ACTION_LABELS, STATE_LABELS, outcome_label
from app.models import DecisionOutcome, SubmissionState
from app.review.forms import DECISION_CHOICES


@pytest.mark.parametrize(("locale", "words"), [("en", "request"), ("zh", "退回修改")])
def test_request_changes_is_said_one_way_in_each_language(app, locale, words):
    with app.test_request_context(), force_locale(locale):
        button = str(dict(DECISION_CHOICES)["request_changes"])
        said = [button, outcome_label(DecisionOutcome.REQUEST_CHANGES), str(ACTION_LABELS["request_changes"])]
        if locale == "en":
            said.append(str(STATE_LABELS[SubmissionState.CHANGES_REQUESTED]))
    assert all(words in phrase.lower() for phrase in said), said
    assert not any("ask" in phrase for phrase in said)
