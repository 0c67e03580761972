"""The refresh token in the OS keyring — and nowhere else on disk.

The entry's service name is derived from the server address and its user name is
the platform user, so two servers or two users never share an entry. Only a
secure backend (Secret Service, KWallet, macOS Keychain, Windows Credential
Manager) is used, directly: when `keyring` chains several backends (it does as
soon as keyrings.alt is installed beside the Secret Service), the token goes to
the chain's secure member only, never through the chain. With no secure backend
— the null or fail backend, a plaintext or "encrypted file" keyring from
keyrings.alt, or a chain of those — the token is kept in memory for this session
only and `status` says so plainly. Keyring calls block (D-Bus, possibly an unlock
prompt): call them off the event loop (AuthSession does).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from pydantic import SecretStr

from app.api.errors import ApiError

log = logging.getLogger(__name__)

SERVICE_PREFIX = "Convodesk"
SECURE_BACKENDS = frozenset(
    {
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.libsecret.Keyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.kwallet.DBusKeyringKWallet4",
        "keyring.backends.macOS.Keyring",
        "keyring.backends.Windows.WinVaultKeyring",
    }
)
SESSION_ONLY_MESSAGE = (
    "No secure keyring: tokens kept for this session only. You will need to sign in again next time."
)


class KeyringUnavailable(ApiError):
    default_message = "The system keyring could not be used."


class KeyringLocked(KeyringUnavailable):
    default_message = "The system keyring is locked. Unlock it (or sign in to your desktop) and try again."


@dataclass(frozen=True)
class KeyringStatus:
    secure: bool
    backend: str
    message: str  # for the UI; empty when all is well


@dataclass(frozen=True)
class StoredSignIn:
    username: str
    refresh_token: SecretStr


def backend_name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def secure_backend(backend: KeyringBackend) -> KeyringBackend | None:
    """The OS keyring to use: `backend` itself, or a chain's highest-priority secure member; None if
    there is no backend that encrypts at rest under the user's login."""
    if isinstance(backend, ChainerBackend):
        return next((b for b in backend.backends if backend_name(b) in SECURE_BACKENDS), None)
    return backend if backend_name(backend) in SECURE_BACKENDS else None


def is_secure_backend(backend: KeyringBackend) -> bool:
    return secure_backend(backend) is not None


def service_name(server_url: str) -> str:
    """One keyring service per server: scheme, host and port (and path, if the API is mounted under one)."""
    parts = urlsplit(server_url)
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme)
    netloc = (parts.hostname or "").lower()
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if port is not None and port != default:
        netloc = f"{netloc}:{port}"
    return f"{SERVICE_PREFIX} {parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def _typed(exc: keyring.errors.KeyringError, action: str) -> KeyringUnavailable:
    if isinstance(exc, keyring.errors.KeyringLocked):
        return KeyringLocked(detail=f"while trying to {action}")
    return KeyringUnavailable(detail=f"{type(exc).__name__} while trying to {action}")


class RefreshTokenStore:
    """Where the refresh token of one server lives between runs of the app."""

    def __init__(self, server_url: str, backend: KeyringBackend | None = None) -> None:
        self.service = service_name(server_url)
        self._backend = backend

    def __repr__(self) -> str:
        return f"RefreshTokenStore({self.service!r}, secure={self.secure})"

    @property
    def backend(self) -> KeyringBackend | None:
        """The secure keyring the token goes to; None when there is none (session only)."""
        return secure_backend(self._backend if self._backend is not None else keyring.get_keyring())

    @property
    def secure(self) -> bool:
        return self.backend is not None

    @property
    def status(self) -> KeyringStatus:
        chosen = self.backend
        if chosen is not None:
            return KeyringStatus(True, backend_name(chosen), "")
        configured = self._backend if self._backend is not None else keyring.get_keyring()
        return KeyringStatus(False, backend_name(configured), SESSION_ONLY_MESSAGE)

    def load(self, username: str | None = None) -> StoredSignIn | None:
        """The stored sign-in for `username` (or the first one for this server when None)."""
        backend = self.backend
        if backend is None:
            return None  # session only: nothing survives the process
        try:
            credential = backend.get_credential(self.service, username)
        except keyring.errors.KeyringError as exc:
            raise _typed(exc, "read your sign-in") from None
        except Exception as exc:  # backends raise D-Bus and OS errors of their own
            raise KeyringUnavailable(detail=f"{type(exc).__name__} while reading your sign-in") from None
        if credential is None or not credential.password:
            return None
        return StoredSignIn(credential.username or username or "", SecretStr(credential.password))

    def save(self, username: str, refresh_token: SecretStr) -> None:
        """Store the newest refresh token (each rotation replaces the entry)."""
        backend = self.backend
        if backend is None:
            return  # session only: the AuthSession keeps it in memory
        try:
            backend.set_password(self.service, username, refresh_token.get_secret_value())
        except keyring.errors.KeyringError as exc:
            raise _typed(exc, "save your sign-in") from None
        except Exception as exc:
            raise KeyringUnavailable(detail=f"{type(exc).__name__} while saving your sign-in") from None
        log.debug("refresh token stored in the %s keyring", backend_name(backend))

    def delete(self, username: str) -> None:
        """Forget the stored sign-in; no error when there was none."""
        backend = self.backend
        if backend is None:
            return
        try:
            backend.delete_password(self.service, username)
        except keyring.errors.PasswordDeleteError:
            return  # nothing stored
        except keyring.errors.KeyringError as exc:
            raise _typed(exc, "remove your sign-in") from None
        except Exception as exc:
            raise KeyringUnavailable(detail=f"{type(exc).__name__} while removing your sign-in") from None
