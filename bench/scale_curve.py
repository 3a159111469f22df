#!/usr/bin/env python3
"""Helper of bench/scale-curve.sh (issue 19): the scale curve. For each table
size, keepalived, lvsd reading keepalived.conf, lvsd reading the YAML that
`lvsctl import-keepalived` makes of it, and `ipvsadm -R` program the same
table on a freshly loaded ip_vs, timed the same way (from the process start,
or the SIGHUP, until the kernel holds the result), inside one user-mode-linux
boot. See bench/scale-curve.md.

Subcommands:
  configs OUT --sizes LIST --lvsctl BIN
      OUT/LABEL/{keepalived.conf,ipvsadm.rules,lvsd.yaml} for every size and
      for the baseline (one service of one real server); lvsd.yaml is the
      output of `lvsctl import-keepalived OUT/LABEL/keepalived.conf`.
  measure --inputs DIR --work DIR --results FILE --lvsd BIN --lvsctl BIN ...
      inside UML, as its init (PID 1; see "the end of a reload" below).
  report FILE            the markdown tables
  plot FILE PNG          the log-log plot (python3-matplotlib)

Sizes: N (N/10 services of 10 real servers) or SxR (S services of R real
servers), e.g. 1000,10000,50000,100000,1000x100.

Per size and contender (keepalived, lvsd-conf, lvsd-yaml, ipvsadm):
  program          Popen until the kernel holds every destination: the last
                   service of the file, which every contender programs last,
                   polled over generic netlink every 20 ms, then
                   /proc/net/ip_vs read whole (reload_scale.py's poller);
                   `ipvsadm -R < rules`: until it exits.
  USS              2 s after programming, smaps_rollup (keepalived: parent +
                   checker); per destination (USS(N) - USS(1x1)) / (N - 1).
  no-change reload SIGHUP until the daemon says it is done (below).
  one-weight reload the last real server's weight 1 -> 2 -> 1 in the file,
                   SIGHUP until the kernel shows the new weight (polled every
                   5 ms over netlink); lvsd must apply exactly one change.
  list             after ipvsadm -R (no daemon running): `lvsctl list` vs
                   `ipvsadm -Ln`, output compared byte for byte once,
                   then timed alternately (median).

The end of a reload. Both daemons speak systemd's notify protocol: lvsd
sends READY=1 to $NOTIFY_SOCKET when a reload is done (IPVS written);
keepalived's parent sends READY=1 when every child has finished reloading
(the checker after it updated IPVS), the moment it would log "Reload
complete". keepalived sends it only when its parent is PID 1, named
"systemd", and NOTIFY_SOCKET is set: this process runs as UML's init and
names itself systemd, so keepalived (its child) believes it runs under
systemd. Neither daemon logs anything for it (keepalived -G without -l,
lvsd at --log-level warn).
"""
import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipvs_bench as ib  # noqa: E402  (configs, flush, stop, listing)
import memory  # noqa: E402  (smaps_rollup)
import reload_scale as rs  # noqa: E402  (netlink poller, weight edits, lvsd counters, start)

CONTENDERS = ("keepalived", "lvsd-conf", "lvsd-yaml", "ipvsadm")
BASELINE = "1x1"
SETTLE_S = 2.0
NOTIFY_PATH = "/run/bench/notify.sock"


def parse_size(token):
    """'10000' -> (1000, 10); '1000x100' -> (1000, 100)."""
    if "x" in token:
        s, r = token.split("x")
        return int(s), int(r)
    n = int(token)
    return (n // 10, 10) if n >= 10 and n % 10 == 0 else (n, 1)


def label(services, reals):
    return f"{services}x{reals}"


# ---------------------------------------------------------------- configs

def configs(a):
    for services, reals in [(1, 1)] + [parse_size(t) for t in a.sizes.split(",")]:
        out = os.path.join(a.out, label(services, reals))
        ib.write_configs(out, services, reals)
        with open(os.path.join(out, "lvsd.yaml"), "wb") as f:
            subprocess.run([a.lvsctl, "import-keepalived", os.path.join(out, "keepalived.conf")],
                           stdout=f, check=True)


# ---------------------------------------------------------------- measuring

class Notify:
    """The notify socket both daemons send READY=1 to."""

    def __init__(self, path):
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        os.environ["NOTIFY_SOCKET"] = path

    def drain(self):
        self.sock.setblocking(False)
        try:
            while True:
                self.sock.recv(4096)
        except BlockingIOError:
            pass

    def wait_ready(self, until):
        """time.time() when READY=1 came; None at `until`."""
        while (left := until - time.time()) > 0:
            self.sock.settimeout(left)
            try:
                msg = self.sock.recv(4096)
            except (socket.timeout, BlockingIOError):
                return None
            if b"READY=1" in msg:
                return time.time()
        return None


def uss(name, proc, work):
    names = ("parent", "checker") if name == "keepalived" else ("lvsd",)
    parts = {n: memory.smaps_rollup(pid) for n, pid in zip(names, daemon_pids(name, proc, work))}
    return {"uss_kb": sum(p["USS"] for p in parts.values()), "parts": parts}


def tail_of(path, lines=5):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).strip()
    except OSError:
        return ""


def program_daemon(a, name, services, reals, r):
    """Starts `name` and waits until the kernel holds the table; the process,
    or None (r says why: timeout, refused)."""
    expected = services * reals
    vip, port = ib.vip(services - 1), 80
    nl, full = rs.IpvsNetlink(), rs.Poller()
    proc, t0 = rs.start(a, name)
    while time.time() < t0 + a.step_timeout:
        if len(nl.weights(vip, port)) == reals and full.count() == expected:
            r["program_s"] = time.time() - t0
            r["program_poll_busy_s"] = nl.busy + full.busy
            # The daemon's own CPU and page faults since its start (keepalived:
            # parent + checker), read once the table is complete.
            r["program_cpu_s"], r["program_minflt"] = proc_cost(daemon_pids(name, proc, a.work))
            return proc
        if proc.poll() is not None:
            r["program"] = "refused" if proc.returncode != 0 else "exited"
            r["exit"] = proc.returncode
            r["output"] = tail_of(os.path.join(a.work, f"{name}.out"))
            return None
        time.sleep(rs.SENTINEL_POLL)
    r["program"] = "timeout"
    r["destinations_at_timeout"] = full.count()
    ib.stop(proc)
    return None


def proc_cost(pids):
    """CPU seconds (user + system, every thread) and minor page faults so
    far, summed over pids (keepalived: parent and checker)."""
    cpu, faults = 0.0, 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        faults += int(fields[7])  # minflt (field 10)
        cpu += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (14, 15)
    return cpu, faults


def cost_since(pids, before, x):
    cpu, faults = proc_cost(pids)
    x["cpu_s"], x["minflt"] = cpu - before[0], faults - before[1]


def daemon_pids(name, proc, work):
    if name == "keepalived":
        return [proc.pid, ib.read_pid(os.path.join(work, "ka-checker.pid"))]
    return [proc.pid]


def lines_changed(before, after):
    """Lines of /proc/net/ip_vs that differ (no traffic: only a weight can)."""
    b, a = before.splitlines(), after.splitlines()
    return sum(x != y for x, y in zip(b, a)) + abs(len(b) - len(a))


def timed_reload(a, proc, pids, notify, out, shown=None):
    """SIGHUP, then until shown() holds (polled every RELOAD_POLL; without
    it, READY=1 ends the reload) and until READY=1; appends the figures of
    this reload to `out`. The kernel's table is read before and after
    (outside the timed window) to count the lines that changed."""
    table = rs.Poller().read()
    before = proc_cost(pids)
    notify.drain()
    t1 = time.time()
    os.kill(proc.pid, signal.SIGHUP)
    seen = None
    while shown and time.time() < t1 + a.step_timeout:
        if shown():
            seen = time.time()
            break
        time.sleep(rs.RELOAD_POLL)
    # The daemon may still be busy after the kernel shows the change.
    ready = notify.wait_ready(t1 + a.step_timeout)
    end = seen if shown else ready
    x = {"s": end - t1 if end else None, "ready_s": ready - t1 if ready else None}
    cost_since(pids, before, x)
    x["kernel_lines_changed"] = lines_changed(table, rs.Poller().read())
    out.append(x)
    if end is None:
        raise TimeoutError(f"reload not done within {a.step_timeout} s")
    time.sleep(a.settle)


def no_change_reloads(a, proc, pids, notify, count, r):
    r["no_change"] = []
    for _ in range(count):
        timed_reload(a, proc, pids, notify, r["no_change"])


def one_weight_reloads(a, name, proc, pids, notify, services, reals, count, r):
    conf = os.path.join(a.work, "lvsd.yaml" if name == "lvsd-yaml" else "keepalived.conf")
    vip, port = ib.vip(services - 1), 80
    real = ib.real(services - 1, reals - 1, reals)
    nl = rs.IpvsNetlink()
    r["one_weight"] = []
    with contextlib.closing(rs.weight_edits(conf, real, count)) as edits:
        for new in edits:
            timed_reload(a, proc, pids, notify, r["one_weight"],
                         lambda: nl.weights(vip, port).get((real, port)) == new)  # noqa: B023


def run_daemon(a, name, services, reals, notify, reloads):
    r = {}
    notify.drain()
    proc = program_daemon(a, name, services, reals, r)
    if proc is None:
        return r
    try:
        time.sleep(SETTLE_S)
        r["memory"] = uss(name, proc, a.work)
        if reloads:
            # lvsd's counters (`lvsctl status --json`, which lists every real
            # server) only up to --status-max destinations: it takes 8-23 s at
            # 10,000 inside UML. Above, the kernel's table alone is compared.
            # Read before the reloads, after the no-change ones and after the
            # one-weight ones: the differences are summed over each kind.
            counters = name != "keepalived" and services * reals <= a.status_max
            c = []
            if counters:
                t = time.time()
                c.append(rs.lvsd_counters(a))
                r["lvsctl_status_json_s"] = time.time() - t
            pids = daemon_pids(name, proc, a.work)
            no_change_reloads(a, proc, pids, notify, reloads, r)
            if counters:
                c.append(rs.lvsd_counters(a))
            one_weight_reloads(a, name, proc, pids, notify, services, reals, reloads, r)
            if counters:
                c.append(rs.lvsd_counters(a))
                r["no_change_counted"] = {"reloads": c[1]["reloads_succeeded"] - c[0]["reloads_succeeded"],
                                          "ipvs_changes": c[1]["reconcile_operations"] - c[0]["reconcile_operations"]}
                r["one_weight_counted"] = {"reloads": c[2]["reloads_succeeded"] - c[1]["reloads_succeeded"],
                                           "ipvs_changes": c[2]["reconcile_operations"] - c[1]["reconcile_operations"]}
            r["destinations_after"] = rs.Poller().count()
    except Exception as e:  # noqa: BLE001  recorded; the contender is stopped
        r["error"] = repr(e)
    finally:
        ib.stop(proc)
    return r


def run_ipvsadm(a, services, reals):
    r = {}
    with open(os.path.join(a.work, "ipvsadm.rules"), "rb") as rules:
        t0 = time.time()
        try:
            subprocess.run(["ipvsadm", "-R"], stdin=rules, check=True, timeout=a.step_timeout)
            r["program_s"] = time.time() - t0
        except subprocess.TimeoutExpired:
            r["program"] = "timeout"
    r["destinations"] = rs.Poller().count()
    if r["destinations"] != services * reals:
        r["program"] = f"{r['destinations']} of {services * reals} destinations"
        r.pop("program_s", None)
    return r


def copy_inputs(src, dst):
    os.makedirs(dst, exist_ok=True)
    for name in ("keepalived.conf", "lvsd.yaml", "ipvsadm.rules"):
        with open(os.path.join(src, name), "rb") as f, open(os.path.join(dst, name), "wb") as g:
            g.write(f.read())


def measure(a):
    res = {"uname": os.uname().release, "started": time.time(), "sizes": [], "runs": {}, "errors": [],
           "settle_s": SETTLE_S, "step_timeout_s": a.step_timeout, "reload_end": "sd_notify READY=1"}
    with open("/proc/meminfo") as f:
        res["mem_total_kb"] = int(f.readline().split()[1])
    for cmd in ([a.lvsd, "--version"], [a.lvsctl, "--version"], ["keepalived", "--version"], ["ipvsadm", "--version"]):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # page cache (hostfs)
    notify = Notify(NOTIFY_PATH)

    def save():
        with open(a.results, "w") as f:
            json.dump(res, f, indent=2)

    shapes = [(1, 1)] + [parse_size(t) for t in a.sizes.split(",")]
    for services, reals in shapes:
        lab = label(services, reals)
        n = services * reals
        a.work = os.path.join(a.work_root, lab)
        copy_inputs(os.path.join(a.inputs, lab), a.work)
        run = {"services": services, "reals": reals, "destinations": n, "contenders": {}}
        res["runs"][lab] = run
        if lab != BASELINE:
            res["sizes"].append(lab)
        reloads = 0 if lab == BASELINE else (a.reloads if n <= 10000 else a.big_reloads)
        for name in CONTENDERS:
            if lab == BASELINE and name == "ipvsadm":
                continue
            ib.flush()
            t = time.time()
            try:
                if name == "ipvsadm":
                    run["contenders"][name] = run_ipvsadm(a, services, reals)
                else:
                    run["contenders"][name] = run_daemon(a, name, services, reals, notify, reloads)
            except Exception as e:  # noqa: BLE001  recorded; the next contender runs
                res["errors"].append(f"{lab} {name}: {e!r}")
            if name in run["contenders"]:
                run["contenders"][name]["step_wall_s"] = time.time() - t
                if "error" in run["contenders"][name]:
                    res["errors"].append(f"{lab} {name}: {run['contenders'][name]['error']}")
            print(f"{time.strftime('%H:%M:%S')} {lab} {name}: {run['contenders'].get(name)}", flush=True)
            save()
        if lab != BASELINE and run["contenders"].get("ipvsadm", {}).get("program_s"):
            a.list_runs = a.list_runs_small if n <= 10000 else a.list_runs_big
            try:
                run["listing"] = ib.bench_listing(a)
            except Exception as e:  # noqa: BLE001
                res["errors"].append(f"{lab} listing: {e!r}")
            save()
    ib.flush()
    res["finished"] = time.time()
    save()


def as_init(a):
    """Runs measure() as UML's init: named systemd (keepalived's test for
    sending READY=1), bounded by an alarm, and powering UML off at the end."""
    if os.getpid() == 1:
        with open("/proc/self/comm", "w") as f:
            f.write("systemd")

    def expired(*_):
        raise TimeoutError("the whole run's time is up")

    signal.signal(signal.SIGALRM, expired)
    signal.alarm(int(a.total_timeout))
    try:
        measure(a)
        rc = 0
    except BaseException as e:  # noqa: BLE001  whatever happens, UML must stop
        print(f"measure failed: {e!r}", flush=True)
        rc = 1
    signal.alarm(0)
    out = os.path.dirname(a.results)
    with open(os.path.join(out, "measure.rc"), "w") as f:
        f.write(f"{rc}\n")
    subprocess.run(f"for d in {a.work_root}/*/; do mkdir -p {out}/logs/$(basename $d) && "
                   f"cp $d*.out {out}/logs/$(basename $d)/; done 2>/dev/null", shell=True)
    with open(os.path.join(out, "done"), "w") as f:
        f.write("done\n")
    os.sync()
    if os.getpid() == 1:
        subprocess.run(["poweroff", "-f"])
    return rc


# ---------------------------------------------------------------- report

def fmt(s):
    if s is None:
        return "n/a"
    if isinstance(s, str):
        return s
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def figures(res):
    """{label: {contender: {metric: seconds | bytes | text}}} and, per
    label, the listing medians."""
    base = res["runs"].get(BASELINE, {}).get("contenders", {})
    out = {}
    for lab in res["sizes"]:
        run = res["runs"][lab]
        n = run["destinations"]
        row = {}
        for name, r in run["contenders"].items():
            f = {"program": r.get("program_s", r.get("program")), "program_cpu": r.get("program_cpu_s")}
            if "no_change" in r:
                f["no_change"] = med([x["s"] for x in r["no_change"]])
                k = len(r["no_change"])
                counted = r.get("no_change_counted", {"reloads": k, "ipvs_changes": 0})
                f["no_change_ok"] = (counted == {"reloads": k, "ipvs_changes": 0}
                                     and all(x.get("kernel_lines_changed", 0) == 0 for x in r["no_change"]))
            if "one_weight" in r:
                f["one_weight"] = med([x["s"] for x in r["one_weight"]])
                f["one_weight_ready"] = med([x["ready_s"] for x in r["one_weight"]])
                k = len(r["one_weight"])
                counted = r.get("one_weight_counted", {"reloads": k, "ipvs_changes": k})
                f["one_change"] = (counted == {"reloads": k, "ipvs_changes": k}
                                   and all(x.get("kernel_lines_changed", 1) == 1 for x in r["one_weight"]))
                f["one_change_counted"] = "one_weight_counted" in r
            b = base.get(name, {}).get("memory")
            if "memory" in r:
                f["uss_kb"] = r["memory"]["uss_kb"]
                if b:
                    f["bytes_per_dest"] = (r["memory"]["uss_kb"] - b["uss_kb"]) * 1024 / (n - 1)
            if "error" in r:
                f["error"] = r["error"]
            row[name] = f
        listing = run.get("listing")
        if listing:
            row["list"] = {"lvsctl list": listing["median"]["lvsctl list"], "ipvsadm -Ln": listing["median"]["ipvsadm -Ln"],
                           "identical": listing["identical_output"]}
        out[lab] = row
    return out


def report(path):
    with open(path) as f:
        res = json.load(f)
    fig = figures(res)
    took = res.get("finished", res["started"]) - res["started"]
    print(f"UML {res['uname']}, {res['mem_total_kb'] // 1024} MB; measured in {took / 60:.1f} min; "
          f"reload end: {res['reload_end']}")
    for e in res["errors"]:
        print(f"\nERROR: {e}")
    print()
    print("| destinations (services x reals) | contender | program | no-change reload | one-weight reload "
          "(kernel / READY) | reloads checked | USS | bytes per destination |")
    print("|---|---|---|---|---|---|---|---|")
    for lab, row in fig.items():
        n = res["runs"][lab]["destinations"]
        for name in CONTENDERS:
            f = row.get(name)
            if f is None:
                continue
            nc = fmt(f.get("no_change")) if "no_change" in f else ""
            if "no_change_ok" in f and not f["no_change_ok"]:
                nc += " (changes!)"
            ow = f"{fmt(f.get('one_weight'))} / {fmt(f.get('one_weight_ready'))}" if "one_weight" in f else ""
            if "one_change" in f:
                ow += "" if f["one_change"] else " (not one change!)"
            uss_s = f"{f['uss_kb']:,} kB" if "uss_kb" in f else ""
            per = f"{f['bytes_per_dest']:.0f}" if "bytes_per_dest" in f else ""
            err = f" ({f['error']})" if "error" in f else ""
            checked = ""
            if "one_change" in f:
                checked = "kernel + lvsd counters" if f.get("one_change_counted") else "kernel"
            cpu = f" ({fmt(f['program_cpu'])} CPU)" if f.get("program_cpu") is not None else ""
            print(f"| {n:,} ({lab}) | {name} | {fmt(f['program'])}{cpu}{err} | {nc} | {ow} | {checked} | {uss_s} | {per} |")
    print()
    print("each reload, one figure per reload: wall time, the daemon's CPU (every thread; keepalived: parent + "
          "checker), its minor page faults")
    print()
    print("| destinations | contender | no-change reloads | one-weight reloads |")
    print("|---|---|---|---|")
    for lab in fig:
        run = res["runs"][lab]
        for name in CONTENDERS[:3]:
            r = run["contenders"].get(name, {})
            if "no_change" not in r:
                continue
            cells = []
            for kind in ("no_change", "one_weight"):
                cells.append("; ".join(f"{fmt(x['s'])} / {fmt(x['cpu_s'])} CPU / {x['minflt']:,} faults"
                                       if "cpu_s" in x else fmt(x["s"]) for x in r.get(kind, [])))
            print(f"| {run['destinations']:,} ({lab}) | {name} | {cells[0]} | {cells[1]} |")
    print()
    print("| destinations | `lvsctl list` | `ipvsadm -Ln` | ipvsadm / lvsctl | identical output |")
    print("|---|---|---|---|---|")
    for lab, row in fig.items():
        li = row.get("list")
        if li:
            print(f"| {res['runs'][lab]['destinations']:,} ({lab}) | {fmt(li['lvsctl list'])} | {fmt(li['ipvsadm -Ln'])} | "
                  f"{li['ipvsadm -Ln'] / li['lvsctl list']:.1f}x | {'yes' if li['identical'] else 'NO'} |")
    print()
    # Growth: cost per destination at each size against the 10,000 point
    # (else the first size): 1.0 is linear, 10x the table at 10x the cost.
    # Below 10,000 the figures are mostly process start and fixed costs.
    first = next((lab for lab in res["sizes"] if res["runs"][lab]["destinations"] == 10000),
                 res["sizes"][0] if res["sizes"] else None)
    if first:
        print(f"growth: (time per destination) / (time per destination at {first}); 1.0 is linear")
        print()
        print("| destinations | contender | program | no-change reload | one-weight reload | list |")
        print("|---|---|---|---|---|---|")
        n0 = res["runs"][first]["destinations"]
        for lab, row in fig.items():
            n = res["runs"][lab]["destinations"]
            for name in CONTENDERS + ("list",):
                f, f0 = row.get(name), fig[first].get(name)
                if not f or not f0:
                    continue
                cells = []
                keys = ("lvsctl list",) if name == "list" else ("program", "no_change", "one_weight")
                for k in keys:
                    v, v0 = f.get(k), f0.get(k)
                    ok = isinstance(v, float) and isinstance(v0, float) and v0 > 0
                    cells.append(f"{(v / n) / (v0 / n0):.2f}" if ok else "")
                if name == "list":
                    cells = ["", "", ""] + cells
                    name = "lvsctl list"
                else:
                    cells.append("")
                print(f"| {n:,} ({lab}) | {name} | " + " | ".join(cells) + " |")


def plot(path, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with open(path) as f:
        res = json.load(f)
    fig = figures(res)
    panels = [("program", "program until the kernel holds the table (s)"),
              ("one_weight", "one-weight reload until the kernel shows it (s)"),
              ("no_change", "no-change reload until READY=1 (s)"),
              ("list", "listing the table (s)"),
              ("bytes_per_dest", "USS per destination (bytes)")]
    series = {"program": CONTENDERS, "one_weight": CONTENDERS[:3], "no_change": CONTENDERS[:3],
              "list": ("lvsctl list", "ipvsadm -Ln"), "bytes_per_dest": CONTENDERS[:3]}
    style = {"keepalived": "C3", "lvsd-conf": "C0", "lvsd-yaml": "C2", "ipvsadm": "C7", "lvsctl list": "C0",
             "ipvsadm -Ln": "C7"}
    figure, axes = plt.subplots(2, 3, figsize=(15, 9))
    for ax, (metric, title) in zip(axes.flat, panels):
        for name in series[metric]:
            for wide in (False, True):
                xs, ys = [], []
                for lab, row in fig.items():
                    run = res["runs"][lab]
                    if (run["reals"] != 10) != wide:
                        continue
                    v = row.get("list", {}).get(name) if metric == "list" else row.get(name, {}).get(metric)
                    if isinstance(v, (int, float)) and v > 0:
                        xs.append(run["destinations"])
                        ys.append(v)
                if not xs:
                    continue
                if wide:
                    ax.plot(xs, ys, "D", mfc="none", color=style[name], label=f"{name} (x100 reals)")
                else:
                    ax.plot(xs, ys, "o-", color=style[name], label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("destinations")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    axes.flat[-1].axis("off")
    axes.flat[-1].text(0, 0.5, "services of 10 real servers (lines);\n1,000 services x 100 (diamonds)\n"
                       f"UML {res['uname']}, one boot, one CPU\nsee bench/scale-curve.md", fontsize=10)
    figure.suptitle("lvsd vs keepalived vs ipvsadm: scale curve (issue 19)")
    figure.tight_layout()
    figure.savefig(png, dpi=90)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("configs")
    c.add_argument("out")
    c.add_argument("--sizes", required=True)
    c.add_argument("--lvsctl", required=True)
    m = sub.add_parser("measure")
    for opt in ("--inputs", "--work-root", "--results", "--lvsd", "--lvsctl", "--sizes"):
        m.add_argument(opt, required=True)
    m.add_argument("--reloads", type=int, default=3, help="reloads of each kind up to 10,000 destinations")
    m.add_argument("--big-reloads", type=int, default=3, help="reloads of each kind above 10,000 destinations")
    m.add_argument("--status-max", type=int, default=10000,
                   help="lvsd's reload counters read through `lvsctl status --json` up to this many destinations")
    m.add_argument("--list-runs-small", type=int, default=5)
    m.add_argument("--list-runs-big", type=int, default=3)
    m.add_argument("--settle", type=float, default=1.0, help="seconds of rest after each reload")
    m.add_argument("--step-timeout", type=float, default=600.0,
                   help="seconds one programming or one reload may take before it is recorded as a timeout")
    m.add_argument("--total-timeout", type=float, default=5400.0)
    r = sub.add_parser("report")
    r.add_argument("results")
    g = sub.add_parser("plot")
    g.add_argument("results")
    g.add_argument("png")
    a = p.parse_args()
    if a.cmd == "configs":
        return configs(a)
    if a.cmd == "measure":
        return as_init(a)
    if a.cmd == "report":
        return report(a.results)
    return plot(a.results, a.png)


if __name__ == "__main__":
    sys.exit(main())
