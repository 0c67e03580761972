"""The platform's OAuth 2.0 endpoints, spoken through Authlib's httpx client.

Discovery (OpenID Provider metadata) says where the endpoints are; Authlib builds
the PKCE (S256) authorization URL and the token requests and parses the answers;
this module turns every failure into the app's typed errors. Token requests are
never retried: a refresh token is spent by the request that reaches the server,
and sending it twice would look like theft and end the sign-in (refresh-token
rotation with reuse detection).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from app.api import retry
from app.api.auth.tokens import AccessToken, Clock, UserTokens
from app.api.errors import (
    ApiError,
    BadResponse,
    Forbidden,
    SignInFailed,
    SignInRequired,
    error_from_response,
    error_from_transport,
    error_from_validation,
)
from app.api.transport import client_options, create_http_client, require_secure_url
from app.settings import ClientSettings

if TYPE_CHECKING:  # Authlib itself is imported when first used: a tenth of a second of start-up
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

log = logging.getLogger(__name__)

CLIENT_ID = "convodesk-desktop"
SCOPE = "openid profile offline_access"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
DISCOVERY_PATH = "/.well-known/openid-configuration"


class ProviderMetadata(BaseModel):
    """The parts of the discovery document this client relies on."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str | None = None
    grant_types_supported: list[str] = ["authorization_code", "refresh_token"]
    code_challenge_methods_supported: list[str] = []
    authorization_response_iss_parameter_supported: bool = False

    @field_validator("authorization_endpoint", "token_endpoint", "revocation_endpoint")
    @classmethod
    def _secure(cls, value: str | None) -> str | None:
        if value is not None:
            require_secure_url(value)
        return value


class _TokenResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")

    access_token: str = Field(min_length=1)
    token_type: Literal["Bearer", "bearer"]
    expires_in: float = Field(gt=0, le=366 * 86400)
    refresh_token: str | None = None


@dataclass(frozen=True)
class AuthorizationRequest:
    """One attempt at signing in: the URL for the browser and what must come back."""

    url: str
    state: str
    code_verifier: SecretStr
    redirect_uri: str

    def __repr__(self) -> str:
        return f"AuthorizationRequest(redirect_uri={self.redirect_uri!r})"


def _oauth_failure(exc: OAuthError, during: str) -> ApiError:
    """RFC 6749 §5.2 errors: a spent, revoked or expired grant means signing in again."""
    error = str(exc.error or "")
    detail = f"{during}: {exc.description or error}"
    if error == "invalid_grant":
        return SignInRequired(detail=detail)
    if error == "invalid_target":
        return Forbidden("You are not a member of this organisation (tenant).", detail=detail)
    return SignInFailed(f"The server refused the sign-in ({error or 'unknown error'}).", detail=detail)


class OAuthClient:
    """Authorization, token, exchange and revocation requests for one server."""

    def __init__(self, settings: ClientSettings, metadata: ProviderMetadata, *, clock: Clock) -> None:
        from authlib.integrations.httpx_client import AsyncOAuth2Client

        self.metadata = metadata
        self._clock = clock
        self._http: AsyncOAuth2Client = AsyncOAuth2Client(
            **client_options(settings),
            client_id=CLIENT_ID,
            token_endpoint_auth_method="none",
            revocation_endpoint_auth_method="none",
            code_challenge_method="S256",
        )

    def __repr__(self) -> str:
        return f"OAuthClient(issuer={self.metadata.issuer!r})"

    @classmethod
    async def discover(cls, settings: ClientSettings, *, clock: Clock) -> OAuthClient:
        """Read /.well-known/openid-configuration and check the platform speaks what we need."""
        policy = retry.RetryPolicy.from_settings(settings.retries)
        async with create_http_client(settings) as http:
            response = await retry.send(
                http, lambda: http.build_request("GET", DISCOVERY_PATH), idempotent=True, policy=policy
            )
            await retry.raise_for_status(response)
        try:
            metadata = ProviderMetadata.model_validate_json(response.content)
        except ValidationError as exc:
            raise error_from_validation(exc, "sign-in configuration") from None
        if "S256" not in metadata.code_challenge_methods_supported:
            raise BadResponse("The server does not offer a secure sign-in (PKCE S256) this app can use.")
        if TOKEN_EXCHANGE not in metadata.grant_types_supported:
            raise BadResponse("The server does not offer organisation (tenant) tokens (RFC 8693).")
        return cls(settings, metadata, clock=clock)

    async def aclose(self) -> None:
        await self._http.aclose()

    def authorization_request(self, redirect_uri: str, state: str) -> AuthorizationRequest:
        verifier = secrets.token_urlsafe(64)  # 86 characters: RFC 7636 allows 43-128
        url, _ = self._http.create_authorization_url(
            self.metadata.authorization_endpoint,
            state=state,
            code_verifier=verifier,
            redirect_uri=redirect_uri,
            scope=SCOPE,
        )
        return AuthorizationRequest(str(url), state, SecretStr(verifier), redirect_uri)

    async def _token_request(self, during: str, **params: Any) -> _TokenResponse:
        from authlib.integrations.httpx_client import OAuthError

        try:
            raw = await self._http.fetch_token(self.metadata.token_endpoint, **params)
        except OAuthError as exc:
            raise _oauth_failure(exc, during) from None
        except httpx.HTTPStatusError as exc:  # Authlib raises this for 5xx and non-JSON error pages
            raise _failed_response(exc.response) from None
        except httpx.TransportError as exc:
            raise error_from_transport(exc) from None
        except ValueError:  # a 2xx answer that is not a JSON object
            raise BadResponse(detail=f"{during}: the token endpoint's answer is not JSON") from None
        finally:
            self._http.token = None  # Authlib keeps the last token; this client holds none
        try:
            return _TokenResponse.model_validate(dict(raw))
        except ValidationError as exc:
            raise error_from_validation(exc, f"{during} answer") from None

    def _user_tokens(self, answer: _TokenResponse, previous_refresh: SecretStr | None) -> UserTokens:
        refresh = SecretStr(answer.refresh_token) if answer.refresh_token else previous_refresh
        if refresh is None:
            raise BadResponse(detail="sign-in answer without a refresh token")
        access = AccessToken.issued(answer.access_token, answer.expires_in, clock=self._clock)
        return UserTokens(access, refresh)

    async def redeem_code(self, code: SecretStr, request: AuthorizationRequest) -> UserTokens:
        answer = await self._token_request(
            "sign-in",
            grant_type="authorization_code",
            code=code.get_secret_value(),
            code_verifier=request.code_verifier.get_secret_value(),
            redirect_uri=request.redirect_uri,
        )
        return self._user_tokens(answer, None)

    async def refresh(self, refresh_token: SecretStr) -> UserTokens:
        """Spend the refresh token; the answer carries its successor (rotation)."""
        answer = await self._token_request(
            "refresh", grant_type="refresh_token", refresh_token=refresh_token.get_secret_value()
        )
        return self._user_tokens(answer, refresh_token)

    async def exchange(self, user_access: AccessToken, tenant: str) -> AccessToken:
        """RFC 8693: the user's token in, a token scoped to one tenant out."""
        answer = await self._token_request(
            "tenant token",
            grant_type=TOKEN_EXCHANGE,
            subject_token=user_access.reveal(),
            subject_token_type=ACCESS_TOKEN_TYPE,
            requested_token_type=ACCESS_TOKEN_TYPE,
            audience=tenant,
        )
        return AccessToken.issued(answer.access_token, answer.expires_in, clock=self._clock)

    async def revoke(self, refresh_token: SecretStr) -> None:
        """RFC 7009: end the whole sign-in on the server (every device's copy of this family)."""
        endpoint = self.metadata.revocation_endpoint
        if endpoint is None:
            raise ApiError(
                "This server does not support signing out remotely; local sign-in data was removed."
            )
        try:
            response = await self._http.revoke_token(
                endpoint, token=refresh_token.get_secret_value(), token_type_hint="refresh_token"
            )
        except httpx.TransportError as exc:
            raise error_from_transport(exc) from None
        if not response.is_success:
            raise _failed_response(response)


def _failed_response(response: httpx.Response) -> ApiError:
    """The typed error of a failed token or revocation response (already read)."""
    error = error_from_response(response)
    return SignInFailed(detail=error.detail) if type(error) is ApiError else error
