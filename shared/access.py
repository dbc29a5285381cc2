"""Who may do what: declared on each route, enforced by one dependency, never by hand in a handler.

A route declares ``Access``: the roles that may call it and, for the scoped roles (township,
department, bank), which field of the resource must equal the token's scope claim. The
dependency refuses a missing or bad token (401), a role not listed (403), and a scoped role whose
token carries no scope claim (403). It hands the use case a ``Viewer``: the person, and the rule to
apply to what the use case loads (``viewer.check(row)`` is 404 for a resource outside the scope;
``viewer.narrowed()`` is the filter a list applies). The same declarations print the README's
"Who may do what" table and drive the authorization matrix test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from pydantic import Field

from shared.auth import Principal, Role, current_principal
from shared.errors import Forbidden, NotFound

SCOPE_CLAIM: dict[Role, str] = {Role.TOWNSHIP: "township", Role.DEPARTMENT: "department", Role.BANK: "bank"}
# the resource field each scoped role is matched on, unless a route says otherwise
SCOPE_FIELD: dict[Role, str] = {Role.TOWNSHIP: "township_code", Role.DEPARTMENT: "department_code",
                                Role.BANK: "bank_code"}


class Viewer(Principal, frozen=True):
    """A person calling a route, with the scope rule the route declared."""

    scoped_by: dict[Role, str] = Field(default_factory=dict)

    @property
    def scope(self) -> tuple[str, str] | None:
        """(resource field, value) this person is narrowed to; None: sees everything the route shows."""
        resource_field = self.scoped_by.get(self.role)
        if resource_field is None:
            return None
        return resource_field, str(getattr(self, SCOPE_CLAIM[self.role]))

    def sees(self, resource: Mapping[str, Any]) -> bool:
        scope = self.scope
        return scope is None or resource.get(scope[0]) == scope[1]

    def check(self, resource: Mapping[str, Any] | None, what: str) -> Mapping[str, Any]:
        """The resource, if it exists and is within scope; else 404 (never 'exists, not yours')."""
        if resource is None or not self.sees(resource):
            raise NotFound(f"{what} not found")
        return resource

    def narrowed(self) -> dict[str, str]:
        """{field: value} a list must be filtered by (empty: unfiltered)."""
        scope = self.scope
        return {} if scope is None else {scope[0]: scope[1]}


@dataclass(frozen=True, eq=False)  # hashed by identity: FastAPI caches dependencies by the callable
class Access:
    """The roles that may call a route; scoped roles are matched on a field of the resource."""

    roles: frozenset[Role]
    scoped_by: Mapping[Role, str] = field(default_factory=dict)

    async def __call__(self, request: Request) -> Viewer:  # async: not a worker thread per request
        who = current_principal(request)
        if who.role not in self.roles:
            raise Forbidden(f"role {who.role.value} may not do this; needs one of "
                            f"{sorted(r.value for r in self.roles)}")
        claim = SCOPE_CLAIM.get(who.role)
        if claim is not None and not getattr(who, claim):
            raise Forbidden(f"a {who.role.value} token must name its {claim}")
        return Viewer(**who.model_dump(), scoped_by=dict(self.scoped_by))


def allow(*roles: Role, scoped: tuple[Role, ...] | dict[Role, str] = ()) -> Access:
    """``allow(FINANCE, TOWNSHIP, scoped=(TOWNSHIP,))``: a township sees only resources of its own
    township (``township_code``); give a dict to match on another field."""
    fields = scoped if isinstance(scoped, dict) else {r: SCOPE_FIELD[r] for r in scoped}
    unknown = set(fields) - set(roles)
    if unknown:
        raise ValueError(f"scoped roles {unknown} are not among the allowed roles")
    return Access(frozenset(roles), fields)


def viewer(principal: Principal, scoped: tuple[Role, ...] = ()) -> Viewer:
    """A viewer for calls that do not come through a route (tests, CLI)."""
    return Viewer(**principal.model_dump(), scoped_by={r: SCOPE_FIELD[r] for r in scoped})


@dataclass(frozen=True)
class RouteAccess:
    service: str
    method: str
    path: str
    access: Access | None  # None: public

    @property
    def key(self) -> str:
        return f"{self.service} {self.method} {self.path}"


def declared(service: str, routers: Any) -> list[RouteAccess]:
    """Every route of a service with the access it declares (None for a public route)."""
    out = []
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            found = [d.call for d in route.dependant.dependencies if isinstance(d.call, Access)]
            for method in sorted(route.methods or ()):
                out.append(RouteAccess(service, method, route.path, found[0] if found else None))
    return out


def describe(access: Access | None) -> str:
    """One cell of the 'Who may do what' table, in the officials' words."""
    if access is None:
        return "anyone (公众; personal data masked)"
    parts = []
    for role in sorted(access.roles, key=list(Role).index):
        scope = access.scoped_by.get(role)
        parts.append(f"{role.value} (own {scope.removesuffix('_code')})" if scope else role.value)
    return ", ".join(parts)
