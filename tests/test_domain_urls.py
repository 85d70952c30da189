import pytest

from domain.urls import is_public_https, reachable_from_a_phone, telegram_accepts_button_url


@pytest.mark.parametrize(
    "url",
    [
        "https://pay.example.com/x",
        "http://bot.example.in:8080/sandbox/pay/1",
        "https://rzp.io/i/abc",
        "tg://resolve?domain=jamroom_bot",
        "https://t.me/jamroom_bot?start=room_bass-cave",
        "http://127.0.0.1:8080/x",  # Telegram only asks for a dot in the host
    ],
)
def test_telegram_accepts_http_https_and_tg_urls_with_a_dotted_host(url: str) -> None:
    assert telegram_accepts_button_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080/sandbox/pay/1",
        "http://myhost/x",
        "ftp://files.example.com/x",
        "javascript:alert(1)",
        "example.com/no-scheme",
        "",
        "https://",
        "https://exa mple.com/",
    ],
)
def test_telegram_refuses_other_schemes_and_hosts_without_a_dot(url: str) -> None:
    assert not telegram_accepts_button_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080",
        "http://127.0.0.1:8080",
        "http://192.168.1.20:8080",
        "http://10.0.0.5",
        "http://172.16.3.4",
        "http://169.254.1.1",
        "http://[::1]:8080",
        "http://laptop.local:8080",
        "tg://resolve?domain=x",
    ],
)
def test_a_phone_cannot_open_the_laptop(url: str) -> None:
    assert not reachable_from_a_phone(url)


@pytest.mark.parametrize("url", ["https://abc.ngrok-free.app", "http://bot.example.com", "http://8.8.8.8:80"])
def test_a_phone_can_open_public_addresses(url: str) -> None:
    assert reachable_from_a_phone(url)


def test_razorpay_callbacks_need_public_https() -> None:
    assert is_public_https("https://bot.example.com")
    assert not is_public_https("http://bot.example.com")
    assert not is_public_https("https://localhost:8443")
    assert not is_public_https("https://10.1.2.3")
