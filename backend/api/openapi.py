"""What the OpenAPI document adds to the routes' own declarations: the answers every signed-in
operation can give, written once here rather than on each route, so none can forget them."""

from typing import Any

from backend.api.deps import SAFE_METHODS

UNAUTHENTICATED = {
    "description": "Not signed in, or the token is invalid, expired, idle or revoked",
}
CROSS_SITE = {
    "description": "A cookie-authenticated write from another site (send it from the app, or "
    "use a bearer token)",
}


def document_sign_in_errors(schema: dict[str, Any]) -> None:
    """Every operation that takes credentials can answer 401; its writes also 403 for a
    cross-site cookie (api/deps.py decides both)."""
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if not operation.get("security"):
                continue
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", UNAUTHENTICATED)
            if method.upper() not in SAFE_METHODS:
                responses.setdefault("403", CROSS_SITE)
