"""`flask seed-demo --sample-content` on a production instance: its notifications get their links.

In production only the base URL's host is trusted, so the command's request
context must be for that host; before, it was for ``localhost`` and no link
could be built (the command failed with an AttributeError).
"""
import sys

import pytest

from app.config import ROOT


@pytest.mark.slow
def test_the_sample_content_loads_in_production_with_links_on_the_base_url():
    sys.path.insert(0, str(ROOT))
    from benchmarks.live_server import BASE_URL, LiveServer

    with LiveServer() as server:
        server.flask("db", "upgrade")
        server.flask("seed-demo", "--sample-content")
        links = [link for (link,) in server.query("SELECT link FROM notification")]
        mails = [body for (body,) in server.query("SELECT body_text FROM outbox_mail")]
    assert links and all(link.startswith(("/submissions/", "/review/")) for link in links)
    assert all(f"{BASE_URL}/" in body and "localhost" not in body for body in mails)
