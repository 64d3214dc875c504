"""Local sign-in: failed attempts are limited per username and per client address."""

import contextlib
import threading

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from pytest_django.asserts import assertContains

from portal.signin import ThrottledAuthenticationForm

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]  # failure counts live in the cache
REFUSED = "Too many failed sign-ins"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SIGNIN_FAILURES_PER_USERNAME = 5
    settings.SIGNIN_FAILURES_PER_ADDRESS = 8
    settings.SIGNIN_FAILURE_WINDOW = 600


@pytest.fixture
def carol(django_user_model):
    return django_user_model.objects.create_user(username="carol", password="right-pass-1")


def sign_in(username, password, address="10.1.1.1"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client, response


def test_after_the_limit_even_the_right_password_is_refused(carol):
    for _ in range(5):
        _, response = sign_in("carol", "wrong")
        assertContains(response, "Please enter a correct username and password")

    client, response = sign_in("carol", "right-pass-1", address="10.9.9.9")

    assertContains(response, REFUSED)
    assertContains(response, "Wait 10 minutes")
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_clears_the_username_count(carol):
    for _ in range(4):
        sign_in("carol", "wrong")
    _, response = sign_in("carol", "right-pass-1")
    assert response.status_code == 302
    for _ in range(4):
        sign_in("carol", "wrong", address="10.2.2.2")

    client, response = sign_in("carol", "right-pass-1", address="10.3.3.3")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(carol.pk)


def test_one_address_trying_many_usernames_is_limited(carol):
    for index in range(8):
        sign_in(f"user{index}", "guess")

    _, from_there = sign_in("carol", "right-pass-1")
    _, from_elsewhere = sign_in("carol", "right-pass-1", address="10.4.4.4")

    assertContains(from_there, REFUSED)
    assert from_elsewhere.status_code == 302


def test_the_allowance_comes_back_when_the_window_has_moved_on(carol, monkeypatch):
    from workspaces import ratelimit

    clock = {"now": 1_000_000.0}
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock["now"])
    for _ in range(5):
        sign_in("carol", "wrong")
    assertContains(sign_in("carol", "right-pass-1")[1], REFUSED)

    clock["now"] += 2 * 600

    assert sign_in("carol", "right-pass-1")[1].status_code == 302


def test_wrong_passwords_sent_at_once_cannot_pass_the_username_limit(monkeypatch):
    """Each guess spends a while in the password hash; guesses sent together are all in there at
    once. At most the limit may get that far."""
    guesses = 20
    reached_the_hash = []
    all_in_the_hash = threading.Barrier(guesses, timeout=1)

    def slow_authenticate(request=None, **credentials):
        reached_the_hash.append(credentials["username"])
        with contextlib.suppress(threading.BrokenBarrierError):  # the throttle let fewer in
            all_in_the_hash.wait()
        return None

    monkeypatch.setattr("django.contrib.auth.forms.authenticate", slow_authenticate)

    def guess(index):
        request = RequestFactory().post(reverse("login"), REMOTE_ADDR=f"10.2.0.{index}")
        ThrottledAuthenticationForm(
            request, data={"username": "carol", "password": f"guess-{index}"}
        ).is_valid()

    threads = [threading.Thread(target=guess, args=(index,)) for index in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(reached_the_hash) == 5


def test_a_form_without_a_password_does_not_reset_the_username_count(carol):
    for _ in range(4):
        sign_in("carol", "wrong")
    sign_in("carol", "")
    sign_in("carol", "wrong")

    client, response = sign_in("carol", "right-pass-1", address="10.9.9.9")

    assertContains(response, REFUSED)
    assert "_auth_user_id" not in client.session


def test_refused_attempts_do_not_count_against_the_address(carol):
    for _ in range(5):
        sign_in("carol", "wrong")
    for _ in range(3):
        assertContains(sign_in("carol", "wrong")[1], REFUSED)

    _, response = sign_in("dave", "any", address="10.1.1.1")

    assertContains(response, "Please enter a correct username and password")


def test_admin_login_is_throttled_like_the_sign_in_page(django_user_model, settings):
    settings.SIGNIN_FAILURES_PER_USERNAME = 3
    settings.SIGNIN_FAILURES_PER_ADDRESS = 1000
    settings.SIGNIN_FAILURE_WINDOW = 600
    django_user_model.objects.create_superuser("root", "root@example.com", "right-pass-1")
    for _ in range(20):
        Client(REMOTE_ADDR="10.6.6.6").post(
            "/admin/login/?next=/admin/", {"username": "root", "password": "wrong-guess"}
        )

    portal = Client(REMOTE_ADDR="10.6.6.6")
    portal_answer = portal.post(reverse("login"), {"username": "root", "password": "right-pass-1"})
    admin = Client(REMOTE_ADDR="10.6.6.6")
    admin_answer = admin.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": "right-pass-1"}
    )

    assert "_auth_user_id" not in portal.session, "20 failed admin guesses were not counted"
    assert "_auth_user_id" not in admin.session, "the admin login is not throttled"
    assertContains(portal_answer, REFUSED)
    assertContains(admin_answer, REFUSED)


def test_the_admin_login_still_signs_staff_in_and_refuses_other_users(django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.com", "right-pass-1")
    django_user_model.objects.create_user(username="dave", password="right-pass-2")
    admin = Client(REMOTE_ADDR="10.6.6.7")
    not_staff = Client(REMOTE_ADDR="10.6.6.7")

    signed_in = admin.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": "right-pass-1"}
    )
    refused = not_staff.post(
        "/admin/login/?next=/admin/", {"username": "dave", "password": "right-pass-2"}
    )

    assert signed_in.status_code == 302
    assert admin.get("/admin/").status_code == 200
    assertContains(refused, "staff account")
    assert "_auth_user_id" not in not_staff.session


def _behind_the_proxy(settings):
    settings.SIGNIN_FAILURES_PER_USERNAME = 10
    settings.SIGNIN_FAILURES_PER_ADDRESS = 8
    settings.SIGNIN_FAILURE_WINDOW = 900
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.10", "10.0.1.0/24"]


def test_failed_guesses_by_one_person_do_not_lock_everyone_else_out(carol, settings):
    _behind_the_proxy(settings)
    proxy = "10.0.0.10"
    for index in range(8):
        Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.168.7.7").post(
            reverse("login"), {"username": f"nobody{index}", "password": "guess"}
        )

    carol_client = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.168.1.20")
    response = carol_client.post(
        reverse("login"), {"username": "carol", "password": "right-pass-1"}
    )
    guesser = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.168.7.7")
    refused = guesser.post(reverse("login"), {"username": "carol", "password": "right-pass-1"})

    assert "Too many failed sign-ins" not in response.content.decode()
    assert response.status_code == 302
    assertContains(refused, REFUSED)  # the guesser's own address is still counted


def test_addresses_a_client_wrote_into_x_forwarded_for_pick_no_new_counter(carol, settings):
    """The trusted proxy appends the peer it saw; what is to the left of that came from the client
    (or from proxies in FORWARDED_ALLOW_IPS, which are looked past)."""
    _behind_the_proxy(settings)
    for index in range(8):
        Client(
            REMOTE_ADDR="10.0.0.10",
            HTTP_X_FORWARDED_FOR=f"172.16.0.{index}, 192.168.7.7, 10.0.1.5",
        ).post(reverse("login"), {"username": f"nobody{index}", "password": "guess"})

    guesser = Client(REMOTE_ADDR="10.0.0.10", HTTP_X_FORWARDED_FOR="172.16.9.9, 192.168.7.7")
    refused = guesser.post(reverse("login"), {"username": "carol", "password": "right-pass-1"})
    _, elsewhere = sign_in("carol", "right-pass-1", address="10.0.0.10")

    assertContains(refused, REFUSED)
    assert elsewhere.status_code == 302  # the proxy's own address was never counted


def test_with_any_peer_trusted_spoofed_hops_do_not_reset_the_address_limit(carol, settings):
    """With `*` the one proxy in front is trusted, not every hop: only the hop it appended."""
    _behind_the_proxy(settings)
    settings.FORWARDED_ALLOW_IPS = ["*"]
    for index in range(8):
        Client(REMOTE_ADDR="10.0.0.10", HTTP_X_FORWARDED_FOR=f"172.16.0.{index}, 192.168.7.7").post(
            reverse("login"), {"username": f"nobody{index}", "password": "guess"}
        )

    guesser = Client(REMOTE_ADDR="10.0.0.10", HTTP_X_FORWARDED_FOR="172.16.9.9, 192.168.7.7")
    response = guesser.post(reverse("login"), {"username": "carol", "password": "right-pass-1"})

    assertContains(response, REFUSED)  # the ninth guess from 192.168.7.7


def test_x_forwarded_for_from_an_untrusted_address_is_ignored(carol, settings):
    _behind_the_proxy(settings)
    for index in range(8):
        Client(REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR=f"172.16.0.{index}").post(
            reverse("login"), {"username": f"nobody{index}", "password": "guess"}
        )

    direct = Client(REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="172.16.9.9")
    response = direct.post(reverse("login"), {"username": "carol", "password": "right-pass-1"})

    assertContains(response, REFUSED)  # counted by its TCP peer, whatever the header said
    assert "_auth_user_id" not in direct.session


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "client"),
    [
        (["10.0.0.10"], "10.0.0.10", "192.168.7.7", "192.168.7.7"),
        (["10.0.0.10"], "10.0.0.10", "", "10.0.0.10"),
        (["10.0.0.10"], "10.0.0.10", "192.168.7.7:5123", "192.168.7.7"),
        (["10.0.0.10"], "10.0.0.10", "[2001:db8::7]:443", "2001:db8::7"),
        (["10.0.0.10"], "10.0.0.10", "192.168.7.7, not-an-address", "10.0.0.10"),
        (["10.0.0.10"], "10.0.0.11", "192.168.7.7", "10.0.0.11"),
        (["*"], "192.0.2.50", "192.168.7.7", "192.168.7.7"),
        (["*"], "192.0.2.50", "172.16.0.1, 192.168.7.7", "192.168.7.7"),
        (["*"], "192.0.2.50", "", "192.0.2.50"),
        ([], "127.0.0.1", "192.168.7.7", "127.0.0.1"),
    ],
)
def test_the_client_address_is_the_hop_a_trusted_proxy_names(
    settings, trusted, peer, forwarded, client
):
    from portal.proxies import client_address

    settings.FORWARDED_ALLOW_IPS = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == client
