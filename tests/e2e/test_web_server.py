"""Vigil's web server: started only when VIGIL_WEB_LISTEN is set, strict headers on every answer."""

from __future__ import annotations

import aiohttp
import pytest

from bot.errors import ConfigurationError
from bot.settings import Settings
from tests.e2e.harness import busy_port, make_settings, running_vigil


async def test_no_web_server_without_vigil_web_listen(vigil):
    assert vigil.services.web is None


async def test_web_server_answers_with_a_strict_content_security_policy(fake, tmp_path):
    async with running_vigil(fake, tmp_path, VIGIL_WEB_LISTEN="127.0.0.1:0") as vigil:
        async with aiohttp.ClientSession() as http, http.get(f"{vigil.web_base}/no-such-page") as response:
            assert response.status == 404
            assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_a_busy_port_stops_start_up_with_one_sentence(fake, tmp_path):
    with busy_port() as port:
        with pytest.raises(ConfigurationError, match=f"cannot listen on 127.0.0.1:{port} .*already in use"):
            async with running_vigil(fake, tmp_path, VIGIL_WEB_LISTEN=f"127.0.0.1:{port}"):
                pass


@pytest.mark.parametrize("listen", ["8080", "localhost:", ":80", "host:99999", "a:b"])
def test_web_listen_must_be_host_and_port(fake, tmp_path, listen):
    with pytest.raises(ValueError, match="host:port"):
        make_settings(fake, tmp_path, VIGIL_WEB_LISTEN=listen)


@pytest.mark.parametrize(
    "url", ["http://vigil.example.org", "ftp://vigil.example.org", "vigil.example.org", "https://"]
)
def test_web_url_must_be_public_https(fake, tmp_path, url):
    with pytest.raises(ValueError, match="VIGIL_WEB_URL|https://"):
        make_settings(fake, tmp_path, VIGIL_WEB_URL=url)


def test_web_url_accepts_https_and_loopback_http(fake, tmp_path):
    settings: Settings = make_settings(fake, tmp_path, VIGIL_WEB_URL="https://desk.example.org/")
    assert settings.web_url == "https://desk.example.org"
    assert make_settings(fake, tmp_path, VIGIL_WEB_URL="http://127.0.0.1:8080").web_url == "http://127.0.0.1:8080"
