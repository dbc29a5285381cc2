"""The authorization matrix: every non-public route × every role × own scope / other scope / no scope
claim / no token, on the running stack, against the policy kept in ``access_expected.json``.

The routes are read from each service's own OpenAPI, so a new route without a line in the policy
fails the test. Write calls carry an empty or harmless body: an allowed call is refused by
validation (422) or by the state of the thing (409), never carried out.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from deploy.demo.client import CountyClient
from deploy.demo.payroll import PayrollResult
from deploy.stack import ServiceProcesses
from services.supervision.domain import CHECK_ITEMS
from shared.auth import Role
from shared.registry import SERVICES

POLICY = json.loads((Path(__file__).parent / "access_expected.json").read_text())
OPS_ROUTES = {"/healthz", "/asyncapi.json"}
CLAIM = {Role.TOWNSHIP: "township", Role.DEPARTMENT: "department", Role.BANK: "bank"}
FIELD = {Role.TOWNSHIP: "township_code", Role.DEPARTMENT: "department_code", Role.BANK: "bank_code"}
DENIED = {401, 403, 404}


def _operations(stack: ServiceProcesses) -> set[str]:
    ops = set()
    for name in SERVICES:
        spec = httpx.get(stack.url(name) + "/openapi.json", timeout=30).json()
        for path, methods in spec["paths"].items():
            if path not in OPS_ROUTES:
                ops |= {f"{name} {m.upper()} {path}" for m in methods}
    return ops


def _resources(c: CountyClient, payroll: PayrollResult) -> tuple[dict[str, str], dict[Role, tuple[str, str]]]:
    """Real things to ask for, and for each scoped role (its own scope, another scope)."""
    batch = payroll.batches[0]
    head = c.call("GET", "declaration", f"/batches/{batch['batch_id']}", Role.FINANCE)
    order = next(o for o in c.call("GET", "treasury", "/orders", Role.FINANCE, params={"batch_id": batch["batch_id"]})
                 if o["attempt"] == 1)
    bank = order["bank_code"]
    account = c.call("GET", "bank_simulator", "/admin/accounts", Role.BANK, {"bank": bank},
                     params={"status": "active", "limit": 1})[0]
    town = head["township_code"]
    values = {"batch_id": batch["batch_id"], "upload_id": batch["upload_id"], "order_id": order["order_id"],
              "card_number": account["card_number"], "kind": "household", "code": "NO-SUCH-PROGRAM",
              "request_id": "CCNOSUCHREQUEST", "complaint_id": _closed_case(c, head),
              "campaign_id": _campaign_drawn(c, head), "problem_id": _verified_problem(c, head),
              "department_code": head["department_code"], "township_code": town, "bank_code": bank,
              "recovery_id": "NO-SUCH-RECOVERY", "suspension_id": "SNOSUCH"}
    scopes = {Role.TOWNSHIP: (town, "992523100" if town != "992523100" else "992523101"),
              Role.DEPARTMENT: (head["department_code"], "JY" if head["department_code"] != "JY" else "MZ"),
              Role.BANK: (bank, "QHRCB" if bank != "QHRCB" else "ABC")}
    return values, scopes


def _closed_case(c: CountyClient, head: dict[str, Any]) -> str:
    """A case routed to the batch's department and township, worked to closed: every further move is refused."""
    case = c.call("POST", "complaint", "/public/complaints", json={
        "category": "other", "content": "授权矩阵测试用的案件", "program_code": head["program_code"],
        "township_code": head["township_code"]})["complaint_id"]
    dept = {"department": head["department_code"], "sub": "matrix-case-worker"}
    for step, body in CASE_STEPS.items():
        c.call("POST", "complaint", f"/cases/{case}/{step}", Role.DEPARTMENT, dept, json=body)
    return str(case)


def _campaign_drawn(c: CountyClient, head: dict[str, Any]) -> str:
    """A campaign with the batch's department's self-check in, and its spot check drawn and confirmed: drawing
    or confirming again is refused."""
    c.call("POST", "supervision", "/campaigns", Role.FINANCE, ok=(201, 409), json={
        "campaign_id": "MATRIX", "name": "授权矩阵测试", "year": 2026, "scope_years": [int(time.strftime("%Y"))]})
    c.call("PUT", "supervision", f"/campaigns/MATRIX/self-checks/departments/{head['department_code']}", Role.FINANCE,
           json={"answers": {k: {"ok": True, "evidence": "矩阵测试"} for k in CHECK_ITEMS}})
    c.call("POST", "supervision", "/campaigns/MATRIX/spot-check", Role.FINANCE, ok=(201, 409), json={"seed": 1})
    c.call("POST", "supervision", "/campaigns/MATRIX/spot-check/confirm", Role.AUDITOR, {"sub": "matrix-setup"},
           ok=(200, 409))
    return "MATRIX"


def _verified_problem(c: CountyClient, head: dict[str, Any]) -> str:
    """A problem of the batch's department and township, rectified and verified: every further move is refused."""
    got = c.call("POST", "supervision", "/problems", Role.FINANCE, json={
        "title": "授权矩阵测试问题", "detail": "矩阵", "department_code": head["department_code"],
        "township_code": head["township_code"]})
    pid = got["problem_id"]
    owner = {"department": head["department_code"], "sub": "matrix-owner"}
    c.call("POST", "supervision", f"/problems/{pid}/rectified", Role.DEPARTMENT, owner, json={"measures": "已整改"})
    c.call("POST", "supervision", f"/problems/{pid}/verify", Role.AUDITOR, {"sub": "matrix-setup"}, json={})
    return str(pid)


CASE_STEPS: dict[str, dict[str, str]] = {"assign": {"assignee": "王科员"}, "investigate": {},
                                         "resolve": {"outcome": "not_upheld", "finding": "经核实不属实"},
                                         "close": {}}
# per route: a harmless request (never carried out), or a thing that cannot be acted on
REQUEST: dict[str, dict[str, Any]] = {
    # a self-check without its answers is refused after the scope check: nothing is recorded
    **{f"supervision PUT /campaigns/{{campaign_id}}/self-checks/{kind}/{{{kind[:-1]}_code}}": {"json": {"answers": {}}}
       for kind in ("departments", "townships", "banks")},
    "supervision POST /problems/{problem_id}/rectified": {"json": {"measures": "再次整改"}},
    **{f"complaint POST /cases/{{complaint_id}}/{step}": {"json": body} for step, body in CASE_STEPS.items()},
    "treasury POST /orders/{order_id}/reissue": {"path": {"order_id": "NO-SUCH-ORDER"}},
    "bank_simulator PATCH /admin/accounts/{card_number}": {"params": {"status": "active"}},  # it is active
}


def _url(stack: ServiceProcesses, key: str, values: dict[str, str]) -> str:
    service, _, path = key.split(" ", 2)
    filled = values | REQUEST.get(key, {}).get("path", {})
    for name, value in filled.items():
        path = path.replace("{" + name + "}", value)
    return stack.url(service) + path


def _foreign_rows(body: Any, field: str, claim: str) -> int:
    """Rows in a response that carry the scope field with someone else's value."""
    if isinstance(body, list):
        return sum(_foreign_rows(x, field, claim) for x in body)
    if isinstance(body, dict):
        own = 1 if field in body and body[field] not in (claim, None) else 0
        return own + sum(_foreign_rows(v, field, claim) for v in body.values())
    return 0


def test_every_route_against_every_role_and_scope(stack: ServiceProcesses, client: CountyClient,
                                                  payroll: PayrollResult) -> None:
    ops = _operations(stack)
    assert ops == set(POLICY), f"routes without a policy line: {sorted(ops - set(POLICY))}; " \
                               f"policy lines without a route: {sorted(set(POLICY) - ops)}"
    values, scopes = _resources(client, payroll)
    calls, wrongly_allowed, wrongly_denied = 0, [], []
    with httpx.Client(timeout=60) as http:
        for key, rule in sorted(POLICY.items()):
            if rule == "public":
                continue
            allowed = {r.rstrip("*") for r in rule}
            own_only = {r.rstrip("*") for r in rule if r.endswith("*")}
            method = key.split(" ")[1]
            resource = "{" in key
            extra = REQUEST.get(key, {})
            kwargs: dict[str, Any] = {"params": extra.get("params")}
            if method in ("POST", "PUT", "PATCH"):
                kwargs["json"] = extra.get("json", {})
            variants: list[tuple[str, Role | None, dict[str, str]]] = [("no token", None, {})]
            for each in Role:
                sub = {"sub": f"matrix-{each.value}"}
                if each in CLAIM:
                    own, other = scopes[each]
                    variants += [("own", each, sub | {CLAIM[each]: own}), ("other", each, sub | {CLAIM[each]: other}),
                                 ("no claim", each, sub)]
                else:
                    variants.append(("own", each, sub))
            for variant, role, claims in variants:
                headers = {"authorization": f"Bearer {client.token(role, **claims)}"} if role else {}
                resp = http.request(method, _url(stack, key, values), headers=headers, **kwargs)
                calls += 1
                should = (role is not None and role.value in allowed and variant != "no claim"
                          and not (variant == "other" and role.value in own_only and resource))
                denied = resp.status_code in DENIED if (resource or not should) else resp.status_code in {401, 403}
                what = f"{key} as {role.value if role else '-'} ({variant}) -> {resp.status_code}"
                if should and denied:
                    wrongly_denied.append(what)
                elif not should and not denied:
                    wrongly_allowed.append(what)
                elif should and variant == "other" and role is not None and role.value in own_only \
                        and "json" in resp.headers.get("content-type", ""):
                    leaked = _foreign_rows(resp.json(), FIELD[role], claims[CLAIM[role]])
                    if leaked:
                        wrongly_allowed.append(f"{what}: {leaked} row(s) of another {CLAIM[role]}")
    print(f"authorization matrix: {calls} calls, {len(wrongly_allowed)} wrongly allowed, "
          f"{len(wrongly_denied)} wrongly denied")
    assert not wrongly_allowed, wrongly_allowed[:20]
    assert not wrongly_denied, wrongly_denied[:20]
