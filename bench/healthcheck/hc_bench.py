#!/usr/bin/env python3
"""Helper of bench/healthcheck/run.sh: the cost of HTTP_GET checks, lvsd vs
keepalived's checker process, inside one user-mode-linux boot.

Subcommands:
  configs OUT --reals N [--first-port P]
      writes OUT/lvsd-N.yaml and OUT/keepalived-N.conf: the same NAT virtual
      server with N real servers 10.0.0.1:P..P+N-1, each with HTTP_GET on /
      every 1 s, connect_timeout 1 s, down on the first failure.
  measure --inputs DIR --work DIR --results FILE --lvsd BIN --sink BIN --reals N,N2 ...
      runs inside UML: for every N and every contender, starts the sink (the
      N real servers), starts the contender, waits until every real server
      is in the IPVS table, then measures CPU and memory over a window,
      syscalls with strace -c over another, and the detection time of a
      server death (the sink closes one listener) several times.
  report FILE
      prints the figures.
"""
import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time

VIP = "10.1.0.1"
REAL = "10.0.0.1"
INTERVAL_S = 1.0
CONNECT_TIMEOUT_S = 1.0
FALL = 1
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- configs

def write_configs(out, n, first_port):
    os.makedirs(out, exist_ok=True)
    yaml = ["global:", "  router_id: HC_BENCH",
            "  ipvs_resync_interval: 0   # no periodic table dump: only checks cost CPU", "",
            "virtual_servers:",
            f"  - address: {VIP}", "    port: 80", "    protocol: TCP", "    lb_algo: rr",
            "    lb_kind: NAT", "    delay_loop: 1s", "    real_servers:"]
    conf = ["global_defs {", "  router_id HC_BENCH", "}", "",
            f"virtual_server {VIP} 80 {{", "  delay_loop 1", "  lb_algo rr", "  lb_kind NAT",
            "  protocol TCP"]
    for i in range(n):
        port = first_port + i
        yaml += [f"      - address: {REAL}", f"        port: {port}", "        weight: 1",
                 "        HTTP_GET:", "          url:", "            - {path: /, status_code: 200}",
                 "          connect_timeout: 1s", "          retry: 0", "          delay_before_retry: 1s"]
        conf += [f"  real_server {REAL} {port} {{", "    weight 1", "    HTTP_GET {",
                 "      url {", "        path /", "        status_code 200", "      }",
                 "      connect_timeout 1", "      retry 0", "      delay_before_retry 1", "    }", "  }"]
    conf += ["}", ""]
    with open(os.path.join(out, f"lvsd-{n}.yaml"), "w") as f:
        f.write("\n".join(yaml) + "\n")
    with open(os.path.join(out, f"keepalived-{n}.conf"), "w") as f:
        f.write("\n".join(conf) + "\n")


# ---------------------------------------------------------------- /proc

def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15)


def memory(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(value.split()[0])  # kB
    except OSError:
        pass
    return out


def ipvs_lines():
    with open("/proc/net/ip_vs") as f:
        return f.read().splitlines()


def dest_key(port):
    a = [int(x) for x in REAL.split(".")]
    return "-> %02X%02X%02X%02X:%04X" % (a[0], a[1], a[2], a[3], port)


def count_destinations():
    return sum(1 for line in ipvs_lines() if line.lstrip().startswith("->") and "RemoteAddress" not in line)


def read_number(path):
    try:
        with open(path) as f:
            return float(f.read().strip() or "nan")
    except (OSError, ValueError):
        return None


def wait_for(pred, timeout, poll=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return time.monotonic()
        time.sleep(poll)
    return None


def read_pid(path, timeout=30):
    t = wait_for(lambda: os.path.exists(path) and open(path).read().strip() != "", timeout)
    return int(open(path).read().strip()) if t else None


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- one run

class Sink:
    def __init__(self, binary, n, first_port, work):
        self.dir = os.path.join(work, f"sink-{n}")
        os.makedirs(self.dir, exist_ok=True)
        for name in ("answered", "victim_down", "victim_up"):
            try:
                os.unlink(os.path.join(self.dir, name))
            except OSError:
                pass
        self.proc = subprocess.Popen([binary, REAL, str(first_port), str(n), self.dir])
        if wait_for(lambda: self.answered() is not None, 30) is None:
            raise RuntimeError("the sink did not start")

    def answered(self):
        return read_number(os.path.join(self.dir, "answered"))

    def next_report(self):
        """Waits for the sink's next per-second report; returns its count."""
        before = os.stat(os.path.join(self.dir, "answered")).st_mtime_ns
        # 20 ms polls: the harness shares UML's one CPU with the contenders.
        wait_for(lambda: os.stat(os.path.join(self.dir, "answered")).st_mtime_ns != before, 5, poll=0.02)
        return self.answered()

    def stop(self):
        stop(self.proc)


def steady_state(pid, sink, window, n):
    """CPU seconds and checks answered over `window` seconds, both read right
    after a sink report so that they cover the same interval. Also samples
    the IPVS table at every report: every server is healthy, so any missing
    destination is a false verdict (flapping)."""
    c0 = sink.next_report()
    t0, k0 = time.monotonic(), cpu_ticks(pid)
    c1 = c0
    in_table = []
    while time.monotonic() - t0 < window:
        c1 = sink.next_report()
        in_table.append(count_destinations())
    t1, k1 = time.monotonic(), cpu_ticks(pid)
    checks = c1 - c0
    cpu = (k1 - k0) / CLK_TCK
    return {"window_s": t1 - t0, "checks": checks, "checks_per_s": checks / (t1 - t0), "cpu_s": cpu,
            "cpu_s_per_1000_checks": cpu / (checks / 1000.0) if checks else None,
            "in_table_min": min(in_table) if in_table else None,
            "samples_short": sum(1 for x in in_table if x < n), "samples": len(in_table)}


# A healthy server taken out of the pool, as each contender logs it.
DOWN_MARKERS = {"lvsd": ": down (", "lvsd-base": ": down (", "keepalived": "Removing service"}


def count_downs(log_path, name):
    try:
        with open(log_path, errors="replace") as f:
            return sum(1 for line in f if DOWN_MARKERS[name] in line)
    except OSError:
        return None


def syscalls(pid, sink, seconds, out_path):
    """strace -c -f on `pid` for `seconds`; syscalls per check answered meanwhile."""
    c0 = sink.next_report()
    proc = subprocess.Popen(["strace", "-c", "-f", "-qq", "-o", out_path, "-p", str(pid)])
    time.sleep(seconds)
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    c1 = sink.next_report()
    calls = {}
    total = None
    try:
        with open(out_path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 5 and parts[0].replace(".", "").isdigit():
                    name = parts[-1]
                    n = int(parts[3])
                    if name == "total":
                        total = n
                    else:
                        calls[name] = n
    except OSError:
        pass
    # Every probe makes exactly one connect(), whoever runs it: calls per
    # connect are calls per probe, independent of how the window lines up
    # with the sink's once-a-second count.
    probes = calls.get("connect", 0)
    per_check = {k: v / probes for k, v in sorted(calls.items(), key=lambda kv: -kv[1])} if probes else {}
    return {"checks_answered": c1 - c0, "probes": probes, "total": total,
            "per_check_total": (total / probes) if (total and probes) else None, "per_check": per_check}


def detections(sink, first_port, runs, bound_s):
    """Kills the victim server (port first_port) `runs` times; the time from
    the close of its listener to its removal from /proc/net/ip_vs, and back."""
    key = dest_key(first_port)
    out = []
    for _ in range(runs):
        time.sleep(random.uniform(0.5, 0.5 + INTERVAL_S))  # a random phase against the check schedule
        down_file = os.path.join(sink.dir, "victim_down")
        up_file = os.path.join(sink.dir, "victim_up")
        for p in (down_file, up_file):
            if os.path.exists(p):
                os.unlink(p)
        polls = []
        os.kill(sink.proc.pid, signal.SIGUSR1)
        wait_for(lambda: os.path.exists(down_file), 5, poll=0.001)
        died = read_number(down_file)

        def gone():
            t = time.monotonic()
            present = any(line.lstrip().startswith(key) for line in ipvs_lines())
            polls.append(time.monotonic() - t)
            return not present
        removed = wait_for(gone, bound_s + 10, poll=0.005)
        os.kill(sink.proc.pid, signal.SIGUSR2)
        wait_for(lambda: os.path.exists(up_file), 5, poll=0.001)
        revived = read_number(up_file)
        back = wait_for(lambda: any(line.lstrip().startswith(key) for line in ipvs_lines()), 30, poll=0.005)
        out.append({"detect_s": (removed - died) if removed and died else None,
                    "readd_s": (back - revived) if back and revived else None,
                    "poll_median_s": statistics.median(polls) if polls else None})
    return out


def run_contender(a, name, n, res):
    work = a.work
    sink = Sink(a.sink, n, a.first_port, work)
    log_path = os.path.join(work, f"{name}-{n}.log")
    r = {"reals": n}
    try:
        with open(log_path, "wb") as log:
            if name in ("lvsd", "lvsd-base"):
                binary = a.lvsd if name == "lvsd" else a.lvsd_base
                proc = subprocess.Popen([binary, "-f", os.path.join(a.inputs, f"lvsd-{n}.yaml"),
                                         "--state-file", os.path.join(work, f"lvsd-owned-{n}")],
                                        stdout=log, stderr=subprocess.STDOUT)
                pid = proc.pid
            else:
                pidf = {k: os.path.join(work, f"keepalived-{k}-{n}.pid") for k in ("parent", "checker")}
                for p in pidf.values():
                    if os.path.exists(p):
                        os.unlink(p)
                # -C: the checker only (no VRRP child); -n: foreground; -l -G:
                # log to the console (a file here): there is no syslog in UML.
                proc = subprocess.Popen(["keepalived", "-n", "-l", "-G", "-C",
                                         "-f", os.path.join(a.inputs, f"keepalived-{n}.conf"),
                                         "-p", pidf["parent"], "-c", pidf["checker"]],
                                        stdout=log, stderr=subprocess.STDOUT)
                pid = read_pid(pidf["checker"])
        t0 = time.monotonic()
        all_in = wait_for(lambda: count_destinations() == n, a.startup_timeout, poll=0.2)
        r["all_in_table_s"] = (all_in - t0) if all_in else None
        if all_in is None or pid is None:
            r["error"] = f"{name}: {count_destinations()} of {n} real servers in the table after {a.startup_timeout}s"
            return r
        # Let every check pass at least twice (keepalived adds its servers at
        # start, before any check: wait the same for both).
        time.sleep(2 * INTERVAL_S + a.warmup)
        downs0 = count_downs(log_path, name)
        r["steady"] = steady_state(pid, sink, a.window, n)
        r["memory"] = memory(pid)
        if name == "keepalived":
            r["memory_parent"] = memory(proc.pid)
        if a.strace_seconds > 0:
            r["syscalls"] = syscalls(pid, sink, a.strace_seconds, os.path.join(work, f"strace-{name}-{n}.txt"))
            time.sleep(2 * INTERVAL_S)
        downs1 = count_downs(log_path, name)
        # Healthy servers taken down during the steady and strace windows.
        r["false_downs"] = (downs1 - downs0) if downs0 is not None and downs1 is not None else None
        bound = FALL * INTERVAL_S + CONNECT_TIMEOUT_S + 0.1
        r["detection_bound_s"] = bound
        r["detections"] = detections(sink, a.first_port, a.kills, bound)
        r["memory_end"] = memory(pid)
        r["in_table_end"] = count_destinations()
    finally:
        if "proc" in locals():
            stop(proc)
        sink.stop()
        # lvsd leaves IPVS as it is on stop: clear it for the next contender.
        subprocess.run(["ipvsadm", "-C"], check=False)
    return r


def strace_sanity(work):
    """strace -c on a command whose syscalls we know (1,000 reads and 1,000
    writes of one byte): shows whether strace counts right inside UML."""
    path = os.path.join(work, "strace-sanity.txt")
    subprocess.run(["strace", "-c", "-f", "-o", path, "dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=1000"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    counts = {}
    try:
        for line in open(path):
            parts = line.split()
            if len(parts) >= 5 and parts[0].replace(".", "").isdigit() and parts[-1] in ("read", "write"):
                counts[parts[-1]] = int(parts[3])
    except OSError:
        pass
    return counts


def measure(a):
    os.makedirs(a.work, exist_ok=True)
    res = {"clk_tck": CLK_TCK, "runs": [], "errors": [], "strace_sanity": strace_sanity(a.work)}
    for n in [int(x) for x in a.reals.split(",")]:
        for name in a.order.split(","):
            print(f"== {name} with {n} real servers", flush=True)
            try:
                r = run_contender(a, name, n, res)
            except Exception as e:  # record it, go on with the next run
                r = {"reals": n, "error": f"{name} {n}: {e!r}"}
            r["contender"] = name
            res["runs"].append(r)
            if "error" in r:
                res["errors"].append(r["error"])
            print(json.dumps(r), flush=True)
            with open(a.results, "w") as f:
                json.dump(res, f, indent=1)
    return 0


# ---------------------------------------------------------------- report

def report(path):
    res = json.load(open(path))
    print("contender   reals  checks/s  CPU s/1000 checks  VmRSS MB  syscalls/check  "
          "detect ms (min/med/max)  re-add ms (med)  bound ms  false downs  min in table")
    for r in res["runs"]:
        if "steady" not in r:
            print(f"{r['contender']:<10} {r['reals']:>6}  failed: {r.get('error')}")
            continue
        s = r["steady"]
        det = [d["detect_s"] for d in r.get("detections", []) if d["detect_s"] is not None]
        readd = [d["readd_s"] for d in r.get("detections", []) if d["readd_s"] is not None]
        sc = r.get("syscalls", {}).get("per_check_total")
        rss = r.get("memory", {}).get("VmRSS", 0) / 1024
        det_text = (f"{min(det) * 1000:.0f}/{statistics.median(det) * 1000:.0f}/{max(det) * 1000:.0f}"
                    if det else "-")
        readd_text = f"{statistics.median(readd) * 1000:.0f}" if readd else "-"
        per1000 = s["cpu_s_per_1000_checks"]
        print(f"{r['contender']:<10} {r['reals']:>6}  {s['checks_per_s']:>8.0f}  "
              f"{per1000 if per1000 is not None else float('nan'):>17.4f}  {rss:>8.1f}  "
              f"{sc if sc else float('nan'):>14.1f}  {det_text:>23}  {readd_text:>15}  "
              f"{r['detection_bound_s'] * 1000:>8.0f}  {str(r.get('false_downs')):>11}  "
              f"{str(s.get('in_table_min')):>12}")
    for r in res["runs"]:
        if r.get("memory_parent"):
            print(f"keepalived parent with {r['reals']} real servers: VmRSS "
                  f"{r['memory_parent'].get('VmRSS', 0) / 1024:.1f} MB (not counted above)")
    for r in res["runs"]:
        pc = r.get("syscalls", {}).get("per_check")
        if pc:
            top = ", ".join(f"{k} {v:.2f}" for k, v in list(pc.items())[:10])
            print(f"syscalls per check, {r['contender']} {r['reals']}: {top}")
    by_n = {}
    for r in res["runs"]:
        if "steady" in r:
            by_n.setdefault(r["reals"], {})[r["contender"]] = r.get("memory", {}).get("VmRSS", 0) / 1024
    for n, m in sorted(by_n.items()):
        if "keepalived" in m and m["keepalived"]:
            ratios = ", ".join(f"{c} {v:.1f} MB = {v / m['keepalived']:.2f}x" for c, v in sorted(m.items())
                               if c != "keepalived")
            print(f"VmRSS vs keepalived's checker ({m['keepalived']:.1f} MB) at {n}: {ratios}")
    ns = sorted(by_n)
    for c in sorted({c for m in by_n.values() for c in m}):
        pts = [(n, by_n[n][c]) for n in ns if c in by_n[n]]
        if len(pts) >= 2:
            (n0, m0), (n1, m1) = pts[0], pts[-1]
            print(f"{c}: {(m1 - m0) * 1024 * 1024 / (n1 - n0):.0f} bytes per real server ({n0} -> {n1})")
    if "strace_sanity" in res:
        print(f"strace sanity (dd bs=1 count=1000: expect >= 1000 read and write): {res['strace_sanity']}")
    if res.get("errors"):
        print("errors:", *res["errors"], sep="\n  ")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("configs")
    c.add_argument("out")
    c.add_argument("--reals", default="1000")
    c.add_argument("--first-port", type=int, default=20000)
    m = sub.add_parser("measure")
    m.add_argument("--inputs", required=True)
    m.add_argument("--work", required=True)
    m.add_argument("--results", required=True)
    m.add_argument("--lvsd", required=True)
    m.add_argument("--lvsd-base", default=None, help="a second lvsd binary, contender 'lvsd-base'")
    m.add_argument("--sink", required=True)
    m.add_argument("--reals", default="1000")
    m.add_argument("--first-port", type=int, default=20000)
    m.add_argument("--order", default="lvsd,keepalived")
    m.add_argument("--window", type=float, default=30)
    m.add_argument("--warmup", type=float, default=3)
    m.add_argument("--strace-seconds", type=float, default=10)
    m.add_argument("--kills", type=int, default=5)
    m.add_argument("--startup-timeout", type=float, default=300)
    r = sub.add_parser("report")
    r.add_argument("file")
    a = p.parse_args()
    if a.cmd == "configs":
        for n in [int(x) for x in a.reals.split(",")]:
            write_configs(a.out, n, a.first_port)
        return 0
    if a.cmd == "measure":
        return measure(a)
    report(a.file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
