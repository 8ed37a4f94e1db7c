"""Every screen, in Chromium: the main pages of each role in both languages pass axe-core
with no serious or critical violation; the submitter's pages fit a 390 px phone without
sideways scrolling; the draft page can be worked by keyboard with a visible focus."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from app.models import Conference, Submission, SubmissionState, User

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
DEMO_PASSWORD = "huibian-demo-2024"
# Screenshots at phone width, for a person to look at after a run.
SCREENSHOTS = Path(__import__("tempfile").gettempdir()) / "huibian-screens-390"
SCREENSHOTS.mkdir(exist_ok=True)


@pytest.fixture
def demo(app, db):
    """The demo conference with its sample pieces, in every state, as `make run` shows it."""
    from app.seed.sample_content import seed_sample_content

    seed_sample_content()
    db.session.commit()
    draft = db.session.scalar(sa.select(Submission).where(Submission.state == SubmissionState.DRAFT))
    approved = db.session.scalar(sa.select(Submission).where(Submission.state == SubmissionState.APPROVED))
    conference = db.session.scalar(sa.select(Conference))
    return {"draft": draft, "approved": approved, "conference": conference,
            "draft_author": db.session.get(User, draft.created_by_id).username,
            "approved_author": db.session.get(User, approved.created_by_id).username}


def pages_of(demo) -> dict[str, tuple[str, list[str]]]:
    """Each role's account and main pages."""
    draft, approved, conference = demo["draft"], demo["approved"], demo["conference"]
    return {
        "submitter": (demo["draft_author"], ["/", f"/submissions/{draft.id}", "/notifications/", "/account",
                                             "/proceedings/published"]),
        "submitter with a version": (demo["approved_author"], [f"/submissions/{approved.id}",
                                                               f"/submissions/{approved.id}/versions/1"]),
        "reviewer": ("reviewer1", ["/", "/review/", f"/review/{approved.id}", "/notifications/"]),
        "editor": ("editor", ["/", "/review/coverage", f"/conference/{conference.id}",
                              f"/conference/{conference.id}/invitations", f"/proceedings/{conference.slug}/",
                              "/record/"]),
        "administrator": ("admin", ["/admin/accounts", "/admin/accounts/new", "/record/failed-mail"]),
    }


def log_in(page, username):
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def serious_violations(page) -> list[str]:
    # Through the DevTools protocol: the page's CSP rightly refuses injected <script> tags.
    page.evaluate(AXE.read_text() + "\n;true")
    result = page.evaluate("""() => axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
        resultTypes: ['violations']})""")
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_main_pages_of_every_role_pass_axe(db, page, demo, language):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make test`, which installs it from the npm registry.")
    db.session.execute(sa.update(User).values(locale=language))
    db.session.commit()
    found = {}
    page.goto("/login")
    found["login"] = serious_violations(page)
    for role, (username, paths) in pages_of(demo).items():
        log_in(page, username)
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, (role, path)
            problems = serious_violations(page)
            if problems:
                found[f"{role} {path}"] = problems
    assert {where: problems for where, problems in found.items() if problems} == {}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_submitters_pages_fit_a_phone_without_sideways_scrolling(db, browser, live_server, demo, language,
                                                                      tmp_path):
    db.session.execute(sa.update(User).values(locale=language))
    db.session.commit()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844},
                                  device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    too_wide = {}
    for role in ("submitter", "submitter with a version"):
        username, paths = pages_of(demo)[role]
        log_in(page, username)
        for path in paths:
            page.goto(path)
            page.screenshot(path=str(SCREENSHOTS / f"{language}{path.replace('/', '_')}.png"), full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                too_wide[path] = page.evaluate("""() => [...document.querySelectorAll('body *')]
                    .filter(el => el.getBoundingClientRect().right > 390.5)
                    .map(el => el.tagName + '.' + el.className + '#' + el.id + ' ' + Math.round(el.getBoundingClientRect().right))
                    .slice(0, 6)""")
    context.close()
    assert too_wide == {}


def test_the_draft_page_is_worked_by_keyboard_with_a_visible_focus(db, page, demo):
    log_in(page, demo["draft_author"])
    page.goto(f"/submissions/{demo['draft'].id}")
    page.locator("#body-editor .ProseMirror").wait_for()
    page.focus("#title")
    reached, invisible = [], []
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const visible = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
                || style.boxShadow !== 'none';
            const name = el.classList.contains('ProseMirror') ? 'the body editor'
                : el.getAttribute('data-command') || el.id || el.getAttribute('name') || el.textContent.trim().slice(0, 20);
            return {name,
                    tag: el.tagName, visible};
        }""")
        if focused["tag"] == "BODY":
            break  # past the last control of the page
        reached.append(focused["name"])
        if not focused["visible"]:
            invisible.append(f"{focused['tag']} {focused['name']}")
    assert {"bold", "insertTable", "footnote", "the body editor"} <= set(reached)
    assert invisible == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_queues_menus_show_their_chosen_words_whole(db, browser, live_server, demo, language):
    db.session.execute(sa.update(User).values(locale=language))
    db.session.commit()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, "reviewer1")
    page.goto("/review/")
    cut_off = page.evaluate("""() => [...document.querySelectorAll('.queue-filters select')].filter(select => {
        const probe = document.createElement('span');
        probe.style.font = getComputedStyle(select).font;
        probe.style.position = 'absolute';
        probe.textContent = select.options[select.selectedIndex].text;
        document.body.appendChild(probe);
        const needed = probe.getBoundingClientRect().width + 36;  // the padding and the arrow
        probe.remove();
        return needed > select.getBoundingClientRect().width;
    }).map(select => select.name)""")
    context.close()
    assert cut_off == []
