#!/usr/bin/env python3
"""Helper of bench/ipvs-program.sh: lvsd vs keepalived vs `ipvsadm -R`.

Three subcommands:
  configs OUT --services N --reals M
      writes OUT/lvsd.yaml, OUT/keepalived.conf and OUT/ipvsadm.rules, three
      descriptions of the same IPVS table (N DR services x M real servers).
  measure --inputs DIR --work DIR --results FILE --lvsd BIN --lvsctl BIN ...
      runs inside user-mode-linux (as root, ip_vs loaded): programs the table
      with each contender in turn, from an empty table each time, and writes
      the figures to FILE as JSON.
  report FILE
      prints the figures as a table with ratios.

Times are wall-clock seconds measured by this process (time.time()); see
bench/README.md for what each figure includes and what it does not.
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time


# ---------------------------------------------------------------- configs

def vip(s):
    return f"10.1.{s // 250}.{s % 250 + 1}"


def real(s, r, reals):
    # 10.2.0.1 to 10.2.249.250 for the first 62,500; then 10.3.0.1 ... (the
    # scale curve's 100,000).
    i = s * reals + r
    return f"10.{2 + i // 62500}.{i // 250 % 250}.{i % 250 + 1}"


def write_configs(out, services, reals):
    os.makedirs(out, exist_ok=True)
    yaml = ["global:", "  ipvs_resync_interval: 1h", "", "virtual_servers:"]
    conf = ["global_defs {", "  router_id LVSD_BENCH", "}", ""]
    rules = []
    for s in range(services):
        yaml += [f"  - address: {vip(s)}", "    port: 80", "    protocol: TCP",
                 "    lb_algo: rr", "    lb_kind: DR", "    real_servers:"]
        conf += [f"virtual_server {vip(s)} 80 {{", "  lb_algo rr", "  lb_kind DR",
                 "  protocol TCP"]
        rules.append(f"-A -t {vip(s)}:80 -s rr")
        for r in range(reals):
            addr = real(s, r, reals)
            yaml += [f"      - address: {addr}", "        port: 80", "        weight: 1"]
            conf += [f"  real_server {addr} 80 {{", "    weight 1", "  }"]
            rules.append(f"-a -t {vip(s)}:80 -r {addr}:80 -g -w 1")
        conf += ["}", ""]
    for name, lines in (("lvsd.yaml", yaml), ("keepalived.conf", conf), ("ipvsadm.rules", rules)):
        with open(os.path.join(out, name), "w") as f:
            f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------- measure

POLL = 0.02  # seconds between two looks at a log file
# Reading /proc/net/ip_vs costs about 20 ms with 10,000 destinations inside
# UML (one CPU): look at it less often so the look does not slow the
# contender it measures by much.
TABLE_POLL = 0.1


def count_destinations():
    with open("/proc/net/ip_vs", "rb") as f:
        text = f.read()
    # Every destination line starts with "  -> "; so does one header line.
    return text.count(b"\n  -> ") - text.count(b"\n  -> RemoteAddress")


class LogTail:
    """Reads what a process appended to its log file since the last look."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.text = ""

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return
        self.offset += len(chunk)
        self.text += chunk.decode(errors="replace")

    def count(self, needle):
        return self.text.count(needle)

    def line_with(self, needle, nth=1):
        seen = 0
        for line in self.text.splitlines():
            if needle in line:
                seen += 1
                if seen == nth:
                    return line
        return None


def edit_last(path, old, new):
    """Replaces the last occurrence of `old` in the file (one line of it)."""
    with open(path) as f:
        text = f.read()
    i = text.rindex(old)
    with open(path, "w") as f:
        f.write(text[:i] + new + text[i + len(old):])


def one_change_reloads(path, count, weight_text, signal_reload):
    """`count` reloads that each change one weight (the last real server's,
    1 -> 2 -> 1 ...); the file is as it was afterwards. signal_reload()
    sends the signal and waits, returning that reload's figures."""
    runs = []
    with open(path, "rb") as f:
        original = f.read()
    try:
        for n in range(count):
            old, new = (weight_text(1), weight_text(2)) if n % 2 == 0 else (weight_text(2), weight_text(1))
            edit_last(path, old, new)
            runs.append(signal_reload())
    finally:
        with open(path, "wb") as f:
            f.write(original)
    return runs


def lvsd_stamp(line):
    """Wall-clock time of an lvsd log line ("YYYY-mm-dd HH:MM:SS.mmm [...]")."""
    stamp = line[:23]
    whole = time.mktime(time.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S"))
    return whole + int(stamp[20:23]) / 1000.0


def wait_for(conditions, deadline_s, poll=POLL):
    """Polls until every condition held once. conditions: name -> callable
    returning bool, or name -> (callable, seconds between two looks) for
    looks that cost more. Returns name -> time.time() of the first look
    that saw it (None: never)."""
    checks = {n: c if isinstance(c, tuple) else (c, 0.0) for n, c in conditions.items()}
    seen = {name: None for name in checks}
    next_look = {name: 0.0 for name in checks}
    end = time.time() + deadline_s
    while time.time() < end:
        for name, (check, every) in checks.items():
            now = time.time()
            if seen[name] is None and now >= next_look[name]:
                next_look[name] = now + every
                if check():
                    seen[name] = time.time()
        if all(v is not None for v in seen.values()):
            break
        time.sleep(poll)
    return seen


def memory(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])  # kB
    return out


def read_pid(path, deadline_s=30):
    end = time.time() + deadline_s
    while time.time() < end:
        try:
            with open(path) as f:
                text = f.read().strip()
            if text:
                return int(text)
        except FileNotFoundError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"no pid in {path}")


def flush():
    """An empty IPVS for the next contender. `ipvsadm -C` alone is not enough:
    the kernel keeps deleted destinations in its destination trash for up to
    two minutes, and every NEW_DEST searches that list, so the contender that
    ran second paid for the first one's 10,000 destinations (lvsd's apply
    phase took ~200 ms longer after keepalived than before it). When
    ipvs-program.sh passes the module root, ip_vs is unloaded and loaded again
    instead: every contender starts on a fresh IPVS."""
    subprocess.run(["ipvsadm", "-C"], check=True)
    modroot = os.environ.get("IPVS_BENCH_MODROOT")
    if modroot:
        subprocess.run(["modprobe", "-d", modroot, "-r", "ip_vs_rr"], check=True)  # and ip_vs, now unused
        if os.path.exists("/sys/module/ip_vs"):
            raise RuntimeError("ip_vs stayed loaded: the next contender would not start on a fresh IPVS")
        subprocess.run(["modprobe", "-d", modroot, "ip_vs_rr"], check=True)  # loads ip_vs too
    if count_destinations() != 0:
        raise RuntimeError("ipvsadm -C left destinations behind")


def stop(proc, pid=None):
    os.kill(pid or proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def bench_lvsd(a, expected, res):
    log_path = os.path.join(a.work, "lvsd.log")
    tail = LogTail(log_path)
    applied = "changes applied, 0 failed"
    with open(log_path, "wb") as log:
        t0 = time.time()
        proc = subprocess.Popen([a.lvsd, "-f", os.path.join(a.work, "lvsd.yaml"),
                                 "--state-file", os.path.join(a.work, "lvsd-owned")],
                                stdout=log, stderr=subprocess.STDOUT)
    seen = wait_for({"log": lambda: (tail.poll(), tail.count(applied) > 0)[1],
                     "table": (lambda: count_destinations() == expected, TABLE_POLL)}, 300)
    line = tail.line_with(applied)
    started = tail.line_with("lvsd starting")
    r = {"config_loaded_log_s": lvsd_stamp(started) - t0 if started else None,
         "program_log_s": lvsd_stamp(line) - t0 if line else None,
         "apply_log_s": lvsd_stamp(line) - lvsd_stamp(started) if line and started else None,
         "program_log_line": line,
         "program_poll_s": seen["log"] - t0 if seen["log"] else None,
         "program_table_s": seen["table"] - t0 if seen["table"] else None}
    r["mem_after_program"] = memory(proc.pid)

    def reload():
        before = tail.count("reload: done")
        t1 = time.time()
        os.kill(proc.pid, signal.SIGHUP)
        seen = wait_for({"log": lambda: (tail.poll(), tail.count("reload: done") > before)[1]}, 60,
                        poll=0.002)
        line = tail.line_with("reload: done", before + 1)
        return {"log_s": lvsd_stamp(line) - t1 if line else None,
                "poll_s": seen["log"] - t1 if seen["log"] else None}

    r["reloads"] = [reload() for _ in range(a.reloads)]
    r["reload_no_change_ok"] = tail.count("no change") >= a.reloads
    r["mem_after_reload"] = memory(proc.pid)
    # A reload of a file that differs in one line (one weight): the whole
    # file is parsed again and exactly one SET_DEST is applied.
    applied_before = tail.count("ipvs: 1 change applied, 0 failed")
    r["reloads_one_change"] = one_change_reloads(os.path.join(a.work, "lvsd.yaml"), a.reloads,
                                                 lambda w: f"weight: {w}\n", reload)
    r["reload_one_change_ok"] = tail.count("ipvs: 1 change applied, 0 failed") - applied_before == a.reloads
    r["mem_after_one_change_reloads"] = memory(proc.pid)

    # The listing comparison runs on this table, with lvsd idle (no resync).
    r["listing"] = bench_listing(a)
    stop(proc)
    tail.poll()
    res["lvsd"] = r


def bench_listing(a):
    runs = {"lvsctl list": [], "ipvsadm -Ln": []}
    commands = {"lvsctl list": [a.lvsctl, "list"], "ipvsadm -Ln": ["ipvsadm", "-Ln"]}
    outputs = {}
    for name, cmd in commands.items():  # one untimed run each: page cache, output check
        outputs[name] = subprocess.run(cmd, check=True, capture_output=True).stdout
    for _ in range(a.list_runs):
        for name, cmd in commands.items():
            t = time.time()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            runs[name].append(time.time() - t)
    return {"runs": runs, "median": {k: statistics.median(v) for k, v in runs.items()},
            "identical_output": outputs["lvsctl list"] == outputs["ipvsadm -Ln"],
            "lines": outputs["ipvsadm -Ln"].count(b"\n")}


def bench_keepalived(a, expected, res):
    log_path = os.path.join(a.work, "keepalived.log")
    tail = LogTail(log_path)
    pidf = {k: os.path.join(a.work, f"keepalived-{k}.pid") for k in ("parent", "checker", "vrrp", "bfd")}
    with open(log_path, "wb") as log:
        t0 = time.time()
        # -n: foreground; -l -G: log to the console (a file here), not syslog
        # (there is none inside UML); -D: detailed log (the reload line);
        # -I: leave IPVS on stop (ipvsadm -C clears it faster).
        proc = subprocess.Popen(["keepalived", "-n", "-l", "-G", "-D", "-I",
                                 "-f", os.path.join(a.work, "keepalived.conf"),
                                 "-p", pidf["parent"], "-c", pidf["checker"],
                                 "-r", pidf["vrrp"], "-b", pidf["bfd"]],
                                stdout=log, stderr=subprocess.STDOUT)
    seen = wait_for({"table": (lambda: count_destinations() == expected, TABLE_POLL),
                     "log": lambda: (tail.poll(), tail.count("Startup complete") > 0)[1]}, 300)
    r = {"program_table_s": seen["table"] - t0 if seen["table"] else None,
         "startup_complete_poll_s": seen["log"] - t0 if seen["log"] else None}
    checker = read_pid(pidf["checker"])
    r["mem_after_program"] = {"checker": memory(checker), "parent": memory(proc.pid)}

    def reload():
        before = tail.count("Reload complete")
        t1 = time.time()
        os.kill(proc.pid, signal.SIGHUP)
        seen = wait_for({"log": lambda: (tail.poll(), tail.count("Reload complete") > before)[1]}, 120,
                        poll=0.002)
        return {"poll_s": seen["log"] - t1 if seen["log"] else None}

    r["reloads"] = [reload() for _ in range(a.reloads)]
    r["destinations_after_reload"] = count_destinations()
    checker = read_pid(pidf["checker"])
    r["mem_after_reload"] = {"checker": memory(checker), "parent": memory(proc.pid)}
    r["reloads_one_change"] = one_change_reloads(os.path.join(a.work, "keepalived.conf"), a.reloads,
                                                 lambda w: f"    weight {w}\n", reload)
    stop(proc)
    tail.poll()
    res["keepalived"] = r


def bench_ipvsadm_restore(a, expected, res):
    with open(os.path.join(a.work, "ipvsadm.rules"), "rb") as rules:
        t0 = time.time()
        subprocess.run(["ipvsadm", "-R"], stdin=rules, check=True)
        elapsed = time.time() - t0
    res["ipvsadm_restore"] = {"program_s": elapsed, "destinations": count_destinations()}


def bench_lvsd_quiet(a, expected, res):
    """lvsd again with --log-level warn (no line per operation): how much of
    its programming time is its own logging. Timed by polling the table."""
    with open(os.path.join(a.work, "lvsd-quiet.log"), "wb") as log:
        t0 = time.time()
        proc = subprocess.Popen([a.lvsd, "-f", os.path.join(a.work, "lvsd.yaml"), "--log-level", "warn",
                                 "--state-file", os.path.join(a.work, "lvsd-quiet-owned")],
                                stdout=log, stderr=subprocess.STDOUT)
    seen = wait_for({"table": (lambda: count_destinations() == expected, TABLE_POLL)}, 300)
    res["lvsd_quiet"] = {"program_table_s": seen["table"] - t0 if seen["table"] else None}
    stop(proc)


def measure(a):
    os.makedirs(a.work, exist_ok=True)
    for name in ("lvsd.yaml", "keepalived.conf", "ipvsadm.rules"):
        with open(os.path.join(a.inputs, name), "rb") as src, open(os.path.join(a.work, name), "wb") as dst:
            dst.write(src.read())
    expected = a.services * a.reals
    # Warm the page cache (binaries and libraries come over hostfs).
    for cmd in ([a.lvsd, "--version"], [a.lvsctl, "--version"], ["keepalived", "--version"],
                ["ipvsadm", "--version"]):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    res = {"services": a.services, "reals": a.reals, "destinations": expected,
           "uname": os.uname().release, "poll_interval_s": POLL, "table_poll_interval_s": TABLE_POLL, "errors": []}
    t = time.time()
    count_destinations()
    res["empty_poll_s"] = time.time() - t
    # Reading and validating the configuration alone (no IPVS), for context:
    # how much of "program" is the configuration loader.
    res["config_check_s"] = {}
    for name, cmd in (("lvsd", [a.lvsd, "-t", "-f", os.path.join(a.work, "lvsd.yaml")]),
                      ("keepalived", ["keepalived", "-t", "-f", os.path.join(a.work, "keepalived.conf")])):
        t = time.time()
        rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        res["config_check_s"][name] = time.time() - t if rc == 0 else None
    runners = {"lvsd": bench_lvsd, "keepalived": bench_keepalived, "ipvsadm": bench_ipvsadm_restore,
               "lvsd-quiet": bench_lvsd_quiet}
    res["order"] = a.order.split(",")
    contenders = [(name, runners[name]) for name in res["order"]]
    for name, run in contenders:
        flush()
        try:
            run(a, expected, res)
        except Exception as e:  # record it and go on with the others
            res["errors"].append(f"{name}: {e!r}")
        if name == "lvsd":
            t = time.time()
            res["full_poll_s"] = (count_destinations(), time.time() - t)
        with open(a.results, "w") as f:
            json.dump(res, f, indent=2)
    flush()


# ---------------------------------------------------------------- report

def fmt(seconds):
    if seconds is None:
        return "n/a"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def ratio(slow, fast):
    if not slow or not fast:
        return "n/a"
    return f"{slow / fast:.1f}x"


def report(path):
    with open(path) as f:
        res = json.load(f)
    lv, ka, ra = res.get("lvsd", {}), res.get("keepalived", {}), res.get("ipvsadm_restore", {})
    print(f"IPVS benchmark: {res['services']} services x {res['reals']} real servers "
          f"= {res['destinations']} destinations (DR), UML kernel {res['uname']}, "
          f"order {','.join(res.get('order', []))}")
    for e in res.get("errors", []):
        print(f"ERROR: {e}")
    row = "{:<46} {:>12} {:>12} {:>12}"
    print(row.format("", "lvsd", "keepalived", "ipvsadm -R"))
    print(row.format("program: until log line / table complete", fmt(lv.get("program_log_s")),
                     fmt(ka.get("program_table_s")), fmt(ra.get("program_s"))))
    print(row.format("program: until /proc/net/ip_vs shows all", fmt(lv.get("program_table_s")),
                     fmt(ka.get("program_table_s")), ""))
    cc = res.get("config_check_s", {})
    print(row.format("lvsd --log-level warn: until table complete",
                     fmt(res.get("lvsd_quiet", {}).get("program_table_s")), "", ""))
    print(row.format("lvsd: start until 'lvsd starting' (config read)", fmt(lv.get("config_loaded_log_s")), "", ""))
    print(row.format("lvsd: 'lvsd starting' until 'changes applied'", fmt(lv.get("apply_log_s")), "", ""))
    print(row.format("config check only (-t), no IPVS", fmt(cc.get("lvsd")), fmt(cc.get("keepalived")), ""))
    lv_rel = [r["log_s"] for r in lv.get("reloads", []) if r.get("log_s") is not None]
    ka_rel = [r["poll_s"] for r in ka.get("reloads", []) if r.get("poll_s") is not None]
    print(row.format(f"no-change reload (median of {max(len(lv_rel), len(ka_rel))})",
                     fmt(statistics.median(lv_rel)) if lv_rel else "n/a",
                     fmt(statistics.median(ka_rel)) if ka_rel else "n/a", ""))
    lv_one = [r["log_s"] for r in lv.get("reloads_one_change", []) if r.get("log_s") is not None]
    ka_one = [r["poll_s"] for r in ka.get("reloads_one_change", []) if r.get("poll_s") is not None]
    print(row.format(f"one-weight-change reload (median of {max(len(lv_one), len(ka_one))})",
                     fmt(statistics.median(lv_one)) if lv_one else "n/a",
                     fmt(statistics.median(ka_one)) if ka_one else "n/a", ""))
    listing = lv.get("listing", {}).get("median", {})
    print(row.format("list: lvsctl list / ipvsadm -Ln (median)", fmt(listing.get("lvsctl list")),
                     "", fmt(listing.get("ipvsadm -Ln"))))
    lm, km = lv.get("mem_after_reload", {}), ka.get("mem_after_reload", {}).get("checker", {})
    print(row.format("VmRSS / VmHWM (keepalived: checker child)",
                     f"{lm.get('VmRSS', 0) / 1024:.1f}/{lm.get('VmHWM', 0) / 1024:.1f} MB",
                     f"{km.get('VmRSS', 0) / 1024:.1f}/{km.get('VmHWM', 0) / 1024:.1f} MB", ""))
    lo = lv.get("mem_after_one_change_reloads", {})
    print(row.format("lvsd VmRSS / VmHWM after the one-change reloads",
                     f"{lo.get('VmRSS', 0) / 1024:.1f}/{lo.get('VmHWM', 0) / 1024:.1f} MB", "", ""))
    kp = ka.get("mem_after_reload", {}).get("parent", {})
    print(f"(keepalived parent: VmRSS/VmHWM {kp.get('VmRSS', 0) / 1024:.1f}/{kp.get('VmHWM', 0) / 1024:.1f} MB)")
    print()
    print("ratios (target in brackets):")
    print(f"  program: keepalived / lvsd (log line)     {ratio(ka.get('program_table_s'), lv.get('program_log_s'))}"
          f"  [>= 5x]")
    print(f"  program: keepalived / lvsd (table polled) {ratio(ka.get('program_table_s'), lv.get('program_table_s'))}")
    print(f"  program: ipvsadm -R / lvsd (log line)     {ratio(ra.get('program_s'), lv.get('program_log_s'))}")
    if lv_rel and ka_rel:
        print(f"  reload:  keepalived / lvsd                {ratio(statistics.median(ka_rel), statistics.median(lv_rel))}"
              f"  [lvsd < 100 ms: {'yes' if statistics.median(lv_rel) < 0.1 else 'NO'}]")
    if lv_one and ka_one:
        print(f"  reload, one weight changed: keepalived / lvsd {ratio(statistics.median(ka_one), statistics.median(lv_one))}"
              f"  [lvsd < 100 ms: {'yes' if statistics.median(lv_one) < 0.1 else 'NO'}];"
              f" exactly one SET_DEST each: {lv.get('reload_one_change_ok')}")
    print(f"  list:    ipvsadm -Ln / lvsctl list        {ratio(listing.get('ipvsadm -Ln'), listing.get('lvsctl list'))}"
          f"  [> 1x]; identical output: {lv.get('listing', {}).get('identical_output')}")
    if lm.get("VmRSS") and km.get("VmRSS"):
        print(f"  VmRSS:   lvsd / keepalived checker        {lm['VmRSS'] / km['VmRSS']:.2f}  [<= 1]")
        print(f"  VmHWM:   lvsd / keepalived checker        {lm['VmHWM'] / km['VmHWM']:.2f}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("configs")
    c.add_argument("out")
    c.add_argument("--services", type=int, default=1000)
    c.add_argument("--reals", type=int, default=10)
    m = sub.add_parser("measure")
    for opt in ("--inputs", "--work", "--results", "--lvsd", "--lvsctl"):
        m.add_argument(opt, required=True)
    m.add_argument("--services", type=int, default=1000)
    m.add_argument("--reals", type=int, default=10)
    m.add_argument("--reloads", type=int, default=3)
    m.add_argument("--list-runs", type=int, default=5)
    m.add_argument("--order", default="lvsd,keepalived,ipvsadm,lvsd-quiet",
                   help="which contenders run, in this order (each from an empty table)")
    r = sub.add_parser("report")
    r.add_argument("results")
    a = p.parse_args()
    if a.cmd == "configs":
        write_configs(a.out, a.services, a.reals)
    elif a.cmd == "measure":
        measure(a)
    else:
        report(a.results)


if __name__ == "__main__":
    sys.exit(main())
