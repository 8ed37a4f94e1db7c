"""Form fields tell screen readers the truth: invalid only when there is an error, tied to its message."""
import re

from app.models import Role


def field_tag(html: str, name: str) -> str:
    return re.search(rf'<(?:input|textarea|select)[^>]*\bname="{name}"[^>]*>', html).group(0)


def test_a_field_without_an_error_is_not_announced_as_invalid(client):
    html = client.get("/login").get_data(as_text=True)
    assert '"None"' not in html
    tag = field_tag(html, "username")
    assert "aria-invalid" not in tag and "aria-describedby" not in tag


def test_a_field_with_an_error_points_at_its_message(client, auth, factory):
    factory.user(Role.SUBMITTER, username="aria-user")
    factory.commit()
    auth.login("aria-user")
    html = client.post("/account", data={"current_password": "", "new_password": "short",
                                                    "confirm": "other"}).get_data(as_text=True)
    tag = field_tag(html, "new_password")
    assert 'aria-invalid="true"' in tag
    described = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()
    for target in described:
        assert f'id="{target}"' in html
    assert any(t.endswith("-error") for t in described)
