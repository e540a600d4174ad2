"""The web client's committed copy of the API contract is the API's own.

web/src/api/generated holds the OpenAPI document, the TypeScript types generated from it and
the permission matrix; the client's entity registry and buttons are checked against them
(web/src/api/contract.test.ts). These tests fail when the API changes and the copy was not
regenerated.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "infra" / "local"))

from web_contract import GENERATED, openapi_document, permission_matrix  # noqa: E402

from switchboard_api.auth.permissions import MATRIX, Action, Role, can  # noqa: E402
from web import run_script  # noqa: E402

STALE = "the web client's contract is stale: run `make web-contract`"


def test_openapi_snapshot_is_the_apis_document() -> None:
    assert (GENERATED / "openapi.json").read_text() == openapi_document(), STALE


def test_typescript_types_are_generated_from_the_snapshot() -> None:
    checked = run_script("check:api")  # openapi-typescript --check: exit 1 when stale
    assert checked.returncode == 0, f"{STALE}\n{checked.stdout}{checked.stderr}"


def test_permission_snapshot_is_the_matrix() -> None:
    assert (GENERATED / "permissions.json").read_text() == permission_matrix(), STALE


def test_permission_snapshot_answers_as_the_api_does() -> None:
    snapshot = json.loads(permission_matrix())
    for role in Role:
        assert set(snapshot[role.value]) == set(MATRIX[role]), role
        for entity_type, allowed in snapshot[role.value].items():
            for action in Action:
                assert (action.value in allowed) == can(role, entity_type, action), (
                    role,
                    entity_type,
                    action,
                )
