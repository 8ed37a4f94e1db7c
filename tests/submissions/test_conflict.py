"""Two tabs saving the same draft: the later save is refused and nothing is lost."""
from app.models import Submission
from tests.helpers import page_text
from tests.submissions.conftest import draft_data


def test_the_later_of_two_saves_from_the_same_load_is_refused_with_both_texts(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    first_tab = draft_data(draft, body="第一个标签页的文字 first tab")
    second_tab = draft_data(draft, body="第二个标签页的文字 second tab")  # loaded at the same lock version

    assert client.post(f"/submissions/{draft.id}/save", data=first_tab).status_code == 302
    response = client.post(f"/submissions/{draft.id}/save", data=second_tab)

    assert response.status_code == 409
    text = page_text(response)
    assert "Your changes were NOT saved" in text
    assert "第二个标签页的文字 second tab" in text  # the user's unsaved text
    assert "第一个标签页的文字 first tab" in text  # what was saved meanwhile
    db.session.expire_all()
    assert db.session.get(Submission, draft.id).body_source == "第一个标签页的文字 first tab"


def test_the_conflict_page_offers_the_users_text_with_the_current_lock(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    stale = draft_data(draft, body="mine")
    client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, body="theirs"))
    html = client.post(f"/submissions/{draft.id}/save", data=stale).get_data(as_text=True)
    db.session.expire_all()
    current = db.session.get(Submission, draft.id).lock_version
    assert f'name="lock_version" type="hidden" value="{current}"' in html
    # Saving from the conflict page is a deliberate choice and succeeds.
    again = client.post(f"/submissions/{draft.id}/save", data={**stale, "lock_version": current})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Submission, draft.id).body_source == "mine"


def test_changing_only_the_key_tasks_still_moves_the_lock(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    before = draft.lock_version
    tasks = setting.conference.key_tasks
    client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, key_task_ids=[tasks[2].id]))
    db.session.expire_all()
    assert db.session.get(Submission, draft.id).lock_version == before + 1


def test_an_import_from_a_stale_page_is_refused_too(client, auth, db, setting, draft):
    import io

    from tests.helpers import FIXTURES

    auth.login(setting.ours.user.username)
    stale_version = draft.lock_version
    client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, body="saved in another tab"))
    response = client.post(f"/submissions/{draft.id}/import", data={
        "lock_version": stale_version,
        "document": (io.BytesIO((FIXTURES / "single-paragraph.docx").read_bytes()), "a.docx")})
    assert response.status_code == 409
    assert "Someone saved this submission after you opened it." in page_text(response)
    db.session.expire_all()
    assert db.session.get(Submission, draft.id).body_source == "saved in another tab"
