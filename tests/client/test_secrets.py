"""The refresh token in the OS keyring only: the real Secret Service (gnome-keyring), a locked keyring,
and real insecure backends (fail, null, keyrings.alt's plaintext file) that must never be used."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import ClassVar

import keyring
import pytest
import secretstorage
from keyring.backends import SecretService, fail, null
from keyring.backends.chainer import ChainerBackend
from keyrings.alt.file import EncryptedKeyring, PlaintextKeyring
from pydantic import SecretStr
from secretstorage.util import DBusAddressWrapper, format_secret, open_session

from app.api.auth.session import AuthSession
from app.api.auth.tokens import AccessToken, UserTokens
from app.api.client import ApiClient
from app.api.secrets import (
    SESSION_ONLY_MESSAGE,
    KeyringLocked,
    RefreshTokenStore,
    StoredSignIn,
    is_secure_backend,
    secure_backend,
    service_name,
)
from app.settings import ClientSettings
from tests.client.conftest import KEYRING_PASSWORD_ENV, FormBrowser, settings_for
from tests.platform import Platform

SERVER = "https://Platform.Example.com:443/"


def test_service_names_follow_the_server_address() -> None:
    assert service_name(SERVER) == "Convodesk https://platform.example.com"
    assert service_name("http://127.0.0.1:8700") == "Convodesk http://127.0.0.1:8700"
    assert service_name("https://example.com:8443/cc/") == "Convodesk https://example.com:8443/cc"
    assert service_name("http://[::1]:9000") == "Convodesk http://[::1]:9000"


def _chain(*members: keyring.backend.KeyringBackend) -> ChainerBackend:
    class Chain(ChainerBackend):
        backends: ClassVar[list[keyring.backend.KeyringBackend]] = list(members)

    return Chain()


def test_only_os_keyrings_count_as_secure(tmp_path: Path) -> None:
    plaintext = PlaintextKeyring()
    plaintext.file_path = str(tmp_path / "plain.cfg")
    assert is_secure_backend(SecretService.Keyring())
    encrypted_file = EncryptedKeyring.__new__(EncryptedKeyring)  # its __init__ wants pycryptodome
    for insecure in (fail.Keyring(), null.Keyring(), plaintext, encrypted_file):
        assert not is_secure_backend(insecure), insecure
    # `keyring` chains backends as soon as keyrings.alt sits beside the Secret Service: the token then
    # goes to the chain's secure member itself, never through the chain to a plaintext file.
    service = SecretService.Keyring()
    assert secure_backend(_chain(plaintext, service)) is service
    assert secure_backend(_chain(service)) is service
    assert secure_backend(_chain(plaintext, null.Keyring())) is None
    assert secure_backend(_chain()) is None


def test_the_refresh_token_lives_in_the_secret_service(secret_service: SecretService.Keyring) -> None:
    store = RefreshTokenStore(SERVER)
    try:
        assert store.status.secure and store.status.backend == "keyring.backends.SecretService.Keyring"
        store.save("alice", SecretStr("first-refresh-token"))
        store.save("alice", SecretStr("second-refresh-token"))  # rotation replaces the entry
        loaded = store.load("alice")
        assert loaded == StoredSignIn("alice", SecretStr("second-refresh-token"))
        assert store.load() == loaded  # found by server alone, when the user is not known yet
        assert store.load("bob") is None

        # The Secret Service itself, through libsecret's own tool, holds exactly one entry.
        lookup = subprocess.run(
            ["secret-tool", "search", "--all", "service", store.service],
            capture_output=True,
            text=True,
            check=True,
        )
        assert lookup.stdout.count("secret = ") == 1 and "secret = second-refresh-token" in lookup.stdout

        store.delete("alice")
        assert store.load("alice") is None
        store.delete("alice")  # forgetting twice is no error
    finally:
        store.delete("alice")


def _lock_default_collection() -> None:
    with closing(secretstorage.dbus_init()) as bus:
        secretstorage.get_default_collection(bus).lock()


def _unlock_default_collection(password: str) -> None:
    """gnome-keyring's unlock without a prompt (headless): the password ./dev test unlocked it with."""
    with closing(secretstorage.dbus_init()) as bus:
        collection = secretstorage.get_default_collection(bus)
        internal = DBusAddressWrapper(
            "/org/freedesktop/secrets", "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface", bus
        )
        secret = format_secret(open_session(bus), password.encode(), "text/plain")
        internal.call("UnlockWithMasterPassword", "o(oayays)", collection.collection_path, secret)
        assert not collection.is_locked()


@pytest.fixture
def locked_keyring(secret_service: SecretService.Keyring) -> Iterator[None]:
    password = os.environ.get(KEYRING_PASSWORD_ENV)
    if password is None:
        pytest.skip(f"{KEYRING_PASSWORD_ENV} is not set, so the keyring could not be unlocked afterwards")
    _lock_default_collection()
    try:
        yield
    finally:
        _unlock_default_collection(password)


def test_a_locked_keyring_is_a_typed_error_that_says_so(locked_keyring: None) -> None:
    store = RefreshTokenStore(SERVER)
    for attempt in (lambda: store.load("alice"), lambda: store.save("alice", SecretStr("t"))):
        with pytest.raises(KeyringLocked) as raised:
            attempt()
        assert raised.value.message.startswith("The system keyring is locked.")
        assert "t" not in (raised.value.detail or "").split()


@pytest.mark.asyncio
async def test_signing_in_with_a_locked_keyring_works_for_this_session_and_says_so(
    platform: Platform,
    client_settings: ClientSettings,
    form_browser: Callable[..., FormBrowser],
    locked_keyring: None,
) -> None:
    session = AuthSession(client_settings, open_browser=form_browser("readonly"))
    try:
        await session.sign_in()
        status = session.keyring_status
        assert not status.secure
        assert status.message.startswith("The system keyring is locked.")
        assert status.message.endswith("Signed in for this session only.")
        async with ApiClient(session, client_settings) as api:
            assert await api.flows()
        result = await session.sign_out()
        assert (result.revoked, result.forgotten) == (True, False)
        assert "The system keyring is locked." in result.message and "no longer works" in result.message
    finally:
        await session.aclose()


@pytest.fixture
def keyring_backend() -> Iterator[Callable[[keyring.backend.KeyringBackend], None]]:
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["fail", "null", "plaintext"])
async def test_without_a_secure_keyring_tokens_are_kept_for_the_session_only(
    kind: str,
    platform: Platform,
    form_browser: Callable[..., FormBrowser],
    keyring_backend: Callable[[keyring.backend.KeyringBackend], None],
    tmp_path: Path,
) -> None:
    plaintext_file = tmp_path / "keyring_pass.cfg"
    backend: keyring.backend.KeyringBackend
    if kind == "plaintext":
        backend = PlaintextKeyring()
        backend.file_path = str(plaintext_file)
    else:
        backend = fail.Keyring() if kind == "fail" else null.Keyring()
    keyring_backend(backend)  # the app-wide keyring, as `keyring` would pick it on such a machine

    settings = settings_for(platform)
    session = AuthSession(settings, open_browser=form_browser("supervisor"))
    try:
        await session.sign_in()
        assert session.keyring_status.secure is False
        assert session.keyring_status.message == SESSION_ONLY_MESSAGE
        assert session.keyring_status.message.startswith(
            "No secure keyring: tokens kept for this session only"
        )
        async with ApiClient(session, settings) as api:
            assert await api.flows()
        # Nothing was written anywhere: a new start of the app finds no sign-in.
        assert not plaintext_file.exists()
        assert await AuthSession(settings).restore("supervisor") is None
    finally:
        await session.sign_out()
        await session.aclose()
    assert not plaintext_file.exists()


def test_token_holders_never_show_their_tokens() -> None:
    access = AccessToken.issued("header.payload-secret-value.signature", 300)
    tokens = UserTokens(access, SecretStr("refresh-secret-value"))
    stored = StoredSignIn("alice", SecretStr("refresh-secret-value"))
    for holder in (access, tokens, stored):
        for text in (repr(holder), str(holder)):
            assert "secret-value" not in text
    assert access.reveal() == "header.payload-secret-value.signature"


@pytest.mark.asyncio
async def test_a_chain_with_a_plaintext_keyring_stores_the_token_in_its_secure_member_only(
    platform: Platform,
    form_browser: Callable[..., FormBrowser],
    secret_service: SecretService.Keyring,
    keyring_backend: Callable[[keyring.backend.KeyringBackend], None],
    tmp_path: Path,
) -> None:
    plaintext = PlaintextKeyring()
    plaintext.file_path = str(tmp_path / "keyring_pass.cfg")
    keyring_backend(_chain(plaintext, secret_service))  # plaintext first: a chain would write there
    session = AuthSession(settings_for(platform), open_browser=form_browser("supervisor"))
    try:
        await session.sign_in()
        assert session.keyring_status.secure
        assert session.keyring_status.backend == "keyring.backends.SecretService.Keyring"
        assert secret_service.get_password(service_name(platform.url), "supervisor")
        assert not (tmp_path / "keyring_pass.cfg").exists()
    finally:
        await session.sign_out()
        await session.aclose()
    assert secret_service.get_password(service_name(platform.url), "supervisor") is None
