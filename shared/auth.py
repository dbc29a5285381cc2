"""JWT bearer tokens carrying a role and a scope (department, township, bank)."""

from __future__ import annotations

import argparse
import datetime as dt
from enum import StrEnum

import jwt
from fastapi import Request
from pydantic import BaseModel

from shared.errors import Unauthorized
from shared.settings import CommonSettings

ALGORITHM = "HS256"


class Role(StrEnum):
    FINANCE = "finance"          # 县财政局
    DEPARTMENT = "department"    # 资金主管单位
    TOWNSHIP = "township"        # 乡镇人民政府
    BANK = "bank"                # 代发银行
    AUDITOR = "auditor"          # 县审计局
    HOTLINE = "hotline"          # 举报受理
    FINANCIAL_OFFICE = "financial_office"  # 县金融办: oversees the agency banks (cards issued, activated, used)
    ADMIN = "admin"              # 系统管理


class Principal(BaseModel, frozen=True):
    sub: str
    role: Role
    department: str | None = None
    township: str | None = None
    bank: str | None = None


def issue_token(secret: str, principal: Principal, hours: float = 12) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = principal.model_dump(exclude_none=True) | {"iat": now, "exp": now + dt.timedelta(hours=hours)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(secret: str, token: str) -> Principal:
    claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "role"]})
    return Principal.model_validate({k: v for k, v in claims.items() if k not in ("iat", "exp")})


def current_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    try:
        return decode_token(request.app.state.settings.jwt_secret, token)
    except (jwt.PyJWTError, ValueError) as exc:
        raise Unauthorized(f"invalid token: {exc}", headers={"WWW-Authenticate": "Bearer"}) from exc




def main() -> None:
    """Print a token: python -m shared.auth --role township --township 632523100 --sub clerk1."""
    parser = argparse.ArgumentParser(description="issue a Yikatong API token")
    parser.add_argument("--sub", default="demo-user")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--department")
    parser.add_argument("--township")
    parser.add_argument("--bank")
    parser.add_argument("--hours", type=float, default=12)
    args = parser.parse_args()
    principal = Principal(sub=args.sub, role=Role(args.role), department=args.department,
                          township=args.township, bank=args.bank)
    print(issue_token(CommonSettings().jwt_secret, principal, args.hours))


if __name__ == "__main__":
    main()
