"""The client's address: X-Forwarded-For believed only from trusted proxies."""

from __future__ import annotations

import pytest

from raas.client_address import client_address
from raas.config import Settings


def env(peer: str, forwarded: str | None = None) -> dict[str, str]:
    environ = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    return environ


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", "10.1.1.1", (), "203.0.113.9"),
        ("203.0.113.9", "10.1.1.1", ("127.0.0.1",), "203.0.113.9"),
        ("127.0.0.1", "10.1.1.1", ("127.0.0.1",), "10.1.1.1"),
        ("127.0.0.1", "6.6.6.6, 10.1.1.1", ("127.0.0.1",), "10.1.1.1"),
        ("127.0.0.1", "10.1.1.1, 172.16.0.5", ("127.0.0.1", "172.16.0.0/12"), "10.1.1.1"),
        ("127.0.0.1", "172.16.0.5", ("127.0.0.1", "172.16.0.0/12"), "127.0.0.1"),
        ("127.0.0.1", "10.1.1.1, garbage", ("127.0.0.1",), "127.0.0.1"),
        ("127.0.0.1", "", ("127.0.0.1",), "127.0.0.1"),
        ("127.0.0.1", None, ("127.0.0.1",), "127.0.0.1"),
        ("::1", "2001:db8::7", ("::1",), "2001:db8::7"),
        ("127.0.0.1", "10.1.1.1", ("not-a-network",), "127.0.0.1"),
        ("", "10.1.1.1", ("127.0.0.1",), ""),
    ],
)
def test_client_address(peer, forwarded, trusted, expected) -> None:
    assert client_address(env(peer, forwarded), trusted) == expected


def test_trusted_proxies_setting() -> None:
    settings = Settings.from_env({"RAAS_TRUSTED_PROXIES": " 10.0.0.1, 192.168.0.0/16 ,"})
    assert settings.trusted_proxies == ("10.0.0.1", "192.168.0.0/16")
    assert Settings.from_env({}).trusted_proxies == ()
