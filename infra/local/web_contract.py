"""Write the web client's copy of the API contract (``make web-contract``).

In ``web/src/api/generated``: ``openapi.json`` is the API's OpenAPI document,
``permissions.json`` its permission matrix and ``openapi.d.ts`` the TypeScript types
openapi-typescript generates from the document (``npm run gen:api``).
tests/test_web_contract.py fails when the committed files and the API drift apart;
web/src/api/contract.test.ts checks the client's entity registry and permissions against them.
"""

from __future__ import annotations

import json
import sys

from profiles import ROOT

from switchboard_api.app import create_app
from switchboard_api.auth.permissions import MATRIX, Action
from switchboard_api.settings import ApiSettings
from web import run_script

GENERATED = ROOT / "web" / "src" / "api" / "generated"


def _json(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def openapi_document() -> str:
    """The API's OpenAPI document, as served at /api/openapi.json with default settings."""
    settings = ApiSettings.model_construct()  # the defaults, never this machine's environment
    return _json(create_app(settings).openapi_schema.to_schema())


def permission_matrix() -> str:
    """Role -> entity type -> allowed actions (in the order of ``Action``)."""
    return _json(
        {
            role.value: {
                entity_type: [action.value for action in Action if action in allowed]
                for entity_type, allowed in types.items()
            }
            for role, types in MATRIX.items()
        }
    )


def write() -> None:
    """Rewrite the committed snapshots and the TypeScript types generated from the document."""
    GENERATED.mkdir(parents=True, exist_ok=True)
    (GENERATED / "openapi.json").write_text(openapi_document())
    (GENERATED / "permissions.json").write_text(permission_matrix())
    generated = run_script("gen:api")
    if generated.returncode != 0:
        raise RuntimeError(f"npm run gen:api failed:\n{generated.stdout}{generated.stderr}")


if __name__ == "__main__":
    write()
    sys.stdout.write(
        f"wrote {GENERATED.relative_to(ROOT)}: openapi.json, openapi.d.ts, permissions.json\n"
    )
