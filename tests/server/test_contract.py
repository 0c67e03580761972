"""The committed contract is the served one, and the API keeps to it under fuzzing."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from server.api.contract import openapi_json
from tests.platform import Platform, sign_in, tenant_token

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"
schema = schemathesis.openapi.from_path(CONTRACT)


def test_committed_contract_is_what_the_code_declares() -> None:
    assert openapi_json() == CONTRACT.read_text(encoding="utf-8"), (
        "docs/api/openapi.json is stale: run `python -m server openapi --out docs/api/openapi.json`"
    )


def test_served_contract_is_the_committed_file(platform: Platform) -> None:
    served = httpx.get(f"{platform.url}/api/v1/openapi.json").json()
    assert served == json.loads(CONTRACT.read_text(encoding="utf-8"))
    assert served["openapi"].startswith("3.1")


@pytest.fixture(scope="module")
def fuzz_token(platform: Platform) -> str:
    # A read-only user: the fuzzer exercises every operation without deleting the data others rely on.
    return tenant_token(platform.url, sign_in(platform.url, "readonly")["access_token"], "acme")


@schema.include(path_regex=r"^/api/v1/\{tenant\}/").parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_keeps_to_its_contract(case: schemathesis.Case, platform: Platform, fuzz_token: str) -> None:
    case.path_parameters = {**(case.path_parameters or {}), "tenant": "acme"}
    # Opaque cursors and cross-field rules (date_from <= date_to, min <= max) cannot be
    # said in JSON Schema, so a schema-valid request may still be rightly refused with 422;
    # every other check (no 5xx, documented statuses, content types, response schemas,
    # schema-violating requests refused) applies.
    case.call_and_validate(
        base_url=platform.url,
        headers={"Authorization": f"Bearer {fuzz_token}"},
        excluded_checks=[positive_data_acceptance],
    )
