"""Schemathesis over every operation of our OpenAPI document, in process, as a signed-in user with
a project: all its checks, every phase (examples, coverage, fuzzing, stateful with inferred links),
a bounded number of cases so it stays part of the normal suite."""

import asyncio
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis import AuthContext, Case
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.python import asgi

from backend.main import create_app
from tests.conftest import TestUser, ThrowawayDatabase, make_settings

MAX_EXAMPLES = 10
MAX_STATEFUL_STEPS = 8
# A fixed seed: the same cases on every run, so a failure here reproduces.
SEED = 9

# Failures that are the contract, not a bug (README, "Fuzzing"): (check, operation) -> why.
ACCEPTED = {
    ("positive_data_acceptance", "PUT /api/projects/{project_id}/scenes/order"): (
        "scene_ids must be a permutation of the project's scenes: no JSON Schema says that"
    ),
    ("positive_data_acceptance", "POST /api/files"): (
        "an upload must be a picture or a document by its bytes: a schema says only "
        "`format: binary`"
    ),
    ("negative_data_rejection", "POST /api/files"): (
        "a multipart part is bytes whatever JSON value the case meant: as UTF-8 text it is a "
        "text document, which the route takes"
    ),
    ("positive_data_acceptance", "POST /api/scenes/{scene_id}/image"): (
        "the same upload rule as POST /api/files"
    ),
    ("positive_data_acceptance", "POST /api/projects/{project_id}/documents"): (
        "an upload must be a document with text by its bytes (.txt, .md, .fountain, .pdf, "
        ".docx): a schema says only `format: binary`"
    ),
    ("negative_data_rejection", "POST /api/projects/{project_id}/documents"): (
        "a multipart part is bytes whatever JSON value the case meant: `True` arrives as a "
        "text document reading True, which is one"
    ),
    ("positive_data_acceptance", "POST /api/documents/{document_id}/scenes"): (
        "scenes come from the document's scene headings: a document without any is a 422, and "
        "no schema says what a document contains"
    ),
    ("positive_data_acceptance", "POST /api/projects/{project_id}/scenes"): (
        "image_file_id must name a picture the user uploaded: no JSON Schema says that"
    ),
    ("positive_data_acceptance", "PUT /api/scenes/{scene_id}"): (
        "image_file_id must name a picture the user uploaded, as for scene create"
    ),
    **{
        ("positive_data_acceptance", operation): (
            "If-Match must name the project's current revision (412 otherwise, the contract's "
            "no-lost-updates rule): no JSON Schema can say which revision is current"
        )
        for operation in (
            "PUT /api/projects/{project_id}",
            "DELETE /api/projects/{project_id}",
            "DELETE /api/scenes/{scene_id}",
            "DELETE /api/scenes/{scene_id}/image",
            "POST /api/scenes/{scene_id}/duplicate",
            "POST /api/change-sets/{change_set_id}/undo",
            "PUT /api/projects/{project_id}/dossier",
            *(
                f"{method} /api/projects/{{project_id}}/dossier/{kind}{item}"
                for kind in ("characters", "themes", "locations", "plot_points")
                for method, item in (
                    ("POST", ""),
                    ("PATCH", "/{item_id}"),
                    ("DELETE", "/{item_id}"),
                )
            ),
        )
    },
    **{
        ("positive_data_acceptance", operation): (
            "attachments must name pictures the user uploaded: no JSON Schema says that"
        )
        for operation in (
            "POST /api/chat/{project_id}/send",
            "POST /api/chat/{project_id}/stream",
            "POST /api/conversations/{conversation_id}/send",
            "POST /api/conversations/{conversation_id}/stream",
        )
    },
    ("positive_data_acceptance", "POST /api/projects/import"): (
        "an embedded picture must be base64 of a picture (the upload rule): a schema says only "
        "`string`"
    ),
    ("positive_data_acceptance", "POST /api/auth/register"): (
        "an account's email must be able to receive mail: special-use domains (`.test`, "
        "`.invalid`, `.localhost`…) are refused, which `format: email` does not say"
    ),
    ("ensure_resource_availability", "GET /api/files/{file_id}/thumbnail"): (
        'only a picture has a thumbnail (the contract\'s "images only"): a document made by '
        "POST /api/files has none, so its thumbnail is a 404"
    ),
    ("use_after_free", "GET /api/chat/{project_id}/messages"): (
        "DELETE /api/chat/{project_id} ends the conversation, not the project: its messages "
        "stay readable (empty, session_id null)"
    ),
}


def run_schemathesis(database_url: str, data_dir: Path, user: TestUser) -> list[str]:
    """Runs the engine the way the CLI does; returns every failure it reported that is not
    accepted above, described."""
    # Event streams end at once, so a call that opens one gets its whole answer; and a chat
    # stream whose turn asks for an approval (a fuzzed "delete …") is answered "no" by the
    # timeout soon, since no fuzzer answers it.
    app = create_app(
        make_settings(
            database_url, data_dir, EVENTS_STREAM_SECONDS=0.2, CHAT_APPROVAL_TIMEOUT_SECONDS=0.5
        )
    )
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            # Nothing carried over between runs (nor written into the checkout).
            "cache": {"enabled": False},
            # A PDF export renders a storyboard (seconds, more on a busy machine): past the
            # default 10 s a slow render would read as a network error.
            "request-timeout": 60,
            "checks": {"enabled": True},
            # NUL is refused (422) in every text field, which a JSON Schema cannot say short of
            # a pattern on each; tests/api/test_text_inputs.py sends it to every field instead.
            "generation": {"max-examples": MAX_EXAMPLES, "allow-x00": False},
            "phases": {"stateful": {"enabled": True, "max-steps": MAX_STATEFUL_STEPS}},
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)

    @schema.auth()
    class SignIn:
        """A real sign-in; Schemathesis signs in again when a call gets 401 (after it called
        logout, say) and repeats that call."""

        def get(self, case: Case[Any], context: AuthContext) -> str:
            credentials = {"email": user.email, "password": user.password}
            with asgi.get_client(app) as client:  # type: ignore[arg-type]
                response = client.post("/api/auth/login", json=credentials)
            assert response.status_code == 200, response.text
            return str(response.json()["access_token"])

        def set(self, case: Case[Any], token: str, context: AuthContext) -> None:
            case.headers["Authorization"] = f"Bearer {token}"

    failures: list[str] = []
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished) and event.status is Status.FAILURE:
                for case_id, checks in event.recorder.checks.items():
                    case = event.recorder.cases[case_id].value
                    operation = f"{case.method} {case.operation.path}"
                    response = event.recorder.find_response(case_id=case_id)
                    failures.extend(
                        f"[{event.phase.value}] {operation} -> "
                        f"{response.status_code if response else None}: {check.name}: "
                        f"{check.failure_info.failure.title} (body {repr(case.body)[:200]})"
                        for check in checks
                        if check.failure_info is not None
                        and (check.name, operation) not in ACCEPTED
                    )
            elif isinstance(event, events.NonFatalError):
                failures.append(f"error in {event.label}: {event.info.title}: {event.info.message}")
            elif isinstance(event, events.FatalError):
                raise event.exception
    finally:
        asgi.shutdown_lifespans()
    return sorted(set(failures))


async def test_schemathesis_finds_no_unexplained_failure_on_any_operation(
    database: ThrowawayDatabase, tmp_path: Path, user: TestUser
) -> None:
    # Its client runs the app on an event loop of its own, in another thread.
    failures = await asyncio.to_thread(run_schemathesis, database.url, tmp_path, user)
    assert failures == [], "\n".join(failures)
