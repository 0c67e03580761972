"""Server settings, passed to every worker process through one environment variable."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from platformdirs import user_data_dir

ENV_VAR = "CONVODESK_SERVER_SETTINGS"


def default_db_url() -> str:
    path = Path(user_data_dir("convodesk-platform", appauthor=False)) / "platform.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Settings:
    db_url: str
    public_url: str  # the issuer and the base of every absolute URL we hand out
    access_token_seconds: int = 300
    refresh_token_days: int = 30
    authorization_code_seconds: int = 60
    max_body_bytes: int = 1_000_000
    event_retention_days: int = 7

    def to_env(self) -> None:
        os.environ[ENV_VAR] = json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> Settings:
        raw = os.environ.get(ENV_VAR)
        if not raw:
            raise RuntimeError(f"{ENV_VAR} is not set; start the server with `python -m server serve`")
        return cls(**json.loads(raw))
