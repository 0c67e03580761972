"""The sign-in page and the authorization error page (self-contained HTML, every value escaped)."""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from fastapi.responses import HTMLResponse

from server.auth.clients import AuthorizationRequest

_STYLE = """
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
 font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#111827}
main{width:100%;max-width:380px;margin:24px;padding:32px;background:#fff;border-radius:12px;
 box-shadow:0 1px 3px rgba(0,0,0,.08),0 8px 24px rgba(0,0,0,.06)}
h1{margin:0 0 4px;font-size:22px}
p.lead{margin:0 0 24px;color:#6b7280}
label{display:block;margin:14px 0 6px;font-weight:600;font-size:14px}
input[type=text],input[type=password]{width:100%;padding:10px 12px;font:inherit;
 border:1px solid #d1d5db;border-radius:8px}
input:focus{outline:2px solid #2563eb;outline-offset:1px;border-color:#2563eb}
button{width:100%;margin-top:24px;padding:11px;font:inherit;font-weight:600;color:#fff;
 background:#2563eb;border:0;border-radius:8px;cursor:pointer}
button:hover{background:#1d4ed8}
.error{margin:0 0 8px;padding:10px 12px;border-radius:8px;background:#fef2f2;color:#991b1b;
 border:1px solid #fecaca}
.hint{margin:20px 0 0;font-size:13px;color:#6b7280}
"""

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title><style>{style}</style></head>
<body><main>{body}</main></body></html>
"""


def _headers(form_action: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'unsafe-inline'; form-action {form_action}; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def _redirect_source(redirect_uri: str) -> str:
    """The CSP source for the app's loopback address.

    Browsers apply form-action to the redirect that answers the form, so the
    loopback origin must be allowed too. CSP cannot spell IPv6 literals; for
    [::1] the scheme is the narrowest source there is.
    """
    parts = urlsplit(redirect_uri)
    return "http:" if parts.netloc.startswith("[") else f"http://{parts.netloc}"


def signin_page(
    req: AuthorizationRequest, *, error: str | None = None, username: str = "", status_code: int = 200
) -> HTMLResponse:
    hidden = "\n".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in req.hidden_fields().items()
    )
    alert = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = f"""
<h1>Sign in</h1>
<p class="lead">to continue to the Convodesk app on this computer</p>
{alert}
<form method="post" action="/oauth/authorize" autocomplete="on">
{hidden}
<label for="username">User name</label>
<input type="text" id="username" name="username" value="{escape(username)}" autocomplete="username"
 autocapitalize="none" spellcheck="false" required {"" if username else "autofocus"}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required
 {"autofocus" if username else ""}>
<button type="submit">Sign in</button>
</form>
<p class="hint">After signing in you will be sent back to the app.</p>
"""
    html = _PAGE.format(title="Sign in · Convodesk", style=_STYLE, body=body)
    form_action = f"'self' {_redirect_source(req.redirect_uri)}"
    return HTMLResponse(html, status_code=status_code, headers=_headers(form_action))


def error_page(message: str, status_code: int = 400) -> HTMLResponse:
    body = f"""
<h1>Cannot sign in</h1>
<p class="error" role="alert">{escape(message)}</p>
<p class="hint">Close this window and start signing in again from the Convodesk app.</p>
"""
    html = _PAGE.format(title="Cannot sign in · Convodesk", style=_STYLE, body=body)
    return HTMLResponse(html, status_code=status_code, headers=_headers("'none'"))
