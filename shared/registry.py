"""The one list of services: name, HTTP port, database and title. Deploy, compose and settings read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    port: int
    title: str
    # extra environment for docker compose (defaults a county changes by setting the variable)
    compose_env: tuple[tuple[str, str], ...] = ()

    @property
    def database(self) -> str:
        """Each service owns a database (and a login role) of its own name."""
        return self.name

    @property
    def env_prefix(self) -> str:
        return f"YKT_{self.name.upper()}_"


SERVICES: dict[str, ServiceInfo] = {s.name: s for s in (
    ServiceInfo("catalog", 8101, "项目清单 Catalog"),
    ServiceInfo("declaration", 8102, "申报 Declaration"),
    ServiceInfo("review", 8103, "审核 Review"),
    ServiceInfo("disclosure", 8104, "公示 Disclosure",
                (("YKT_DISCLOSURE_PUBLICITY_SECONDS", "${YKT_DISCLOSURE_PUBLICITY_SECONDS:-432000}"),)),
    ServiceInfo("treasury", 8105, "国库集中支付 Treasury"),
    ServiceInfo("banking", 8106, "银行代发 Banking"),
    ServiceInfo("bank_simulator", 8107, "代发银行模拟 Bank simulator",
                (("YKT_BANK_SIMULATOR_FAILURE_RATE", "${YKT_BANK_SIMULATOR_FAILURE_RATE:-0.01}"),)),
    ServiceInfo("complaint", 8108, "举报投诉 Complaint"),
    ServiceInfo("supervision", 8109, "监督检查 Supervision"),
)}
PORTS: dict[str, int] = {name: s.port for name, s in SERVICES.items()}
