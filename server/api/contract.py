"""The OpenAPI document, rendered the same way for the committed file and the served one."""

from __future__ import annotations

import json

from server.api.app import create_app
from server.config import Settings


def openapi_json() -> str:
    app = create_app(Settings(db_url="sqlite://", public_url="http://127.0.0.1"))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
