"""Validation of emulator answers against SendGrid's official OpenAPI
documents (``tests/data/sendgrid-openapi``), with the spec defects of §8 of
``docs/sendgrid-api-facts.md`` patched out (each patch names its item).

Statuses a spec does not declare for an operation (SendGrid documents 401,
403, 429 and 500 bodies globally, not per operation) are validated against
the same spec's ``ErrorResponse`` schema, or the contacts spec's when the spec
has none.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from emulator_helpers import Answer
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPECS = Path(__file__).resolve().parent / "data" / "sendgrid-openapi"
FALLBACK_SPEC = "tsg_mc_contacts_v3.json"
# Answers documented outside the spec, with no body: sandbox-mode mail send
# answers 200 (docs/sendgrid-api-facts.md §3.4, D-SANDBOX); the spec declares only 202.
EMPTY_OUTSIDE_SPEC = {("/v3/mail/send", 200)}


def patch_defects(node: Any) -> None:
    """Applies the §8 exceptions in place."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            # §8.4: error `field` is JSON null in real bodies (spec: string / "null").
            if props.get("field", {}).get("type") == "string":
                props["field"] = {"type": ["string", "null"]}
            # §8.2: the contacts DELETE 202 declares `job_id` an object; it is the id string.
            if props.get("job_id", {}).get("type") == "object":
                props["job_id"] = {"type": "string"}
            # §8.6: template ids are declared 36-char UUIDs; dynamic ids are d- + 32 hex.
            if "generation" in props and props.get("id", {}).get("format") == "uuid":
                props["id"] = {"type": "string"}
        for value in node.values():
            patch_defects(value)
    elif isinstance(node, list):
        for value in node:
            patch_defects(value)


def patch_error_bodies(spec: dict[str, Any]) -> None:
    """Not in §8: a few operations declare their error body as one error object
    (contacts identifier search 400/404: ``ContactsError``) or as a bare array of
    them (``GET /v3/marketing/lists/{id}`` 404: ``Error``); SendGrid answers
    ``{"errors": [...]}`` of those objects, as on every other endpoint."""
    for operations in spec["paths"].values():
        for operation in operations.values():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            for status, response in responses.items():
                media = response.get("content", {}).get("application/json", {})
                schema = media.get("schema", {})
                item = schema.get("items", {}) if schema.get("type") == "array" else schema
                ref = item.get("$ref", "")
                if status[0] in "45" and ref.endswith(("/ContactsError", "/Error")):
                    errors = {"type": "array", "items": {"$ref": ref}}
                    media["schema"] = {
                        "type": "object",
                        "required": ["errors"],
                        "properties": {"errors": errors},
                    }


@cache
def load_spec(name: str) -> dict[str, Any]:
    spec = json.loads((SPECS / name).read_text())
    assert isinstance(spec, dict)
    patch_defects(spec)
    patch_error_bodies(spec)
    return spec


def pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def validate(spec_name: str, route: str, method: str, answer: Answer) -> str:
    """Validates `answer`; returns which schema was used."""
    spec = load_spec(spec_name)
    responses = spec["paths"][route][method.lower()]["responses"]
    declared = responses.get(str(answer.status))
    if declared is None:
        if not answer.raw and (route, answer.status) in EMPTY_OUTSIDE_SPEC:
            return "documented outside the spec, no body"
        if not answer.raw:
            pytest.fail(f"{method} {route} {answer.status}: undeclared status with empty body")
        holder = spec_name if "ErrorResponse" in spec["components"].get("schemas", {}) else None
        spec_name = holder or FALLBACK_SPEC
        spec = load_spec(spec_name)
        ref = pointer("components", "schemas", "ErrorResponse")
        used = f"{spec_name} ErrorResponse"
    else:
        response = resolve(spec, declared)
        content = response.get("content", {}).get("application/json")
        if content is None:
            assert answer.raw == b"", f"{method} {route} {answer.status} must have no body"
            return "no content"
        ref = pointer("paths", route, method.lower(), "responses", str(answer.status))
        if "$ref" in declared:
            ref = declared["$ref"]
        ref += "/content/application~1json/schema"
        used = f"{spec_name} {answer.status}"
    errors = sorted(validator(spec, ref).iter_errors(answer.body), key=str)
    assert not errors, f"{method} {route} {answer.status} ({used}): {errors[0].message}"
    return used


def validator(spec: dict[str, Any], ref: str) -> Draft202012Validator:
    """A validator for the schema at JSON pointer `ref` of `spec`."""
    registry: Registry[Any] = Registry().with_resource(
        "urn:spec", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": "urn:spec" + ref}, registry=registry)
