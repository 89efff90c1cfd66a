"""Every response the emulator can give (each endpoint, each status),
validated against the response schemas of SendGrid's official OpenAPI
documents; see ``openapi_schemas.py`` for the rules and the exceptions of
``docs/sendgrid-api-facts.md`` §8."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from emulator_helpers import Answer, call
from openapi_schemas import FALLBACK_SPEC, load_spec, pointer, validate, validator

from segment_sendgrid.testing import FakeSendGrid


@dataclass
class Account:
    fake: FakeSendGrid
    template: str
    list_id: str
    field_id: str
    group: int
    job_id: str = ""
    errored_job: str = ""
    # A placeholder where there is none: the scope test's emulator stops at the 403.
    export_id: str = "no-such-export"


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    with FakeSendGrid() as fake:
        acc = Account(
            fake=fake,
            template=fake.add_template("Welcome"),
            list_id=fake.add_list("VIP"),
            field_id=fake.add_custom_field("plan"),
            group=fake.add_suppression_group("Weekly"),
        )
        fake.add_template("Legacy", generation="legacy")
        fake.add_ip_pool("transactional")
        fake.add_domain("example.com")
        body = {
            "list_ids": [acc.list_id],
            "contacts": [
                {
                    "email": "ann@example.com",
                    "external_id": "ann-1",
                    "custom_fields": {acc.field_id: "pro"},
                }
            ],
        }
        acc.job_id = call(fake, "PUT", "/v3/marketing/contacts", body).body["job_id"]
        # The second record lacks ann's external_id: the job ends "errored".
        body = {"contacts": [{"email": "dee@example.com"}, {"email": "ann@example.com"}]}
        acc.errored_job = call(fake, "PUT", "/v3/marketing/contacts", body).body["job_id"]
        body = {"list_ids": [acc.list_id], "file_type": "json"}
        acc.export_id = call(fake, "POST", EXPORTS, body).body["id"]
        yield acc


def mail(acc: Account, **extra: Any) -> dict[str, Any]:
    return {
        "from": {"email": "from@example.com"},
        "template_id": acc.template,
        "personalizations": [{"to": [{"email": "to@example.com"}]}],
        **extra,
    }


# (spec, route, method, path, body builder, expected status)
Case = tuple[str, str, str, Callable[[Account], str], Callable[[Account], Any], int]
CT, CF, LS = "tsg_mc_contacts_v3.json", "tsg_mc_custom_fields_v3.json", "tsg_mc_lists_v3.json"
MAIL, TP = "tsg_mail_v3.json", "tsg_templates_v3.json"
IDS = "/v3/marketing/contacts/search/identifiers/{identifier_type}"
LIST, LIST_COUNT = "/v3/marketing/lists/{id}", "/v3/marketing/lists/{id}/contacts/count"
LIST_MEMBERS = "/v3/marketing/lists/{id}/contacts"
EXPORTS, EXPORT = "/v3/marketing/contacts/exports", "/v3/marketing/contacts/exports/{id}"
NO_LIST = "0b0b0b0b-0000-4000-8000-000000000000"
CASES: dict[str, Case] = {
    "contacts 202": (
        CT,
        "/v3/marketing/contacts",
        "PUT",
        lambda a: "/v3/marketing/contacts",
        lambda a: {"contacts": [{"email": "b@example.com"}]},
        202,
    ),
    "contacts 400 records": (
        CT,
        "/v3/marketing/contacts",
        "PUT",
        lambda a: "/v3/marketing/contacts",
        lambda a: {"contacts": [{"email": "x"}, {"city": "Oslo"}]},
        400,
    ),
    "contacts 400 json": (
        CT,
        "/v3/marketing/contacts",
        "PUT",
        lambda a: "/v3/marketing/contacts",
        lambda a: b"{",
        400,
    ),
    # An id no contact has: the job deletes nothing the other cases read.
    "contacts delete 202": (
        CT,
        "/v3/marketing/contacts",
        "DELETE",
        lambda a: f"/v3/marketing/contacts?ids={NO_LIST}",
        lambda a: None,
        202,
    ),
    "contacts delete 400": (
        CT,
        "/v3/marketing/contacts",
        "DELETE",
        lambda a: "/v3/marketing/contacts",
        lambda a: None,
        400,
    ),
    "import 200": (
        CT,
        "/v3/marketing/contacts/imports/{id}",
        "GET",
        lambda a: f"/v3/marketing/contacts/imports/{a.job_id}",
        lambda a: None,
        200,
    ),
    "import 200 errored": (
        CT,
        "/v3/marketing/contacts/imports/{id}",
        "GET",
        lambda a: f"/v3/marketing/contacts/imports/{a.errored_job}",
        lambda a: None,
        200,
    ),
    "import 404": (
        CT,
        "/v3/marketing/contacts/imports/{id}",
        "GET",
        lambda a: "/v3/marketing/contacts/imports/nope",
        lambda a: None,
        404,
    ),
    "export 202": (
        CT,
        EXPORTS,
        "POST",
        lambda a: EXPORTS,
        lambda a: {"list_ids": [a.list_id], "file_type": "csv", "max_file_size": 1},
        202,
    ),
    "export 400": (
        CT,
        EXPORTS,
        "POST",
        lambda a: EXPORTS,
        lambda a: {"file_type": "xml", "segment_ids": ["s1"]},
        400,
    ),
    "export 404": (CT, EXPORTS, "POST", lambda a: EXPORTS, lambda a: {"list_ids": [NO_LIST]}, 404),
    "exports 200": (CT, EXPORTS, "GET", lambda a: EXPORTS, lambda a: None, 200),
    "export status 200": (
        CT,
        EXPORT,
        "GET",
        lambda a: f"{EXPORTS}/{a.export_id}",
        lambda a: None,
        200,
    ),
    "export status 404": (
        CT,
        EXPORT,
        "GET",
        lambda a: f"{EXPORTS}/{NO_LIST}",
        lambda a: None,
        404,
    ),
    "search 200": (
        CT,
        "/v3/marketing/contacts/search/emails",
        "POST",
        lambda a: "/v3/marketing/contacts/search/emails",
        lambda a: {"emails": ["ann@example.com", "zed@example.com"]},
        200,
    ),
    "search 404": (
        CT,
        "/v3/marketing/contacts/search/emails",
        "POST",
        lambda a: "/v3/marketing/contacts/search/emails",
        lambda a: {"emails": ["zed@example.com"]},
        404,
    ),
    "search 400": (
        CT,
        "/v3/marketing/contacts/search/emails",
        "POST",
        lambda a: "/v3/marketing/contacts/search/emails",
        lambda a: {"emails": ["bad"]},
        400,
    ),
    "identifiers 200": (
        CT,
        IDS,
        "POST",
        lambda a: IDS.format(identifier_type="email"),
        lambda a: {"identifiers": ["ann@example.com", "zed@example.com"]},
        200,
    ),
    "identifiers 200 external_id": (
        CT,
        IDS,
        "POST",
        lambda a: IDS.format(identifier_type="external_id"),
        lambda a: {"identifiers": ["ann-1"]},
        200,
    ),
    "identifiers 404": (
        CT,
        IDS,
        "POST",
        lambda a: IDS.format(identifier_type="email"),
        lambda a: {"identifiers": ["zed@example.com"]},
        404,
    ),
    "identifiers 400": (
        CT,
        IDS,
        "POST",
        lambda a: IDS.format(identifier_type="email"),
        lambda a: {"identifiers": ["bad"]},
        400,
    ),
    "identifiers 400 type": (
        CT,
        IDS,
        "POST",
        lambda a: IDS.format(identifier_type="phone"),
        lambda a: {"identifiers": ["x"]},
        400,
    ),
    "sgql 200": (
        CT,
        "/v3/marketing/contacts/search",
        "POST",
        lambda a: "/v3/marketing/contacts/search",
        lambda a: {"query": f"email LIKE 'ann%' AND CONTAINS(list_ids, '{a.list_id}')"},
        200,
    ),
    "sgql 400": (
        CT,
        "/v3/marketing/contacts/search",
        "POST",
        lambda a: "/v3/marketing/contacts/search",
        lambda a: {"query": "age = '3'"},
        400,
    ),
    "contacts sample 200": (
        CT,
        "/v3/marketing/contacts",
        "GET",
        lambda a: "/v3/marketing/contacts",
        lambda a: None,
        200,
    ),
    "contacts count 200": (
        CT,
        "/v3/marketing/contacts/count",
        "GET",
        lambda a: "/v3/marketing/contacts/count",
        lambda a: None,
        200,
    ),
    "fields 200": (
        CF,
        "/v3/marketing/field_definitions",
        "GET",
        lambda a: "/v3/marketing/field_definitions",
        lambda a: None,
        200,
    ),
    "field create 200": (
        CF,
        "/v3/marketing/field_definitions",
        "POST",
        lambda a: "/v3/marketing/field_definitions",
        lambda a: {"name": "color", "field_type": "Text"},
        200,
    ),
    "field create 400": (
        CF,
        "/v3/marketing/field_definitions",
        "POST",
        lambda a: "/v3/marketing/field_definitions",
        lambda a: {"name": "9x", "field_type": "Text"},
        400,
    ),
    "lists 200": (
        LS,
        "/v3/marketing/lists",
        "GET",
        lambda a: "/v3/marketing/lists?page_size=1",
        lambda a: None,
        200,
    ),
    "list 200": (
        LS,
        LIST,
        "GET",
        lambda a: f"/v3/marketing/lists/{a.list_id}?contact_sample=true",
        lambda a: None,
        200,
    ),
    "list 404": (LS, LIST, "GET", lambda a: f"/v3/marketing/lists/{NO_LIST}", lambda a: None, 404),
    "list count 200": (
        LS,
        LIST_COUNT,
        "GET",
        lambda a: f"/v3/marketing/lists/{a.list_id}/contacts/count",
        lambda a: None,
        200,
    ),
    "list count 404": (
        LS,
        LIST_COUNT,
        "GET",
        lambda a: f"/v3/marketing/lists/{NO_LIST}/contacts/count",
        lambda a: None,
        404,
    ),
    # dee is on no list: taking her off VIP changes nothing the other cases read.
    "list members remove 202": (
        LS,
        LIST_MEMBERS,
        "DELETE",
        lambda a: f"/v3/marketing/lists/{a.list_id}/contacts?contact_ids={contact_id(a, 'dee')}",
        lambda a: None,
        202,
    ),
    "list members remove 400": (
        LS,
        LIST_MEMBERS,
        "DELETE",
        lambda a: f"/v3/marketing/lists/{a.list_id}/contacts",
        lambda a: None,
        400,
    ),
    "list members remove 404": (
        LS,
        LIST_MEMBERS,
        "DELETE",
        lambda a: f"/v3/marketing/lists/{NO_LIST}/contacts?contact_ids={contact_id(a, 'dee')}",
        lambda a: None,
        404,
    ),
    "list create 201": (
        LS,
        "/v3/marketing/lists",
        "POST",
        lambda a: "/v3/marketing/lists",
        lambda a: {"name": "New"},
        201,
    ),
    "list create 400": (
        LS,
        "/v3/marketing/lists",
        "POST",
        lambda a: "/v3/marketing/lists",
        lambda a: {"name": ""},
        400,
    ),
    "mail 202": (MAIL, "/v3/mail/send", "POST", lambda a: "/v3/mail/send", mail, 202),
    "mail 200 sandbox": (
        MAIL,
        "/v3/mail/send",
        "POST",
        lambda a: "/v3/mail/send",
        lambda a: mail(a, mail_settings={"sandbox_mode": {"enable": True}}),
        200,
    ),
    "mail 400": (
        MAIL,
        "/v3/mail/send",
        "POST",
        lambda a: "/v3/mail/send",
        lambda a: mail(a, categories=["x"] * 11, ip_pool_name="none"),
        400,
    ),
    "mail 413": (
        MAIL,
        "/v3/mail/send",
        "POST",
        lambda a: "/v3/mail/send",
        lambda a: b" " * 30_000_001,
        413,
    ),
    "templates 200": (
        TP,
        "/v3/templates",
        "GET",
        lambda a: "/v3/templates?page_size=1&generations=legacy,dynamic",
        lambda a: None,
        200,
    ),
    "templates 400": (TP, "/v3/templates", "GET", lambda a: "/v3/templates", lambda a: None, 400),
    "template 200": (
        TP,
        "/v3/templates/{template_id}",
        "GET",
        lambda a: f"/v3/templates/{a.template}",
        lambda a: None,
        200,
    ),
    "template 404": (
        TP,
        "/v3/templates/{template_id}",
        "GET",
        lambda a: "/v3/templates/d-0",
        lambda a: None,
        404,
    ),
    "pools 200": (
        "tsg_ips_v3.json",
        "/v3/ips/pools",
        "GET",
        lambda a: "/v3/ips/pools",
        lambda a: None,
        200,
    ),
    "groups 200": (
        "tsg_suppressions_v3.json",
        "/v3/asm/groups",
        "GET",
        lambda a: "/v3/asm/groups",
        lambda a: None,
        200,
    ),
    "domains 200": (
        "tsg_domain_authentication_v3.json",
        "/v3/whitelabel/domains",
        "GET",
        lambda a: "/v3/whitelabel/domains?limit=200",
        lambda a: None,
        200,
    ),
    "account 200": (
        "tsg_user_v3.json",
        "/v3/user/account",
        "GET",
        lambda a: "/v3/user/account",
        lambda a: None,
        200,
    ),
    "scopes 200": (
        "tsg_scopes_v3.json",
        "/v3/scopes",
        "GET",
        lambda a: "/v3/scopes",
        lambda a: None,
        200,
    ),
}


def contact_id(acc: Account, name: str) -> str:
    """The id of the account's contact ``name@example.com`` (a placeholder where there is
    none: the scope test's emulator is empty, and stops at the 403)."""
    found = [c["id"] for c in acc.fake.contacts() if c["email"] == f"{name}@example.com"]
    return str(found[0]) if found else "no-such-contact"


def send(acc: Account, case: Case, **kwargs: Any) -> Answer:
    _, _, method, path, body, _ = case
    payload = body(acc)
    if isinstance(payload, bytes):
        return call(acc.fake, method, path(acc), raw=payload, **kwargs)
    return call(acc.fake, method, path(acc), payload, **kwargs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_success_and_validation_responses_match_the_spec(account: Account, name: str) -> None:
    case = CASES[name]
    answer = send(account, case)
    assert answer.status == case[5], f"{name}: {answer.status} {answer.raw[:300]!r}"
    validate(case[0], case[1], case[2], answer)


# One case per endpoint (the first in name order) drives its error statuses.
ROUTES: dict[tuple[str, str], str] = {}
for _name in sorted(CASES):
    ROUTES.setdefault((CASES[_name][1], CASES[_name][2]), _name)


@pytest.mark.parametrize("name", sorted(ROUTES.values()))
def test_error_statuses_of_every_endpoint_match_the_spec(account: Account, name: str) -> None:
    case = CASES[name]
    spec, route, method, path = case[0], case[1], case[2], case[3]
    fake = account.fake
    url_path = path(account).split("?")[0]
    seen = []
    # 401: no key
    answer = send(account, case, key=None)
    assert answer.status == 401
    seen.append(validate(spec, route, method, answer))
    # 500: injected server error with SendGrid's stock body
    fake.fail_next(url_path, status=500)
    answer = send(account, case)
    assert answer.status == 500
    seen.append(validate(spec, route, method, answer))
    # 429: over the rate limit
    fake.set_rate_limit(0, 60, path=url_path)
    try:
        answer = send(account, case)
    finally:
        fake.set_rate_limit(1_000_000, 60)
    assert answer.status == 429
    seen.append(validate(spec, route, method, answer))
    # 405: a method the endpoint does not serve (no endpoint serves PATCH)
    other = "PATCH"
    answer = call(fake, other, url_path)
    assert answer.status == 405
    seen.append(validate(spec, route, method, Answer(405, answer.headers, answer.raw)))
    assert all(seen)


def test_403_for_a_key_without_the_scope_matches_the_spec() -> None:
    with FakeSendGrid(scopes=["mail.send"]) as fake:
        for name in ROUTES.values():
            spec, route, method, path = CASES[name][:4]
            if route in ("/v3/mail/send", "/v3/scopes"):
                continue
            url = path(Account(fake, "d-x", "l", "f", 1, "j")).split("?")[0]
            answer = call(fake, method, url, None if method == "GET" else {})
            assert answer.status == 403, route
            validate(spec, route, method, answer)


def test_unknown_path_404_has_the_error_shape(fake_sendgrid: FakeSendGrid) -> None:
    answer = call(fake_sendgrid, "GET", "/v3/not-here")
    assert answer.status == 404
    assert answer.body["errors"][0]["message"].startswith("not emulated: GET /v3/not-here ")
    ref = pointer("components", "schemas", "ErrorResponse")
    validator(load_spec(FALLBACK_SPEC), ref).validate(answer.body)
