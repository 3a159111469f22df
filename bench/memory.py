#!/usr/bin/env python3
"""Memory per real server, lvsd vs keepalived, as the IPVS table grows.

Run by bench/memory.sh inside one user-mode-linux boot: for each table size
(destinations = services x 10 real servers, DR, no health checks) each
contender programs the table from a fresh IPVS (bench/ipvs_bench.py's flush),
settles, and its memory is read from /proc/PID/smaps_rollup:

  RSS  resident pages, shared ones counted whole
  PSS  proportional set size: each shared page divided by the processes
       that map it
  USS  unique set size: Private_Clean + Private_Dirty, the pages only this
       process maps (what stopping it would give back)

lvsd reads its YAML (each real server by its address alone, see
write_lvsd_compact); `lvsd-conf` is lvsd reading the same keepalived.conf
as keepalived, reported beside them.

Then the same daemon reloads RELOADS times (default 3), each time with one
real server's weight changed in its file (the last real server of the last
service, 1 -> 2 -> 1 ...; SIGHUP; done when the kernel shows the new weight,
polled over netlink for that one service), settling after each: the minor
page faults of each reload (/proc/PID/stat, every process of the daemon)
and the memory after the last reload are recorded too. A daemon that keeps
what a reload touched grows its USS; one that gives it back faults it in
again on the next reload. Then, RESYNC_WAIT (default 35 s) later, once
more (also with --reloads 0): lvsd reads the whole kernel table every 30 s
by default (its resync; keepalived has none and just waits as long); with
--resyncs N, after each of N resyncs.

keepalived is its parent and its checker child (the process that holds the
table and programs IPVS); both are recorded, and its total (USS and PSS add
up over processes, RSS does not) is what lvsd is compared with.
Bytes per real server at size N: (USS(N) - USS(baseline)) / (N - 1), where
the baseline is a table of one virtual server with one real server.

  memory.py measure --work DIR --results FILE --lvsd PATH --sizes 1,1000,...
  memory.py report FILE
"""
import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipvs_bench as ib  # noqa: E402  (configs, flush, polling helpers)
from reload_scale import IpvsNetlink, weight_edits  # noqa: E402  (one service's weights; the edits)

RESYNC_INTERVAL_S = 30  # ipvs_resync_interval in lvsd's YAML (and lvsd's default)
SETTLE_S = 2.0  # after the table is complete: the daemons' startup work ends


def smaps_rollup(pid):
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, value = line.partition(":")
            parts = value.split()
            if len(parts) == 2 and parts[1] == "kB":
                out[key] = int(parts[0])
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key == "VmHWM":
                out["VmHWM"] = int(value.split()[0])
    out["USS"] = out.get("Private_Clean", 0) + out.get("Private_Dirty", 0)
    return {k: out.get(k, 0) for k in ("Rss", "Pss", "USS", "Anonymous", "Private_Dirty", "VmHWM")}


def minor_faults(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[7])  # field 10, minflt


def reload_weights(a, conf, signal_pid, pids, services, reals):
    """a.reloads one-weight reloads of the daemon (see the module's text):
    for each, the seconds until the kernel showed the weight and the minor
    faults of `pids` (settled) it cost."""
    vip, port = ib.vip(services - 1), 80
    real = ib.real(services - 1, reals - 1, reals)
    nl = IpvsNetlink()
    out = []
    with contextlib.closing(weight_edits(conf, real, a.reloads)) as edits:
        for n, new in enumerate(edits):
            faults = sum(minor_faults(p) for p in pids)
            t = time.time()
            os.kill(signal_pid, signal.SIGHUP)
            seen = None
            while time.time() < t + 600:
                if nl.weights(vip, port).get((real, port)) == new:
                    seen = time.time() - t
                    break
                time.sleep(0.01)
            if seen is None:
                raise RuntimeError(f"reload {n + 1} never showed weight {new}")
            time.sleep(SETTLE_S)
            out.append({"s": seen, "faults": sum(minor_faults(p) for p in pids) - faults})
    return out


def after_programming(a, conf, expected, signal_pid, pids):
    """The memory of every process in `pids` ({name: pid}) now, then (when
    asked) after the reloads and after the resync wait (the module's text)."""
    read = lambda: {name: smaps_rollup(pid) for name, pid in pids.items()}  # noqa: E731
    r = read()
    if expected <= 1:
        return r
    if a.reloads:
        services, reals = shape(expected)
        r["reloads"] = reload_weights(a, conf, signal_pid, list(pids.values()), services, reals)
        r["after_reloads"] = read()
    if a.resync_wait > 0:
        # lvsd's first resync comes 30 s after its start, or after the last
        # reload (a reload re-arms it). keepalived has none; it waits as long.
        time.sleep(a.resync_wait)
        r["after_resync"] = read()
        # Later resyncs, every 30 s: the memory should stay where the first
        # one left it.
        r["after_resyncs"] = [r["after_resync"]]
        for _ in range(1, a.resyncs):
            time.sleep(RESYNC_INTERVAL_S)
            r["after_resyncs"].append(read())
    return r


def write_lvsd_compact(work, services, reals):
    """lvsd.yaml for the same table as ipvs_bench's, with each real server
    written as its address alone (port and weight 1 are the defaults). Until
    2026-12-04 lvsd refused a file of more than 200,000 YAML entries, which
    ipvs_bench's fully spelled form reaches near 50,000 real servers; the
    guard now counts alias repeats only, but the compact form is kept so that
    figures stay comparable with earlier runs. The table programmed is the
    same."""
    # The default resync interval (30 s), as with the keepalived.conf.
    lines = ["global:", f"  ipvs_resync_interval: {RESYNC_INTERVAL_S}s", "", "virtual_servers:"]
    for s in range(services):
        lines += [f"  - address: {ib.vip(s)}", "    port: 80", "    protocol: TCP",
                  "    lb_algo: rr", "    lb_kind: DR", "    real_servers:"]
        lines += [f"      - address: {ib.real(s, r, reals)}" for r in range(reals)]
    with open(os.path.join(work, "lvsd.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")


def shape(n):
    """services x reals for n destinations: 10 reals per service, or n x 1."""
    return (n // 10, 10) if n >= 10 and n % 10 == 0 else (n, 1)


def run_lvsd(a, work, expected, binary=None, log_name="lvsd.log", config="lvsd.yaml"):
    tail = ib.LogTail(os.path.join(work, log_name))
    with open(tail.path, "wb") as log:
        proc = subprocess.Popen([binary or a.lvsd, "-f", os.path.join(work, config),
                                 "--state-file", os.path.join(work, "lvsd-owned")],
                                stdout=log, stderr=subprocess.STDOUT)
    seen = ib.wait_for({"log": lambda: (tail.poll(), tail.count("changes applied, 0 failed") > 0
                                        or tail.count("change applied, 0 failed") > 0)[1],
                        "table": (lambda: ib.count_destinations() == expected, ib.TABLE_POLL)}, 600)
    if not all(seen.values()):
        ib.stop(proc)
        raise RuntimeError(f"lvsd: table not complete ({ib.count_destinations()} of {expected})")
    time.sleep(SETTLE_S)
    try:
        return after_programming(a, os.path.join(work, config), expected, proc.pid, {"lvsd": proc.pid})
    finally:
        ib.stop(proc)


def run_keepalived(a, work, expected):
    tail = ib.LogTail(os.path.join(work, "keepalived.log"))
    pidf = {k: os.path.join(work, f"keepalived-{k}.pid") for k in ("parent", "checker", "vrrp", "bfd")}
    with open(tail.path, "wb") as log:
        proc = subprocess.Popen(["keepalived", "-n", "-l", "-G", "-I", "-f", os.path.join(work, "keepalived.conf"),
                                 "-p", pidf["parent"], "-c", pidf["checker"], "-r", pidf["vrrp"], "-b", pidf["bfd"]],
                                stdout=log, stderr=subprocess.STDOUT)
    seen = ib.wait_for({"table": (lambda: ib.count_destinations() == expected, ib.TABLE_POLL),
                        "log": lambda: (tail.poll(), tail.count("Startup complete") > 0)[1]}, 600)
    if not all(seen.values()):
        ib.stop(proc)
        raise RuntimeError(f"keepalived: table not complete ({ib.count_destinations()} of {expected})")
    time.sleep(SETTLE_S)
    checker = ib.read_pid(pidf["checker"])
    try:
        return after_programming(a, os.path.join(work, "keepalived.conf"), expected, proc.pid,
                                 {"checker": checker, "parent": proc.pid})
    finally:
        ib.stop(proc)


def measure(a):
    sizes = [int(s) for s in a.sizes.split(",")]
    for cmd in ([a.lvsd, "--version"], ["keepalived", "--version"]):  # page cache (hostfs)
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    res = {"uname": os.uname().release, "sizes": sizes, "settle_s": SETTLE_S, "runs": {}, "errors": []}
    for n in sizes:
        services, reals = shape(n)
        work = os.path.join(a.work, str(n))
        ib.write_configs(work, services, reals)
        write_lvsd_compact(work, services, reals)
        res["runs"][str(n)] = {"services": services, "reals": reals}
        contenders = [("lvsd", run_lvsd), ("keepalived", run_keepalived),
                      ("lvsd-conf", lambda a, w, e: run_lvsd(a, w, e, log_name="lvsd-conf.log",
                                                             config="keepalived.conf"))]
        if a.lvsd_static:  # an older build, for the cost of linking shared
            contenders.append(("lvsd_static", lambda a, w, e: run_lvsd(a, w, e, a.lvsd_static, "lvsd-static.log")))
        for name, run in contenders:
            ib.flush()
            try:
                res["runs"][str(n)][name] = run(a, work, n)
            except Exception as e:  # record it and go on
                res["errors"].append(f"{name} at {n}: {e!r}")
            with open(a.results, "w") as f:
                json.dump(res, f, indent=2)
    ib.flush()


def total(procs):
    return {k: sum(p[k] for p in procs) for k in ("Pss", "USS")}


def report(path):
    with open(path) as f:
        res = json.load(f)
    print(f"memory by table size, UML kernel {res['uname']}, settled {res['settle_s']} s after the table was complete")
    for e in res["errors"]:
        print(f"ERROR: {e}")
    sizes = res["sizes"]
    base = str(sizes[0])
    row = "| {:>7} | {:>22} | {:>22} | {:>22} | {:>16} | {:>16} | {:>13} |"
    print(row.format("dests", "lvsd RSS/PSS/USS kB", "ka checker RSS/PSS/USS", "ka parent RSS/PSS/USS",
                     "USS lvsd / ka", "B/RS lvsd / ka", "goal met"))
    print(row.format(*["---"] * 7).replace(" ", ""))
    base_run = res["runs"].get(base, {})
    for n in sizes:
        r = res["runs"].get(str(n), {})
        lv, ka = r.get("lvsd", {}).get("lvsd"), r.get("keepalived")
        if not lv or not ka:
            print(row.format(n, "n/a", "n/a", "n/a", "", "", ""))
            continue
        kt = total([ka["checker"], ka["parent"]])
        three = lambda m: f"{m['Rss']}/{m['Pss']}/{m['USS']}"  # noqa: E731
        per = ""
        met = ""
        if str(n) != base and base_run.get("lvsd") and base_run.get("keepalived"):
            lv0 = base_run["lvsd"]["lvsd"]["USS"]
            kt0 = total([base_run["keepalived"]["checker"], base_run["keepalived"]["parent"]])["USS"]
            lb = (lv["USS"] - lv0) * 1024 / (n - sizes[0])
            kb = (kt["USS"] - kt0) * 1024 / (n - sizes[0])
            per = f"{lb:.0f} / {kb:.0f}"
            met = "yes" if lb < kb and lv["USS"] < kt["USS"] else "NO"
        elif str(n) == base:
            met = "yes" if lv["USS"] < kt["USS"] else "NO"
        print(row.format(n, three(lv), three(ka["checker"]), three(ka["parent"]),
                         f"{lv['USS']} / {kt['USS']}", per, met))
    conf_runs = [(n, res["runs"].get(str(n), {}).get("lvsd-conf", {}).get("lvsd")) for n in sizes]
    if any(m for _, m in conf_runs):
        print()
        print("lvsd reading the same table from keepalived.conf (lvsd-conf), RSS/PSS/USS kB, and its B/RS:")
        base_conf = res["runs"].get(base, {}).get("lvsd-conf", {}).get("lvsd")
        for n, m in conf_runs:
            if not m:
                continue
            per = f", {(m['USS'] - base_conf['USS']) * 1024 / (n - sizes[0]):.0f} B/RS" if base_conf and str(n) != base else ""
            print(f"  {n:>7}: {m['Rss']}/{m['Pss']}/{m['USS']}{per}")
    if any(res["runs"].get(str(n), {}).get(c, {}).get(k) for n in sizes for c in ("lvsd", "keepalived")
           for k in ("reloads", "after_resync")):
        print()
        print("after one-weight reloads (SIGHUP until the kernel shows the weight, then settled):")
        row2 = "| {:>7} | {:>10} | {:>26} | {:>24} | {:>22} | {:>13} | {:>20} |"
        print(row2.format("dests", "contender", "reload s (each)", "minor faults (each)", "USS kB before / after",
                          "after / ka", "USS kB after each resync"))
        print(row2.format(*["---"] * 7).replace(" ", ""))
        for n in sizes:
            r = res["runs"].get(str(n), {})
            ka_after = r.get("keepalived", {}).get("after_reloads")
            kt_after = total([ka_after["checker"], ka_after["parent"]])["USS"] if ka_after else None
            for name in ("lvsd", "lvsd-conf", "keepalived", "lvsd_static"):
                c = r.get(name, {})
                if not c.get("reloads") and not c.get("after_resync"):
                    continue
                procs = ["checker", "parent"] if name == "keepalived" else ["lvsd"]
                before = sum(c[p]["USS"] for p in procs)
                after = sum(c["after_reloads"][p]["USS"] for p in procs) if c.get("after_reloads") else None
                ratio = f"{after / kt_after:.2f}" if after and kt_after else ""
                resync = ", ".join(str(sum(x[p]["USS"] for p in procs)) for x in c["after_resyncs"]) \
                    if c.get("after_resyncs") else ""
                reloads = c.get("reloads", [])
                print(row2.format(n, name, ", ".join(f"{x['s']:.3f}" for x in reloads) or "none",
                                  ", ".join(str(x["faults"]) for x in reloads), f"{before} / {after or ''}", ratio,
                                  resync))
    static = [(n, res["runs"][str(n)].get("lvsd_static", {}).get("lvsd")) for n in sizes]
    if any(m for _, m in static):
        print()
        print("the other lvsd binary (--lvsd-static), RSS/PSS/USS/anonymous kB:")
        for n, m in static:
            if m:
                print(f"  {n:>7}: {m['Rss']}/{m['Pss']}/{m['USS']}/{m['Anonymous']}")
    print()
    print("ka = keepalived; its USS and bytes per real server (B/RS) are parent + checker.")
    print("B/RS: (USS(N) - USS(baseline)) / (N - baseline), baseline = the first size.")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    for opt in ("--work", "--results", "--lvsd"):
        m.add_argument(opt, required=True)
    m.add_argument("--sizes", default="1,1000,10000,50000")
    m.add_argument("--reloads", type=int, default=3, help="one-weight reloads after the reading (0: none)")
    m.add_argument("--resync-wait", type=float, default=35.0,
                   help="after the reloads, wait this long (lvsd's first resync, 30 s after the last reload) "
                        "and read the memory again (0: not)")
    m.add_argument("--resyncs", type=int, default=1,
                   help="read the memory after this many resyncs (each 30 s after the one before)")
    m.add_argument("--lvsd-static", help="also measure this lvsd binary (e.g. a statically linked build)")
    r = sub.add_parser("report")
    r.add_argument("results")
    a = p.parse_args()
    if a.cmd == "measure":
        measure(a)
    else:
        report(a.results)


if __name__ == "__main__":
    sys.exit(main())
