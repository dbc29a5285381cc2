"""Reference data (户籍, 死亡, 财政供养人员, 村干部及亲属): versioned imports with who, when and from where."""

from __future__ import annotations

from typing import Any

from services.review import store, tables
from services.review.usecases import Ctx
from shared.audit import record
from shared.auth import Principal
from shared.ids import id_problem, normalize_number

MAX_ERRORS_SHOWN = 200


async def import_reference(ctx: Ctx, who: Principal, kind: str, rows: list[dict[str, Any]],
                           source: str) -> dict[str, Any]:
    """A new version of one kind of reference data; rows with an invalid ID are listed, the rest kept."""
    rows = [r | {"id_number": normalize_number(r["id_number"])} for r in rows]  # 11010519491231002x as typed
    errors = [{"row": n, "message": p} for n, r in enumerate(rows, 1) if (p := id_problem(r["id_number"]))]
    good = {r["id_number"]: r for r in rows if not id_problem(r["id_number"])}
    version = await store.add_reference(ctx.session, kind, list(good.values()), who.sub, source)
    await record(ctx.session, tables.audit, who, f"reference.import.{kind}", str(version),
                 detail={"rows": len(good), "source": source})
    return {"kind": kind, "version": version, "rows": len(good), "errors": errors[:MAX_ERRORS_SHOWN]}


async def reference_versions(ctx: Ctx, who: Principal) -> list[dict[str, Any]]:
    """Every import: kind, version, rows, who and when; and the size of the card registry copy."""
    return await store.reference_imports(ctx.session) + [{
        "kind": "cards", "row_count": await store.card_count(ctx.session), "source": "banking.cards.registered.v1"}]
