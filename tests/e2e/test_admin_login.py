import pytest

from tests.support.api import PASSWORD
from tests.support.e2e import admin_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_logs_in_to_the_admin(page, live_server, make_user):
    make_user("clerk", username="clara", password=PASSWORD)
    admin_login(page, live_server.url, "clara", PASSWORD)
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("#user-tools").inner_text().upper().startswith("WELCOME")


def test_citizen_admin_login_is_refused(page, live_server, make_user):
    make_user("citizen", username="carlos", password=PASSWORD)
    admin_login(page, live_server.url, "carlos", PASSWORD)
    assert page.url.startswith(f"{live_server.url}/admin/login/")
    assert page.locator(".errornote").is_visible()
