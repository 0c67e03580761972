"""The one way this app opens HTTP connections: verified TLS, explicit timeouts, no plain http
beyond this computer.

TLS is verified against the operating system's trust store (`truststore`), so a
corporate CA installed on the workstation just works; a CA bundle in the settings
replaces it. Plain http:// is refused unless the host is loopback, both for the
configured address and for every request (a redirect or a discovered endpoint
cannot downgrade the connection).
"""

from __future__ import annotations

import ipaddress
import ssl
from typing import Any

import httpx
import truststore

from app.api.errors import InsecureConnection
from app.settings import ClientSettings, Timeouts

LOOPBACK_NAMES = frozenset({"localhost"})
USER_AGENT = "Convodesk/0.1"


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secure_url(url: httpx.URL | str) -> httpx.URL:
    """The URL, if it is https:// or http:// to a loopback host; InsecureConnection otherwise."""
    parsed = httpx.URL(url) if isinstance(url, str) else url
    if parsed.scheme == "https":
        return parsed
    if parsed.scheme == "http" and is_loopback_host(parsed.host):
        return parsed
    if parsed.scheme == "http":
        raise InsecureConnection(detail=f"refused http://{parsed.host}")
    raise InsecureConnection(f"Unsupported address scheme {parsed.scheme!r}: use https://.")


async def _refuse_plain_http(request: httpx.Request) -> None:
    require_secure_url(request.url)


def tls_context(settings: ClientSettings) -> ssl.SSLContext:
    if settings.ca_bundle is not None:
        return ssl.create_default_context(cafile=str(settings.ca_bundle))
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def http_timeout(timeouts: Timeouts) -> httpx.Timeout:
    return httpx.Timeout(
        connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=timeouts.pool
    )


def client_options(settings: ClientSettings, *, base_url: str | None = None) -> dict[str, Any]:
    """Keyword arguments for httpx.AsyncClient (or a subclass such as Authlib's) set up the way every
    client here must be. Redirects are not followed: the API never redirects, and following one
    could carry a bearer token somewhere unexpected."""
    base = base_url if base_url is not None else settings.server_url
    require_secure_url(base)
    return {
        "base_url": base,
        "verify": tls_context(settings),
        "timeout": http_timeout(settings.timeouts),
        "follow_redirects": False,
        "event_hooks": {"request": [_refuse_plain_http], "response": []},
        "headers": {"User-Agent": USER_AGENT},
    }


def create_http_client(settings: ClientSettings, *, base_url: str | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(**client_options(settings, base_url=base_url))
