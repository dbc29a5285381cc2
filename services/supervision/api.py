"""The ledger (台账) of people, cards and money per program, department and township, by stage."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from services.supervision.usecases import campaign, recovery, report
from services.supervision.usecases import ledger as usecases
from services.supervision.usecases import problems as problems_uc
from shared.access import Viewer, allow
from shared.auth import Role
from shared.web import RuntimeDep

router = APIRouter(tags=["supervision"])
FIGURES = allow(Role.FINANCE, Role.AUDITOR, Role.FINANCIAL_OFFICE, Role.DEPARTMENT, Role.TOWNSHIP,
                scoped=(Role.DEPARTMENT, Role.TOWNSHIP))
LEDGER = allow(Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT, Role.TOWNSHIP, scoped=(Role.DEPARTMENT, Role.TOWNSHIP))


@router.get("/ledger")
async def ledger(rt: RuntimeDep, by: Literal["program", "department", "township", "village", "batch", "period",
                                             "year"] = "program",
                 batch_id: str | None = None, who: Viewer = Depends(LEDGER)) -> dict[str, Any]:
    """人、卡、钱 per group and stage: distinct people, distinct cards, items and fen."""
    return await rt.run(usecases.ledger, who, by, batch_id)


@router.get("/progress")
async def progress(rt: RuntimeDep, who: Viewer = Depends(LEDGER)) -> dict[str, Any]:
    """Items and fen per stage so far, kept as chunks arrive (cheap at any size; the exact ledger is /ledger)."""
    return await rt.run(usecases.progress, who)


@router.get("/figures")
async def figures(rt: RuntimeDep, who: Viewer = Depends(FIGURES)) -> dict[str, Any]:
    """Coverage, return rate, days from declaration to the card, money recovered, complaints, each bank's payments."""
    return await rt.run(usecases.figures, who)


@router.get("/batches/{batch_id}")
async def batch_status(batch_id: str, rt: RuntimeDep, who: Viewer = Depends(LEDGER)) -> dict[str, Any]:
    """One batch: its ledger by stage, its orders and whether its paid roster matched."""
    return await rt.run(usecases.batch_status, who, batch_id)


@router.get("/alerts")
async def alerts(rt: RuntimeDep, who: Viewer = Depends(allow(Role.FINANCE, Role.AUDITOR))) -> list[dict[str, Any]]:
    """Dead-lettered messages and mismatches that need a person's attention."""
    return await rt.run(usecases.alerts, who)


CAMPAIGN_READERS = allow(Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT, Role.TOWNSHIP, Role.BANK,
                         scoped=(Role.DEPARTMENT, Role.TOWNSHIP))
CHECKERS = allow(Role.FINANCE, Role.AUDITOR)  # 检查组: the finance bureau with the audit bureau
OWNERS = allow(Role.DEPARTMENT, Role.TOWNSHIP, scoped=(Role.DEPARTMENT, Role.TOWNSHIP))
CampaignId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{2,60}$")]
ProblemId = Annotated[str, Path(min_length=1, max_length=120)]


@router.post("/campaigns", status_code=201)
async def create_campaign(body: campaign.CampaignIn, rt: RuntimeDep,
                          who: Viewer = Depends(allow(Role.FINANCE))) -> dict[str, Any]:
    """专项整治: a campaign with the document's timetable (dates per stage may be changed) and its scope."""
    return await rt.run(campaign.create_campaign, who, body)


@router.get("/campaigns")
async def list_campaigns(rt: RuntimeDep, who: Viewer = Depends(CAMPAIGN_READERS)) -> list[dict[str, Any]]:
    """Campaigns with their timetables."""
    return await rt.run(campaign.list_campaigns, who)


@router.get("/campaigns/{campaign_id}")
async def campaign_progress(campaign_id: CampaignId, rt: RuntimeDep,
                            who: Viewer = Depends(CHECKERS)) -> dict[str, Any]:
    """Timetable, self-checks (零报送 against what is known), the spot check and the problems."""
    return await rt.run(campaign.progress, who, campaign_id)


@router.get("/campaigns/{campaign_id}/self-checks/departments/{department_code}")
async def department_self_check_form(campaign_id: CampaignId, department_code: Annotated[str, Path(max_length=40)],
                                rt: RuntimeDep,
                                who: Viewer = Depends(allow(Role.FINANCE, Role.DEPARTMENT, scoped=(Role.DEPARTMENT,)))
                                ) -> dict[str, Any]:
    """资金主管部门自查表: the form's items and what the system already knows for its scope."""
    return await rt.run(campaign.prefill, who, campaign_id, "department", department_code)


@router.put("/campaigns/{campaign_id}/self-checks/departments/{department_code}")
async def department_self_check(campaign_id: CampaignId, department_code: Annotated[str, Path(max_length=40)],
                           body: campaign.SelfCheckIn, rt: RuntimeDep,
                           who: Viewer = Depends(allow(Role.FINANCE, Role.DEPARTMENT, scoped=(Role.DEPARTMENT,)))
                           ) -> dict[str, Any]:
    """资金主管部门自查: every item answered with evidence, and the problems found (finance may enter it for them)."""
    return await rt.run(campaign.submit_self_check, who, campaign_id, "department", department_code, body)


@router.get("/campaigns/{campaign_id}/self-checks/townships/{township_code}")
async def township_self_check_form(campaign_id: CampaignId, township_code: Annotated[str, Path(max_length=40)],
                                rt: RuntimeDep,
                                who: Viewer = Depends(allow(Role.FINANCE, Role.TOWNSHIP, scoped=(Role.TOWNSHIP,)))
                                ) -> dict[str, Any]:
    """乡镇自查表: the form's items and what the system already knows for its scope."""
    return await rt.run(campaign.prefill, who, campaign_id, "township", township_code)


@router.put("/campaigns/{campaign_id}/self-checks/townships/{township_code}")
async def township_self_check(campaign_id: CampaignId, township_code: Annotated[str, Path(max_length=40)],
                           body: campaign.SelfCheckIn, rt: RuntimeDep,
                           who: Viewer = Depends(allow(Role.FINANCE, Role.TOWNSHIP, scoped=(Role.TOWNSHIP,)))
                           ) -> dict[str, Any]:
    """乡镇自查: every item answered with evidence, and the problems found (finance may enter it for them)."""
    return await rt.run(campaign.submit_self_check, who, campaign_id, "township", township_code, body)


@router.get("/campaigns/{campaign_id}/self-checks/banks/{bank_code}")
async def bank_self_check_form(campaign_id: CampaignId, bank_code: Annotated[str, Path(max_length=40)],
                                rt: RuntimeDep,
                                who: Viewer = Depends(allow(Role.FINANCE, Role.BANK, scoped=(Role.BANK,)))
                                ) -> dict[str, Any]:
    """代发银行自查表: the form's items and what the system already knows for its scope."""
    return await rt.run(campaign.prefill, who, campaign_id, "bank", bank_code)


@router.put("/campaigns/{campaign_id}/self-checks/banks/{bank_code}")
async def bank_self_check(campaign_id: CampaignId, bank_code: Annotated[str, Path(max_length=40)],
                           body: campaign.SelfCheckIn, rt: RuntimeDep,
                           who: Viewer = Depends(allow(Role.FINANCE, Role.BANK, scoped=(Role.BANK,)))
                           ) -> dict[str, Any]:
    """代发银行自查: every item answered with evidence, and the problems found (finance may enter it for them)."""
    return await rt.run(campaign.submit_self_check, who, campaign_id, "bank", bank_code, body)


@router.post("/campaigns/{campaign_id}/spot-check", status_code=201)
async def draw_spot_check(campaign_id: CampaignId, body: campaign.SpotCheckIn, rt: RuntimeDep,
                          who: Viewer = Depends(allow(Role.FINANCE))) -> dict[str, Any]:
    """抽查: draw at least 30% of departments, weighted toward 零报送 and known problems (seed kept)."""
    return await rt.run(campaign.draw_spot_check, who, campaign_id, body)


@router.post("/campaigns/{campaign_id}/spot-check/confirm")
async def confirm_spot_check(campaign_id: CampaignId, rt: RuntimeDep,
                             who: Viewer = Depends(allow(Role.AUDITOR))) -> dict[str, Any]:
    """The audit bureau takes part in the draw (a second person)."""
    return await rt.run(campaign.confirm_spot_check, who, campaign_id)


@router.get("/campaigns/{campaign_id}/spot-check")
async def spot_check(campaign_id: CampaignId, rt: RuntimeDep, who: Viewer = Depends(CHECKERS)) -> dict[str, Any]:
    """The draw, the same draw repeated from its seed and weights, and each sampled program's items."""
    return await rt.run(campaign.spot_check, who, campaign_id)


@router.get("/campaigns/{campaign_id}/report.xlsx")
async def campaign_report(campaign_id: CampaignId, rt: RuntimeDep, who: Viewer = Depends(CHECKERS)) -> Response:
    """汇总报告 upward, generated from the data (汇总, 自查情况, 抽查, 问题清单, 整改清单, 台账)."""
    title, body = await rt.run(report.campaign_report, who, campaign_id)
    return _xlsx(body, f"campaign-{campaign_id}", title)


def _xlsx(body: bytes, name: str, title: str) -> Response:
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=\"{name}.xlsx\"; "
                                                    f"filename*=UTF-8''{quote(title)}.xlsx"})


@router.get("/campaigns/{campaign_id}/self-checks/departments/{department_code}/report.xlsx")
async def self_check_report(campaign_id: CampaignId, department_code: Annotated[str, Path(max_length=40)],
                            rt: RuntimeDep,
                            who: Viewer = Depends(allow(Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT,
                                                        scoped=(Role.DEPARTMENT,)))) -> Response:
    """A department's self-check report (自查报告), generated from what it submitted and what the data shows."""
    title, body = await rt.run(report.self_check_report, who, campaign_id, department_code)
    return _xlsx(body, f"self-check-{department_code}", title)


@router.get("/problems")
async def problems(rt: RuntimeDep, campaign_id: str | None = Query(None, max_length=60),
                   status: Literal["open", "rectifying", "rectified", "verified", "transferred"] | None = None,
                   who: Viewer = Depends(LEDGER)) -> list[dict[str, Any]]:
    """问题清单 and 整改清单 within the caller's scope."""
    return await rt.run(problems_uc.list_problems, who, campaign_id, status)


@router.post("/problems", status_code=201)
async def add_problem(body: problems_uc.ProblemIn, rt: RuntimeDep, campaign_id: str | None = Query(None, max_length=60),
                      who: Viewer = Depends(CHECKERS)) -> dict[str, Any]:
    """A problem found by the spot check or a hearing."""
    return await rt.run(problems_uc.add_problem, who, campaign_id, body)


@router.get("/problems/{problem_id}")
async def get_problem(problem_id: ProblemId, rt: RuntimeDep, who: Viewer = Depends(LEDGER)) -> dict[str, Any]:
    """One problem with every step (who, when, what)."""
    return await rt.run(problems_uc.get_problem, who, problem_id)


@router.post("/problems/{problem_id}/rectifying")
async def start_rectifying(problem_id: ProblemId, body: problems_uc.MoveIn, rt: RuntimeDep,
                           who: Viewer = Depends(OWNERS)) -> dict[str, Any]:
    """整改中: the owner has started rectifying."""
    return await rt.run(problems_uc.start_rectifying, who, problem_id, body)


@router.post("/problems/{problem_id}/rectified")
async def report_rectified(problem_id: ProblemId, body: problems_uc.MoveIn, rt: RuntimeDep,
                           who: Viewer = Depends(OWNERS)) -> dict[str, Any]:
    """已整改: the owner reports the measures taken."""
    return await rt.run(problems_uc.report_rectified, who, problem_id, body)


@router.post("/problems/{problem_id}/verify")
async def verify(problem_id: ProblemId, body: problems_uc.MoveIn, rt: RuntimeDep,
                 who: Viewer = Depends(CHECKERS)) -> dict[str, Any]:
    """已验收: finance or audit accepts the rectification."""
    return await rt.run(problems_uc.verify, who, problem_id, body)


@router.post("/problems/{problem_id}/send-back")
async def send_back(problem_id: ProblemId, body: problems_uc.MoveIn, rt: RuntimeDep,
                    who: Viewer = Depends(CHECKERS)) -> dict[str, Any]:
    """The rectification is not accepted: back to 整改中."""
    return await rt.run(problems_uc.send_back, who, problem_id, body)


@router.post("/problems/{problem_id}/transfer")
async def transfer(problem_id: ProblemId, body: problems_uc.LeadIn, rt: RuntimeDep,
                   who: Viewer = Depends(CHECKERS)) -> dict[str, Any]:
    """问题线索移交 to discipline inspection, with what was sent."""
    return await rt.run(problems_uc.transfer_lead, who, problem_id, body)


@router.post("/problems/{problem_id}/hearing")
async def hearing(problem_id: ProblemId, body: problems_uc.HearingIn, rt: RuntimeDep,
                  who: Viewer = Depends(CHECKERS)) -> dict[str, Any]:
    """集中审理: the hearing's decision on a problem."""
    return await rt.run(problems_uc.hear, who, problem_id, body)


@router.post("/problems/{problem_id}/recovery", status_code=201)
async def open_recovery(problem_id: ProblemId, body: recovery.RecoveryIn, rt: RuntimeDep,
                        who: Viewer = Depends(allow(Role.FINANCE))) -> dict[str, Any]:
    """追缴: a recovery order for the money paid on a problem's item."""
    return await rt.run(recovery.open_recovery, who, problem_id, body)


@router.get("/recoveries")
async def recoveries(rt: RuntimeDep, who: Viewer = Depends(LEDGER)) -> list[dict[str, Any]]:
    """Recovery orders within the caller's scope: amount, recovered so far, outstanding, due, each payment back."""
    return await rt.run(recovery.list_recoveries, who)


@router.post("/recoveries/{recovery_id}/payments")
async def recovery_payment(recovery_id: Annotated[str, Path(max_length=140)], body: recovery.RecoveryPaymentIn,
                           rt: RuntimeDep, who: Viewer = Depends(allow(Role.FINANCE))) -> dict[str, Any]:
    """Money came back (清退): netted in the ledger and returned to the quota by treasury."""
    return await rt.run(recovery.record_payment, who, recovery_id, body)


@router.post("/suspensions", status_code=201)
async def suspend(body: recovery.SuspensionIn, rt: RuntimeDep,
                  who: Viewer = Depends(allow(Role.FINANCE))) -> dict[str, Any]:
    """暂停发放: no new item of the person in the program is approved or cleared until lifted."""
    return await rt.run(recovery.suspend, who, body)


@router.post("/suspensions/{suspension_id}/lift")
async def lift(suspension_id: Annotated[str, Path(pattern=r"^S[0-9A-F]{15}$")], rt: RuntimeDep,
               who: Viewer = Depends(allow(Role.FINANCE))) -> dict[str, Any]:
    """End a suspension: held items go on."""
    return await rt.run(recovery.lift, who, suspension_id)


@router.get("/suspensions")
async def suspensions(rt: RuntimeDep, who: Viewer = Depends(CHECKERS)) -> list[dict[str, Any]]:
    """Suspensions, active and lifted (ID numbers masked)."""
    return await rt.run(recovery.list_suspensions, who)
