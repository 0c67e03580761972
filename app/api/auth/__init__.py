"""Sign-in to the platform: OAuth 2.0 code + PKCE in the system browser, tenant tokens, refresh, sign-out."""
