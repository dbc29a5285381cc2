import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from shared.access import Viewer, allow
from shared.auth import Principal, Role, decode_token, issue_token
from shared.settings import CommonSettings
from shared.web import map_domain_errors

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def test_token_carries_role_and_scope() -> None:
    token = issue_token(SECRET, Principal(sub="clerk", role=Role.TOWNSHIP, township="632523100"))
    got = decode_token(SECRET, token)
    assert got.role is Role.TOWNSHIP and got.township == "632523100" and got.department is None


def test_production_by_default_and_no_default_or_empty_secret_outside_development(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YKT_ENV", raising=False)
    monkeypatch.delenv("YKT_JWT_SECRET", raising=False)
    with pytest.raises(ValidationError, match="YKT_JWT_SECRET"):
        CommonSettings()
    for bad in ("", "   "):
        with pytest.raises(ValidationError, match="YKT_JWT_SECRET"):
            CommonSettings(jwt_secret=bad)
    assert CommonSettings(jwt_secret=SECRET).env == "production"
    assert CommonSettings(env="development").env == "development"


def test_a_token_without_an_expiry_is_refused() -> None:
    import jwt

    forever = jwt.encode({"sub": "x", "role": "finance"}, SECRET, algorithm="HS256")
    with pytest.raises(jwt.MissingRequiredClaimError):
        decode_token(SECRET, forever)


def _app() -> FastAPI:
    app = FastAPI()
    app.state.settings = CommonSettings(jwt_secret=SECRET)
    map_domain_errors(app)

    @app.get("/finance-only")
    def finance_only(who: Viewer = Depends(allow(Role.FINANCE))) -> dict[str, str]:
        return {"sub": who.sub}

    @app.get("/township")
    def township(who: Viewer = Depends(allow(Role.TOWNSHIP, scoped=(Role.TOWNSHIP,)))) -> dict[str, str]:
        return {"sees": str(who.narrowed())}

    return app


def test_endpoints_need_a_valid_token_with_the_right_role() -> None:
    client = TestClient(_app())
    assert client.get("/finance-only").status_code == 401
    assert client.get("/finance-only", headers={"authorization": "Bearer nonsense"}).status_code == 401
    wrong = issue_token("another-secret-another-secret-another", Principal(sub="x", role=Role.FINANCE))
    assert client.get("/finance-only", headers={"authorization": f"Bearer {wrong}"}).status_code == 401
    town = issue_token(SECRET, Principal(sub="t", role=Role.TOWNSHIP, township="632523100"))
    assert client.get("/finance-only", headers={"authorization": f"Bearer {town}"}).status_code == 403
    fin = issue_token(SECRET, Principal(sub="f", role=Role.FINANCE))
    resp = client.get("/finance-only", headers={"authorization": f"Bearer {fin}"})
    assert resp.status_code == 200 and resp.json() == {"sub": "f"}
    admin = issue_token(SECRET, Principal(sub="a", role=Role.ADMIN))
    assert client.get("/finance-only", headers={"authorization": f"Bearer {admin}"}).status_code == 403


def test_a_scoped_role_needs_its_scope_claim_and_is_narrowed_to_it() -> None:
    client = TestClient(_app())
    bare = issue_token(SECRET, Principal(sub="t", role=Role.TOWNSHIP))
    refused = client.get("/township", headers={"authorization": f"Bearer {bare}"})
    assert refused.status_code == 403 and "must name its township" in refused.text
    town = issue_token(SECRET, Principal(sub="t", role=Role.TOWNSHIP, township="632523100"))
    got = client.get("/township", headers={"authorization": f"Bearer {town}"})
    assert got.json() == {"sees": "{'township_code': '632523100'}"}
