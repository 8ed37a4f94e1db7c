"""Pages that list grow by pages: coverage, the homes, the queue keep their filters across pages."""
import re

from app.domain.conference.home import HOME_INVITATIONS
from app.domain.paging import PAGE_SIZE
from app.models import ExchangeKind, Role, SubmissionState


def bureaus_invited(factory, conference, n):
    return [factory.invitation(conference=conference,
                               organisation=factory.organisation(name_zh=f"第{i:03d}省", name_en=f"Province {i:03d}"))
            for i in range(n)]


def test_coverage_shows_a_page_of_invitations_counts_them_all_and_links_the_other_pages(client, auth, factory):
    conference = factory.conference()
    factory.conference()  # a second one: the page links must keep the conference chosen
    invitations = bureaus_invited(factory, conference, PAGE_SIZE + 5)
    factory.submission(invitation=invitations[-1], state=SubmissionState.SUBMITTED, title="最后一个单位的材料")
    factory.user(Role.EDITOR, username="chief")
    factory.commit()
    auth.login("chief")

    first = client.get(f"/review/coverage?conference={conference.id}").get_data(as_text=True)
    assert first.count('<th scope="row">') == PAGE_SIZE
    assert "Province 000" in first and "Province 054" not in first
    # Counted over every invitation, not the page: 54 not started, 1 submitted.
    assert re.search(r'state-not_started"><span class="count">54<', first)
    assert re.search(r'state-submitted"><span class="count">1<', first)
    assert f'href="/review/coverage?conference={conference.id}&amp;page=2"' in first
    assert 'aria-current="page"' in first and "Invitations 1–50 of 55" in first

    second = client.get(f"/review/coverage?conference={conference.id}&page=2").get_data(as_text=True)
    assert "Province 054" in second and "Province 000" not in second and "最后一个单位的材料" not in second
    assert "Invitations 51–55 of 55" in second
    assert "Province 054" in client.get(f"/review/coverage?conference={conference.id}&page=999").get_data(as_text=True)
    # The CSV is not paged: every invitation.
    csv = client.get(f"/review/coverage.csv?conference={conference.id}").get_data(as_text=True)
    assert "Province 000" in csv and "Province 054" in csv and "最后一个单位的材料" in csv


def test_the_ministry_home_lists_the_first_invitations_and_points_to_the_rest(client, auth, factory):
    conference = factory.conference(title_zh="大会议")
    bureaus_invited(factory, conference, HOME_INVITATIONS + 3)
    factory.user(Role.EDITOR, username="chief")
    factory.user(Role.REVIEWER, username="reader")
    factory.commit()
    auth.login("chief")
    home = client.get("/").get_data(as_text=True)
    assert f"The first {HOME_INVITATIONS} of {HOME_INVITATIONS + 3} invitations." in home
    assert "Province 000" in home and f"Province {HOME_INVITATIONS + 2:03d}" not in home
    assert f'href="/review/coverage?conference={conference.id}"' in home
    auth.logout()
    auth.login("reader")  # reviewers may not open coverage: the queue instead
    home = client.get("/").get_data(as_text=True)
    assert f'href="/review/?conference={conference.id}&amp;state="' in home


def test_the_ministry_home_pages_its_conferences(client, auth, factory):
    from datetime import date

    for n in range(4):
        factory.conference(title_zh=f"第{n}次会议", starts_on=date(2024, 1, 10 + n), ends_on=date(2024, 1, 11 + n))
    factory.user(Role.EDITOR, username="chief")
    factory.commit()
    auth.login("chief")
    first = client.get("/").get_data(as_text=True)
    assert "第3次会议" in first and "第0次会议" not in first and 'href="/?page=2"' in first
    assert "第0次会议" in client.get("/?page=2").get_data(as_text=True)


def test_the_bureau_home_pages_its_invitations(client, auth, factory):
    organisation = factory.organisation()
    user = factory.user(Role.SUBMITTER, organisation=organisation, username="busy-bureau")
    for _ in range(PAGE_SIZE + 1):
        factory.invitation(organisation=organisation)
    factory.commit()
    auth.login(user.username)
    first = client.get("/").get_data(as_text=True)
    assert first.count('class="invitation') == PAGE_SIZE and 'href="/?page=2"' in first
    assert client.get("/?page=2").get_data(as_text=True).count('class="invitation') == 1


def test_queue_page_links_keep_the_search_and_filters(client, auth, factory):
    conference = factory.conference()
    for i in range(PAGE_SIZE + 2):
        factory.submission(invitation=factory.invitation(conference=conference, kind=ExchangeKind.WRITTEN),
                           state=SubmissionState.SUBMITTED, title=f"蓝天材料{i:02d}")
    factory.user(Role.REVIEWER, username="reader")
    factory.commit()
    auth.login("reader")
    page = client.get("/review/?q=蓝天材料&kind=written&state=").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    assert "page=2" in link and "kind=written" in link and "q=" in link
    assert client.get(link).get_data(as_text=True).count("蓝天材料") >= 2
