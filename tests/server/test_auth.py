"""OAuth 2.0 / OIDC sign-in, tokens and the API's bearer-token dependencies, in-process."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import secrets
import threading
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from server.api import problems
from server.auth import keys as keys_module
from server.auth.demo_users import create_demo_users
from server.auth.dependencies import (
    AuthError,
    TenantPrincipal,
    principal_from_token,
    require_actor,
)
from server.auth.keys import SigningKeys, ensure_signing_key, load_keys
from server.auth.passwords import hash_password, verify_password
from server.auth.tokens import issue_tenant_token, issue_user_token
from server.config import ENV_VAR, Settings
from server.db.engine import Database
from server.db.migrate import upgrade
from server.db.models import SigningKey, Tenant, User

ISSUER = "http://testserver"
CLIENT = "convodesk-desktop"
REDIRECT = "http://127.0.0.1:53682/callback"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TYPE = "urn:ietf:params:oauth:token-type:access_token"


# --- fixtures -------------------------------------------------------------------


def _prepared_db(path: Path) -> str:
    url = f"sqlite:///{path}"
    db = Database(url)
    upgrade(db.engine)
    with db.session() as session:
        session.add_all([Tenant(id="acme", name="Acme Corp"), Tenant(id="globex", name="Globex")])
        session.flush()
        create_demo_users(session)
    db.dispose()
    return url


def _build_app(settings: Settings) -> FastAPI:
    """The real app when it builds; otherwise just the auth router (other routers are in flux)."""
    try:
        from server.api.app import create_app

        return create_app(settings)
    except Exception:  # a half-written sibling router must not hide the auth results
        from server.auth import routes

        app = FastAPI()
        problems.install(app)
        app.include_router(routes.router)
        db = Database(settings.db_url)
        ensure_signing_key(db)
        app.state.db, app.state.settings = db, settings
        return app


def _mount_probes(app: FastAPI) -> None:
    async def whoami(principal: TenantPrincipal) -> dict[str, str]:
        return {"user": principal.user_id, "tenant": principal.tenant_id, "role": principal.role.value}

    async def act(principal: TenantPrincipal) -> dict[str, bool]:
        require_actor(principal, "end calls")
        return {"ok": True}

    app.add_api_route("/api/v1/{tenant}/whoami", whoami)
    app.add_api_route("/api/v1/{tenant}/test-act", act, methods=["POST"])


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    url = _prepared_db(tmp_path_factory.mktemp("auth") / "auth.db")
    return Settings(db_url=url, public_url=ISSUER)


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    app = _build_app(settings)
    _mount_probes(app)
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture()
def signing_keys(client: TestClient) -> SigningKeys:
    app: Any = client.app
    return load_keys(app.state.db)


# --- helpers --------------------------------------------------------------------


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def auth_params(challenge: str, **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": REDIRECT,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "st-" + secrets.token_hex(4),
        "scope": "openid profile offline_access",
        "nonce": "n-" + secrets.token_hex(4),
    }
    return {**params, **overrides}


def hidden_fields(html: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    return {unescape(name): unescape(value) for name, value in found}


def sign_in(client: TestClient, username: str, challenge: str, **overrides: str) -> dict[str, list[str]]:
    """Drive the sign-in page like a browser; returns the query the app's listener receives."""
    page = client.get("/oauth/authorize", params=auth_params(challenge, **overrides))
    assert page.status_code == 200, page.text
    form = {**hidden_fields(page.text), "username": username, "password": username}
    answer = client.post("/oauth/authorize", data=form)
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(overrides.get("redirect_uri", REDIRECT))
    return parse_qs(urlsplit(location).query)


def redeem(client: TestClient, code: str, verifier: str, redirect_uri: str = REDIRECT) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": CLIENT,
        "code_verifier": verifier,
    }
    return client.post("/oauth/token", data=form)


def tokens_for(client: TestClient, username: str) -> dict[str, Any]:
    verifier, challenge = pkce()
    code = sign_in(client, username, challenge)["code"][0]
    response = redeem(client, code, verifier)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refresh(client: TestClient, token: str) -> Any:
    return client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": token, "client_id": CLIENT}
    )


def exchange(client: TestClient, user_token: str, tenant: str) -> Any:
    form = {
        "grant_type": EXCHANGE,
        "subject_token": user_token,
        "subject_token_type": ACCESS_TYPE,
        "audience": tenant,
        "client_id": CLIENT,
    }
    return client.post("/oauth/token", data=form)


def tenant_token(client: TestClient, username: str, tenant: str) -> str:
    response = exchange(client, tokens_for(client, username)["access_token"], tenant)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- discovery ------------------------------------------------------------------


def test_discovery_and_jwks_verify_issued_tokens(client: TestClient) -> None:
    meta = client.get("/.well-known/openid-configuration").json()
    assert meta["issuer"] == ISSUER
    assert meta["authorization_endpoint"] == f"{ISSUER}/oauth/authorize"
    assert meta["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert meta["jwks_uri"] == f"{ISSUER}/oauth/jwks"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert EXCHANGE in meta["grant_types_supported"]
    assert meta["token_endpoint_auth_methods_supported"] == ["none"]

    jwks = client.get("/oauth/jwks").json()
    [jwk] = jwks["keys"]
    assert (jwk["kty"], jwk["alg"], jwk["use"], jwk["kid"]) == ("RSA", "RS256", "sig", "k1")
    assert "d" not in jwk  # public part only

    access = tokens_for(client, "supervisor")["access_token"]
    claims = jwt.decode(
        access, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience="convodesk-platform", issuer=ISSUER
    )
    assert claims["sub"] == "u-supervisor" and claims["username"] == "supervisor"
    assert jwt.get_unverified_header(access)["kid"] == "k1"


# --- authorization endpoint -----------------------------------------------------


def test_full_pkce_flow_with_openid(client: TestClient, signing_keys: SigningKeys) -> None:
    verifier, challenge = pkce()
    redirect = "http://127.0.0.1:49152/cb?app=desk"
    page = client.get("/oauth/authorize", params=auth_params(challenge, redirect_uri=redirect))
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert 'action="/oauth/authorize"' in page.text and 'name="password"' in page.text

    query = sign_in(client, "supervisor", challenge, redirect_uri=redirect, state="s1", nonce="n1")
    assert query["app"] == ["desk"]  # the redirect URI's own query is preserved
    assert query["state"] == ["s1"] and query["iss"] == [ISSUER]
    assert len(query["code"][0]) >= 43

    response = redeem(client, query["code"][0], verifier, redirect)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    assert body["scope"] == "openid profile offline_access" and body["refresh_token"]
    public = signing_keys.public_keys["k1"]
    id_token = jwt.decode(body["id_token"], public, algorithms=["RS256"], audience=CLIENT, issuer=ISSUER)
    assert id_token["nonce"] == "n1" and id_token["sub"] == "u-supervisor"

    info = client.get("/oauth/userinfo", headers=bearer(body["access_token"]))
    assert info.json() == {
        "sub": "u-supervisor",
        "preferred_username": "supervisor",
        "name": "Sam Supervisor",
    }


def test_sign_in_page_escapes_request_values(client: TestClient) -> None:
    _, challenge = pkce()
    page = client.get("/oauth/authorize", params=auth_params(challenge, state='"><script>alert(1)</script>'))
    assert "<script>" not in page.text
    assert hidden_fields(page.text)["state"] == '"><script>alert(1)</script>'


@pytest.mark.parametrize("username", ["supervisor", "nobody"])
def test_wrong_credentials_re_render_the_page(client: TestClient, username: str) -> None:
    _, challenge = pkce()
    page = client.get("/oauth/authorize", params=auth_params(challenge))
    form = {**hidden_fields(page.text), "username": username, "password": "wrong"}
    answer = client.post("/oauth/authorize", data=form)
    assert answer.status_code == 401 and "location" not in answer.headers
    assert "Wrong user name or password" in answer.text
    assert hidden_fields(answer.text)["code_challenge"] == challenge  # can simply retry


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": ""}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "openid admin"}, "invalid_scope"),
    ],
)
def test_invalid_requests_are_reported_to_the_app(
    client: TestClient, overrides: dict[str, str], error: str
) -> None:
    _, challenge = pkce()
    answer = client.get("/oauth/authorize", params=auth_params(challenge, state="s9", **overrides))
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(REDIRECT)
    query = parse_qs(urlsplit(location).query)
    assert query["error"] == [error] and query["state"] == ["s9"] and "code" not in query


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://127.0.0.1/cb",
        "http://evil.example/cb",
        "http://127.0.0.1.evil.example/cb",
        "http://user@127.0.0.1/cb",
        "http://127.0.0.1:8080/cb#fragment",
        "http://127.0.0.1:99999/cb",
        "http://10.0.0.1/cb",
        "",
    ],
)
def test_untrusted_redirect_uri_is_never_redirected_to(client: TestClient, redirect_uri: str) -> None:
    _, challenge = pkce()
    answer = client.get("/oauth/authorize", params=auth_params(challenge, redirect_uri=redirect_uri))
    assert answer.status_code == 400 and "location" not in answer.headers
    assert answer.headers["content-type"].startswith("text/html")
    posted = client.post("/oauth/authorize", data={**auth_params(challenge, redirect_uri=redirect_uri)})
    assert posted.status_code == 400 and "location" not in posted.headers


def test_unknown_client_is_never_redirected_to(client: TestClient) -> None:
    _, challenge = pkce()
    answer = client.get("/oauth/authorize", params=auth_params(challenge, client_id="other-app"))
    assert answer.status_code == 400 and "location" not in answer.headers


@pytest.mark.parametrize("redirect_uri", ["http://[::1]:5000/cb", "http://localhost/cb", "http://127.0.0.1/"])
def test_loopback_redirects_on_any_port_and_path(client: TestClient, redirect_uri: str) -> None:
    verifier, challenge = pkce()
    code = sign_in(client, "readonly", challenge, redirect_uri=redirect_uri)["code"][0]
    assert redeem(client, code, verifier, redirect_uri).status_code == 200


# --- token endpoint -------------------------------------------------------------


def test_wrong_verifier_or_redirect_is_invalid_grant(client: TestClient) -> None:
    verifier, challenge = pkce()
    code = sign_in(client, "supervisor", challenge)["code"][0]
    other_verifier, _ = pkce()
    wrong = redeem(client, code, other_verifier)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert wrong.headers["cache-control"] == "no-store"
    assert redeem(client, code, verifier, "http://127.0.0.1:1/other").json()["error"] == "invalid_grant"
    assert redeem(client, code, "x" * 10).json()["error"] == "invalid_grant"
    assert redeem(client, code, verifier).status_code == 200  # the rightful client still succeeds


def test_replayed_code_revokes_what_it_produced(client: TestClient) -> None:
    verifier, challenge = pkce()
    code = sign_in(client, "supervisor", challenge)["code"][0]
    first = redeem(client, code, verifier).json()
    replay = redeem(client, code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert refresh(client, first["refresh_token"]).json()["error"] == "invalid_grant"


def test_refresh_rotation_and_reuse_detection(client: TestClient) -> None:
    r1 = tokens_for(client, "supervisor")["refresh_token"]
    second = refresh(client, r1)
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["access_token"] and body["refresh_token"] != r1 and "id_token" in body
    r2 = body["refresh_token"]
    r3 = refresh(client, r2).json()["refresh_token"]

    reused = refresh(client, r1)  # a stale copy shows up: someone else has the family
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert refresh(client, r3).json()["error"] == "invalid_grant"  # the newest dies too


def test_revocation_endpoint(client: TestClient) -> None:
    r1 = tokens_for(client, "readonly")["refresh_token"]
    r2 = refresh(client, r1).json()["refresh_token"]
    revoked = client.post("/oauth/revoke", data={"token": r2, "client_id": CLIENT})
    assert revoked.status_code == 200
    assert refresh(client, r2).json()["error"] == "invalid_grant"
    unknown = client.post(
        "/oauth/revoke", data={"token": "nope", "token_type_hint": "refresh_token", "client_id": CLIENT}
    )
    assert unknown.status_code == 200
    assert client.post("/oauth/revoke", data={"token": r2, "client_id": "x"}).status_code == 401


def test_token_endpoint_errors(client: TestClient) -> None:
    unsupported = client.post("/oauth/token", data={"grant_type": "password", "client_id": CLIENT})
    assert unsupported.status_code == 400 and unsupported.json()["error"] == "unsupported_grant_type"
    bad_client = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "x"})
    assert bad_client.status_code == 401 and bad_client.json()["error"] == "invalid_client"
    missing = client.post("/oauth/token", data={"grant_type": "authorization_code", "client_id": CLIENT})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


def test_token_exchange_respects_memberships(client: TestClient, signing_keys: SigningKeys) -> None:
    supervisor = tokens_for(client, "supervisor")["access_token"]
    acme = exchange(client, supervisor, "acme")
    assert acme.status_code == 200, acme.text
    body = acme.json()
    assert body["issued_token_type"] == ACCESS_TYPE and body["token_type"] == "Bearer"
    assert "refresh_token" not in body
    claims = jwt.decode(
        body["access_token"], signing_keys.public_keys["k1"], algorithms=["RS256"], audience="acme"
    )
    assert (claims["tenant"], claims["role"], claims["sub"]) == ("acme", "supervisor", "u-supervisor")

    globex = exchange(client, supervisor, "globex")
    assert globex.status_code == 400 and globex.json()["error"] == "invalid_target"
    assert exchange(client, supervisor, "no-such-tenant").json()["error"] == "invalid_target"

    admin = tokens_for(client, "admin")["access_token"]
    assert exchange(client, admin, "globex").status_code == 200

    # Only user tokens can be exchanged: not tenant tokens, not garbage.
    assert exchange(client, body["access_token"], "acme").json()["error"] == "invalid_request"
    assert exchange(client, "garbage", "acme").json()["error"] == "invalid_request"


# --- bearer tokens on the API ---------------------------------------------------


def test_tenant_token_is_accepted_for_its_tenant(client: TestClient) -> None:
    answer = client.get("/api/v1/acme/whoami", headers=bearer(tenant_token(client, "supervisor", "acme")))
    assert answer.json() == {"user": "u-supervisor", "tenant": "acme", "role": "supervisor"}


def test_missing_token_is_401_without_error_code(client: TestClient) -> None:
    answer = client.get("/api/v1/acme/whoami")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Bearer realm="convodesk"'
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/acme/whoami", headers={"Authorization": "Basic eDp5"}).status_code == 401


def _assert_invalid_token(client: TestClient, token: str, reason: str) -> None:
    answer = client.get("/api/v1/acme/whoami", headers=bearer(token))
    assert answer.status_code == 401, answer.text
    challenge = answer.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="convodesk", error="invalid_token"')
    assert reason in answer.json()["detail"]


def test_forged_expired_and_foreign_tokens_are_401(
    client: TestClient, settings: Settings, signing_keys: SigningKeys
) -> None:
    claims = {
        "user_id": "u-admin",
        "username": "admin",
        "tenant_id": "acme",
        "role": "admin",
        "client_id": CLIENT,
    }
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged_keys = dataclasses.replace(signing_keys, private_key=other_key)  # same kid, wrong key
    _assert_invalid_token(client, issue_tenant_token(forged_keys, settings, **claims), "signature")

    expired = dataclasses.replace(settings, access_token_seconds=-60)
    _assert_invalid_token(client, issue_tenant_token(signing_keys, expired, **claims), "expired")

    foreign = dataclasses.replace(settings, public_url="http://elsewhere")
    _assert_invalid_token(client, issue_tenant_token(signing_keys, foreign, **claims), "issuer")

    _assert_invalid_token(client, "not-a-jwt", "not a JWT")
    id_token = tokens_for(client, "admin")["id_token"]  # an ID token is not an access token
    _assert_invalid_token(client, id_token, "not an access token")


def test_wrong_scope_tokens_are_403(client: TestClient) -> None:
    user_token = tokens_for(client, "admin")["access_token"]
    answer = client.get("/api/v1/acme/whoami", headers=bearer(user_token))
    assert answer.status_code == 403 and "exchange" in answer.json()["detail"]

    acme = tenant_token(client, "admin", "acme")
    answer = client.get("/api/v1/globex/whoami", headers=bearer(acme))
    assert answer.status_code == 403
    assert answer.json()["detail"] == "this token is scoped to tenant acme, not globex"


def test_read_only_users_cannot_act(client: TestClient) -> None:
    readonly = client.post("/api/v1/acme/test-act", headers=bearer(tenant_token(client, "readonly", "acme")))
    assert readonly.status_code == 403 and readonly.json()["detail"] == "read-only users cannot end calls"
    supervisor = tenant_token(client, "supervisor", "acme")
    assert client.post("/api/v1/acme/test-act", headers=bearer(supervisor)).json() == {"ok": True}


def test_me_lists_tenants_for_user_and_tenant_tokens(client: TestClient) -> None:
    user_token = tokens_for(client, "admin")["access_token"]
    me = client.get("/api/v1/me", headers=bearer(user_token)).json()
    assert me == {
        "id": "u-admin",
        "username": "admin",
        "display_name": "Ada Admin",
        "tenants": [
            {"id": "acme", "name": "Acme Corp", "role": "admin"},
            {"id": "globex", "name": "Globex", "role": "admin"},
        ],
    }
    via_tenant = client.get("/api/v1/me", headers=bearer(tenant_token(client, "readonly", "acme"))).json()
    assert via_tenant["tenants"] == [{"id": "acme", "name": "Acme Corp", "role": "readonly"}]
    assert client.get("/api/v1/me").status_code == 401
    # userinfo wants the user token itself
    assert (
        client.get("/oauth/userinfo", headers=bearer(tenant_token(client, "admin", "acme"))).status_code
        == 401
    )


def test_principal_from_token_for_websockets(
    client: TestClient, settings: Settings, signing_keys: SigningKeys
) -> None:
    app: Any = client.app
    db = app.state.db
    acme = tenant_token(client, "supervisor", "acme")
    principal = principal_from_token(acme, "acme", db=db, settings=settings)
    assert (principal.user_id, principal.role.value, principal.can_act) == (
        "u-supervisor",
        "supervisor",
        True,
    )

    with pytest.raises(AuthError) as forbidden:
        principal_from_token(acme, "globex", db=db, settings=settings)
    assert forbidden.value.status == 403
    user = issue_user_token(
        signing_keys, settings, user_id="u-admin", username="admin", scope="", client_id=CLIENT
    )
    with pytest.raises(AuthError) as user_token:
        principal_from_token(user, "acme", db=db, settings=settings)
    assert user_token.value.status == 403
    for bad in ("", "garbage"):
        with pytest.raises(AuthError) as unauthorized:
            principal_from_token(bad, "acme", db=db, settings=settings)
        assert unauthorized.value.status == 401


def test_principal_from_token_defaults_to_the_process_app(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app: Any = client.app
    ensure_signing_key(app.state.db)  # what the app's start-up did
    monkeypatch.setenv(ENV_VAR, json.dumps(dataclasses.asdict(settings)))  # what `serve` does
    principal = principal_from_token(tenant_token(client, "admin", "globex"), "globex")
    assert (principal.tenant_id, principal.is_admin) == ("globex", True)


# --- building blocks ------------------------------------------------------------


def test_password_hashes() -> None:
    encoded = hash_password("s3cret")
    scheme, n, r, p, salt, digest = encoded.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1") and salt and digest
    assert verify_password("s3cret", encoded) and not verify_password("S3cret", encoded)
    assert hash_password("s3cret") != encoded  # salted
    assert not verify_password("s3cret", "garbage") and not verify_password("x", "scrypt$1$2$3$@@$@@")


def test_demo_users_are_idempotent(settings: Settings) -> None:
    db = Database(settings.db_url)
    try:
        with db.session() as session:
            create_demo_users(session)
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(User)) == 3
            admin = session.get(User, "u-admin")
            assert admin is not None and verify_password("admin", admin.password_hash)
    finally:
        db.dispose()


def test_racing_workers_end_up_with_one_signing_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    databases = [Database(url) for _ in range(3)]
    upgrade(databases[0].engine)
    barrier = threading.Barrier(len(databases))

    def start(db: Database) -> None:
        barrier.wait()
        ensure_signing_key(db)

    threads = [threading.Thread(target=start, args=(db,)) for db in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        with databases[0].session() as session:
            assert session.scalar(select(func.count()).select_from(SigningKey)) == 1
        jwks = [keys_module.load_keys(db).jwks for db in databases]
        assert jwks[0] == jwks[1] == jwks[2]
    finally:
        for db in databases:
            db.dispose()
