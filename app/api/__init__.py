"""Talking to the platform, written against docs/api/openapi.json only.

- `auth.session.AuthSession`: sign-in (browser + PKCE), tenant tokens, renewal, sign-out
- `client.ApiClient`: a typed method for every /api/v1 operation
- `secrets.RefreshTokenStore`: the refresh token in the OS keyring, and nowhere else
- `transport`: verified TLS, timeouts, no plain http beyond loopback; `retry`: what may be retried
- `errors`: every failure as a typed error with a message for the user
"""
