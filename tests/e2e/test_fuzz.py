"""Every service's API fuzzed from its own OpenAPI (schemathesis): valid and invalid input, no server error.

The stack is a stack of its own (its own Kafka and PostgreSQL), so random writes never reach other
tests' data. Each operation is called with a token of a role its access policy allows (so input gets
past the door and reaches validation and the use case), for a bounded number of examples.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from deploy.demo.client import CountyClient
from deploy.infra import Infra
from deploy.stack import ServiceProcesses
from shared.auth import Role
from shared.registry import SERVICES

POLICY = json.loads((Path(__file__).parent / "access_expected.json").read_text())
OFFSET = 600
EXAMPLES = 25  # per operation and mode: bounded, the whole run stays well under two minutes
CLAIMS = {"township": {"township": "992523100"}, "department": {"department": "MZ"}, "bank": {"bank": "ABC"}}


@pytest.fixture(scope="module")
def fuzz_stack() -> Iterator[ServiceProcesses]:
    infra = Infra(kafka_port=29492, pg_port=25832, name=f"-fuzz{OFFSET}", from_environment=False).start(fresh=True)
    stack = ServiceProcesses(env=infra.env(), port_offset=OFFSET)
    try:
        stack.start(timeout=120)
        yield stack
    finally:
        stack.stop()
        infra.stop()


def _headers(client: CountyClient, key: str) -> dict[str, str]:
    rule = POLICY.get(key, "public")
    if rule == "public":
        return {}
    role = rule[0].rstrip("*")
    return {"authorization": f"Bearer {client.token(Role(role), **CLAIMS.get(role, {}), sub='fuzzer')}"}


def _fuzz(op: Any, mode: GenerationMode, base: str, headers: dict[str, str], session: requests.Session,
          errors: list[str]) -> int:
    """Call one operation with up to EXAMPLES generated requests; server errors are collected."""
    calls = 0
    label = f"{op.method.upper()} {op.path} ({mode.value})"

    @given(case=op.as_strategy(mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        nonlocal calls
        resp = case.call(base_url=base, session=session, headers=headers, timeout=30)
        calls += 1
        if resp.status_code >= 500:
            errors.append(f"{label} -> {resp.status_code}: {case.as_curl_command()[:300]}")

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid (no input at all): nothing to fuzz
        run()
    return calls


@pytest.mark.parametrize("service", list(SERVICES))
def test_no_input_brings_a_server_error(fuzz_stack: ServiceProcesses, service: str) -> None:
    client = CountyClient(port_offset=OFFSET)
    base = fuzz_stack.url(service)
    schema = schemathesis.openapi.from_url(base + "/openapi.json")
    session = requests.Session()
    calls = 0
    errors: list[str] = []
    started = time.monotonic()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        op = result.ok()
        headers = _headers(client, f"{service} {op.method.upper()} {op.path}")
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            calls += _fuzz(op, mode, base, headers, session, errors)
    print(f"fuzz {service}: {calls} calls in {time.monotonic() - started:.1f}s, {len(errors)} server errors")
    assert not errors, errors[:10]


def _xlsx_bomb() -> bytes:
    """A 2 KB workbook that declares A1:XFD3000 (as a file may), holding only a header row."""
    import io
    import zipfile

    from openpyxl import Workbook

    from services.declaration.domain import HEADERS

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(HEADERS))
    raw = io.BytesIO()
    book.save(raw)
    src, out = zipfile.ZipFile(io.BytesIO(raw.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:I1"/>', b'<dimension ref="A1:XFD3000"/>')
            dst.writestr(item, data)
    return out.getvalue()


def test_the_hostile_inputs_found_from_outside_are_422_not_500(fuzz_stack: ServiceProcesses) -> None:
    """The inputs that once gave a 500 (found by trying the stack as an outsider), each answered 422."""
    c = CountyClient(port_offset=OFFSET)

    def auth(role: Role, **claims: str) -> dict[str, str]:
        return {"authorization": f"Bearer {c.token(role, sub='hostile', **claims)}"}

    fin, town = auth(Role.FINANCE), auth(Role.TOWNSHIP, township="992523100")
    long = "长" * 5000
    # (what, method, service:path, request, a word the answer must contain: the reason, not another one)
    cases: list[tuple[str, str, str, dict[str, Any], str]] = [
        ("over-long code", "PUT", "treasury:/quotas", {"json": {"program_code": long, "year": 2026, "total_fen": 1}},
         "program_code"),
        ("int beyond int64", "PUT", "treasury:/quotas",
         {"json": {"program_code": "P1", "year": 2026, "total_fen": 2**70}}, "total_fen"),
        ("NUL in text", "POST", "complaint:/public/complaints",
         {"json": {"category": "other", "content": "举报内容\u0000隐藏"}}, "NUL"),
        ("lone surrogate", "POST", "complaint:/public/complaints",
         {"content": b'{"category": "other", "content": "\\ud800 five chars"}',
          "headers": {"content-type": "application/json"}}, "surrogate"),
        ("NUL in query", "GET", "disclosure:/public/rosters?program_code=P%00X", {}, "NUL"),
        ("NUL in path", "GET", "catalog:/programs/AB%00CD", {}, "NUL"),
        ("negative offset", "GET", "disclosure:/public/rosters/B1?offset=-1", {}, "offset"),
        ("huge limit", "GET", "disclosure:/public/rosters/B1?limit=99999999999999999999999", {}, "limit"),
        ("unparsed date", "POST", "review:/reference/deaths", {"json": [{"id_number": "632523195001011234",
                                                                         "on_date": "31/01/2026"}]}, "on_date"),
        ("over-long header key", "POST", "complaint:/public/complaints",
         {"json": {"category": "other", "content": "五个字以上"}, "headers": {"idempotency-key": "k" * 500}},
         "idempotency-key"),
        ("CSV field over 128 KiB", "POST", "declaration:/batches/upload",
         {"files": {"file": ("a.csv", ("姓名," + "x" * 200_000 + "\n").encode())},
          "data": {"program_code": "P1", "period": "2026-11"}}, "not a readable CSV"),
        ("XLSX dimension bomb", "POST", "declaration:/batches/upload",
         {"files": {"file": ("bomb.xlsx", _xlsx_bomb())}, "data": {"program_code": "P1", "period": "2026-11"}},
         "header row but no data rows"),  # its declared extent was not read
    ]
    answers, wrong = {}, {}
    for what, method, target, kwargs, reason in cases:
        service, path = target.split(":", 1)
        headers = kwargs.pop("headers", {}) | (fin if service in ("treasury", "review") else town)
        started = time.monotonic()
        resp = c.http.request(method, c.url(service, path), headers=headers, timeout=60, **kwargs)
        answers[what] = (resp.status_code, round(time.monotonic() - started, 2))
        if resp.status_code != 422 or reason.lower() not in resp.text.lower():
            wrong[what] = f"{resp.status_code}: {resp.text[:200]}"
    print("hostile inputs:", answers)
    assert wrong == {}
    assert answers["XLSX dimension bomb"][1] < 2, "the declared extent of a workbook is not read"
