"""make run: infrastructure, every service, the demo county's monthly payroll, then keep serving."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from deploy.bench.ceiling import measure
from deploy.bench.meter import Meter
from deploy.bench.report import bench_table
from deploy.demo.campaign import campaign_table, run_campaign
from deploy.demo.client import CountyClient
from deploy.demo.county import programs
from deploy.demo.payroll import run_payroll
from deploy.demo.report import checks_table, ledger_table
from deploy.infra import Infra
from deploy.registers import load as load_registers
from deploy.stack import ServiceProcesses
from shared.registry import PORTS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=int(os.environ.get("YKT_DEMO_PEOPLE", "5000")))
    parser.add_argument("--no-serve", action="store_true", help="stop after the payroll")
    parser.add_argument("--keep-data", action="store_true", help="keep the previous run's data")
    parser.add_argument("--no-campaign", action="store_true", help="skip the supervision campaign after the payroll")
    parser.add_argument("--bench", action="store_true",
                        help="measure: CPU and peak memory per process, time per stage, the ceiling of the same run")
    parser.add_argument("--townships-at-once", action="store_true",
                        help="every township submits and reviews at the same time (measured slower here: 89.4 s "
                             "against 78-86 s one after another at 100k, more contention on two cores)")
    parser.add_argument("--publicity-seconds", type=int,
                        default=int(os.environ.get("YKT_DEMO_PUBLICITY_SECONDS", "10")),
                        help="公示期 of the demo (0: cleared at once, no objections)")
    args = parser.parse_args()
    t0 = time.monotonic()
    print("starting Kafka (KRaft) and PostgreSQL ...", flush=True)
    infra = Infra().start(fresh=not args.keep_data)
    stack = ServiceProcesses(env=infra.env(), extra_env={
        "disclosure": {"YKT_DISCLOSURE_PUBLICITY_SECONDS": str(args.publicity_seconds)},
        "bank_simulator": {"YKT_BANK_SIMULATOR_FAILURE_RATE": "0.01"}})
    try:
        print(f"infrastructure up in {time.monotonic() - t0:.1f}s; starting {len(PORTS)} services ...", flush=True)
        stack.start()
        print(f"all services healthy after {time.monotonic() - t0:.1f}s", flush=True)
        client = CountyClient()
        meter = Meter().start() if args.bench else None
        loaded = load_registers(client)
        print(f"Guide County's registers: {loaded['townships']} townships, {loaded['banks']} agency banks "
              "(python -m deploy.registers); the demo county runs beside them under its own codes", flush=True)
        result = run_payroll(client, args.people, progress=lambda m: print("  " + m, flush=True),
                             objections=args.publicity_seconds > 0, started=meter.mark if meter else None,
                             finished=meter.finish if meter else None, townships_at_once=args.townships_at_once)
        cpu = meter.cpu_seconds() if meter else {}
        names = {p.code: p.name for p in programs(int(result.period[:4]))}
        print(f"\npayroll {result.period}: {len(result.batches)} batches, {result.row_errors} rows refused at "
              f"declaration, done in {result.seconds:.1f}s (planted: {result.planted})\n")
        print(ledger_table(result.ledger, names))
        print("\nchecks (each figure read from the service that owns it):")
        print(checks_table(result.checks))
        if meter:
            meter.stop()
            print("\nmeasuring the ceiling of this run (one publish and one read of as many items) ...", flush=True)
            roof = measure(infra.bootstrap, infra.urls["catalog"].replace("+asyncpg", ""),
                           sum(b["accepted_rows"] for b in result.batches))
            print(bench_table(result, cpu, meter, roof))
        if not args.no_campaign:
            print("\nsupervision campaign (专项整治):")
            print(campaign_table(run_campaign(client, result, progress=lambda m: print("  " + m, flush=True))))
        print("\nwhere things are:")
        for name in PORTS:
            print(f"  {name:<15} {stack.url(name)}/docs   (AsyncAPI: {stack.url(name)}/asyncapi.json)")
        first = result.batches[0]["batch_id"]
        print(f"  public portal  {stack.url('disclosure')}/   (公开平台: catalog, rosters, personal and village query)")
        print(f"  a roster       {stack.url('disclosure')}/rosters/{first}")
        print(f"  case lookup    {stack.url('complaint')}/cases/lookup")
        if result.objections:
            for case in result.objections.cases:
                print(f"    objection {case['complaint_id']} (code {case['code']}): {case['outcome']}")
        print("  a token: YKT_ENV=development .venv/bin/python -m shared.auth --role finance --sub chief")
        if not result.ok:
            print("\nSOME TOTALS DO NOT MATCH (see above)")
        if args.no_serve:
            return 0 if result.ok else 1
        print("\nserving; press Ctrl-C to stop", flush=True)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        print("stopping services, Kafka and PostgreSQL ...", flush=True)
        stack.stop()
        infra.stop()


if __name__ == "__main__":
    sys.exit(main())
