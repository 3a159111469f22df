#!/usr/bin/env python3
"""Helper of bench/reload-scale.sh (issue 19): every contender timed the same
way, from its process start (or its SIGHUP) until the kernel's IPVS table
holds the result.

Contenders:
  keepalived  keepalived -n -G -I -f keepalived.conf (logs nowhere: no -l, no syslog)
  lvsd-conf   lvsd --log-level warn -f keepalived.conf (the file imported at every load)
  lvsd-yaml   lvsd --log-level warn -f lvsd.yaml (what `lvsctl import-keepalived` makes of it)

Subcommands:
  configs OUT --services N --reals M --lvsctl BIN
      OUT/keepalived.conf (bench/ipvs_bench.py's) and OUT/lvsd.yaml, the
      output of `lvsctl import-keepalived OUT/keepalived.conf`.
  measure --inputs DIR --work DIR --results FILE --lvsd BIN --lvsctl BIN ...
      inside user-mode-linux (root, ip_vs loaded): --rounds rounds, each
      running every contender once from a fresh ip_vs, the order rotated
      from round to round (interleaved); writes the figures as JSON.
  check-times --inputs DIR --lvsd BIN --runs N --results FILE
      `lvsd -t` (both front ends) and `keepalived -t`, interleaved, wall
      and CPU time of each run (host or UML).
  report FILE...
      prints the figures.

The poller. The last service of the file (which both daemons program
last) is asked for over generic netlink (IPVS_CMD_GET_DEST of that one
service: ~1 ms whatever the table's size) every SENTINEL_POLL seconds; once
it holds all its real servers, /proc/net/ip_vs is read whole (tens of ms
inside UML at 10,000 destinations) to check that every destination is there.
A one-weight-change reload edits that service's last real server and polls
its weight the same way every RELOAD_POLL seconds. Every poll is timed: the
results carry the poller's busy time next to each figure.
"""
import argparse
import contextlib
import json
import os
import re
import resource
import signal
import socket
import struct
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipvs_bench  # noqa: E402  (configs, flush)

SENTINEL_POLL = 0.02
RELOAD_POLL = 0.005


# ---------------------------------------------------------------- configs

def configs(a):
    os.makedirs(a.out, exist_ok=True)
    ipvs_bench.write_configs(a.out, a.services, a.reals)
    for name in ("lvsd.yaml", "ipvsadm.rules"):
        os.remove(os.path.join(a.out, name))
    with open(os.path.join(a.out, "lvsd.yaml"), "wb") as f:
        subprocess.run([a.lvsctl, "import-keepalived", os.path.join(a.out, "keepalived.conf")],
                       stdout=f, check=True)


# ---------------------------------------------------------------- polling

class Poller:
    """Reads /proc/net/ip_vs and keeps the time its reads took."""

    def __init__(self):
        self.busy = 0.0
        self.reads = 0

    def read(self, limit=None):
        t = time.time()
        with open("/proc/net/ip_vs", "rb") as f:
            text = f.read(limit) if limit else f.read()
        self.busy += time.time() - t
        self.reads += 1
        return text

    def count(self):
        text = self.read()
        return text.count(b"\n  -> ") - text.count(b"\n  -> RemoteAddress")


class IpvsNetlink:
    """One service's destinations from the kernel over generic netlink
    (IPVS_CMD_GET_DEST): its cost does not grow with the table, unlike a read
    of /proc/net/ip_vs."""
    NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
    GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 0x10, 3, 1, 2
    GET_DEST, ATTR_SERVICE = 8, 1  # IPVS_CMD_GET_DEST, IPVS_CMD_ATTR_SERVICE
    CMD_ATTR_DEST = 2
    DEST_ADDR, DEST_PORT, DEST_WEIGHT = 1, 2, 4

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)  # NETLINK_GENERIC
        self.sock.bind((0, 0))
        self.seq = 0
        self.busy = 0.0
        self.calls = 0
        msgs = self.request(self.GENL_ID_CTRL, self.CTRL_CMD_GETFAMILY, 0,
                            self.attr(self.CTRL_ATTR_FAMILY_NAME, b"IPVS\0"))
        self.family = None
        for payload in msgs:
            for t, v in self.attrs(payload[4:]):
                if t == self.CTRL_ATTR_FAMILY_ID:
                    self.family = struct.unpack("=H", v[:2])[0]
        if self.family is None:
            raise RuntimeError("no IPVS generic netlink family")

    @staticmethod
    def attr(t, v):
        n = 4 + len(v)
        return struct.pack("=HH", n, t) + v + b"\0" * ((4 - n % 4) % 4)

    @staticmethod
    def attrs(data):
        i = 0
        while i + 4 <= len(data):
            n, t = struct.unpack_from("=HH", data, i)
            if n < 4:
                break
            yield t & 0x3FFF, data[i + 4:i + n]
            i += (n + 3) & ~3

    def request(self, family, cmd, flags, body):
        self.seq += 1
        payload = struct.pack("=BBH", cmd, 1, 0) + body
        self.sock.send(struct.pack("=IHHII", 16 + len(payload), family, self.NLM_F_REQUEST | flags, self.seq, 0)
                       + payload)
        out = []
        while True:
            data = self.sock.recv(1 << 20)
            i = 0
            while i + 16 <= len(data):
                n, typ, _, seq, _ = struct.unpack_from("=IHHII", data, i)
                if typ == 3:  # NLMSG_DONE
                    return out
                if typ == 2:  # NLMSG_ERROR
                    err = struct.unpack_from("=i", data, i + 16)[0]
                    if err != 0:
                        raise OSError(-err, os.strerror(-err))
                    return out
                out.append(data[i + 16:i + n])
                i += (n + 3) & ~3
            if not flags & self.NLM_F_DUMP:
                return out

    def weights(self, vip, port):
        """{(real, port): weight} of TCP vip:port; {} when there is no such service."""
        t = time.time()
        svc = (self.attr(1, struct.pack("=H", socket.AF_INET)) + self.attr(2, struct.pack("=H", socket.IPPROTO_TCP))
               + self.attr(3, socket.inet_aton(vip) + b"\0" * 12) + self.attr(4, struct.pack("!H", port)))
        try:
            msgs = self.request(self.family, self.GET_DEST, self.NLM_F_DUMP, self.attr(self.ATTR_SERVICE | 0x8000, svc))
        except OSError:
            msgs = []
        out = {}
        for payload in msgs:
            for t2, v in self.attrs(payload[4:]):
                if t2 != self.CMD_ATTR_DEST:
                    continue
                d = dict(self.attrs(v))
                addr = socket.inet_ntoa(d[self.DEST_ADDR][:4])
                out[(addr, struct.unpack("!H", d[self.DEST_PORT])[0])] = struct.unpack("=I", d[self.DEST_WEIGHT])[0]
        self.busy += time.time() - t
        self.calls += 1
        return out


# ---------------------------------------------------------------- edits

def set_weight(path, real, old, new):
    """Changes real's weight old -> new in a keepalived.conf or in lvsd's YAML."""
    with open(path) as f:
        text = f.read()
    if path.endswith(".conf"):
        pat = re.compile(r"(real_server " + re.escape(real) + r" \d+ \{\n\s*weight )" + str(old) + r"\b")
    else:
        # lvsctl import-keepalived writes `- address: A` then its keys; the
        # weight key is written only when it is not the default (1).
        pat = re.compile(r"(- address: " + re.escape(real) + r"\n(?:[ \t]+[a-z_]+: .*\n)*?[ \t]+weight: )"
                         + str(old) + r"\b")
    text2, n = pat.subn(lambda m: m.group(1) + str(new), text, count=1)
    if n != 1 and not path.endswith(".conf") and old == 1:
        # No weight line (default 1): add one after the address.
        pat = re.compile(r"^([ \t]*)- address: " + re.escape(real) + r"\n", re.M)
        text2, n = pat.subn(lambda m: m.group(0) + m.group(1) + f"  weight: {new}\n", text, count=1)
    if n != 1:
        raise RuntimeError(f"cannot change the weight of {real} in {path}")
    with open(path, "w") as f:
        f.write(text2)


def weight_edits(path, real, count):
    """`count` edits of real's weight in `path`, 1 -> 2 -> 1 ...: yields the
    new weight after each edit. The file's original text is written back
    when the generator is closed (use it under contextlib.closing, so that
    an exception in the loop restores the file at once)."""
    with open(path, "rb") as f:
        original = f.read()
    try:
        for n in range(count):
            old, new = (1, 2) if n % 2 == 0 else (2, 1)
            set_weight(path, real, old, new)
            yield new
    finally:
        with open(path, "wb") as f:
            f.write(original)


# ---------------------------------------------------------------- contenders

def lvsd_counters(a):
    """The daemon's counters from `lvsctl status --json` (reconcile_operations,
    reloads_succeeded, ...); None when lvsd does not answer."""
    out = subprocess.run([a.lvsctl, "status", "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    def find(j):
        if isinstance(j, dict):
            if "reconcile_operations" in j:
                return j
            for v in j.values():
                if (r := find(v)) is not None:
                    return r
        return None
    return find(json.loads(out.stdout))


def lvsd_ops(a):
    counters = lvsd_counters(a)
    return None if counters is None else counters["reconcile_operations"]


def start(a, name):
    w = a.work
    log = open(os.path.join(w, f"{name}.out"), "ab")
    if name == "keepalived":
        cmd = ["keepalived", "-n", "-G", "-I", "-f", os.path.join(w, "keepalived.conf"),
               "-p", os.path.join(w, "ka-parent.pid"), "-c", os.path.join(w, "ka-checker.pid"),
               "-r", os.path.join(w, "ka-vrrp.pid"), "-b", os.path.join(w, "ka-bfd.pid")]
    else:
        conf = "keepalived.conf" if name == "lvsd-conf" else "lvsd.yaml"
        cmd = [a.lvsd, "-f", os.path.join(w, conf), "--log-level", "warn",
               "--state-file", os.path.join(w, f"{name}-owned")]
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc, t0


def run_one(a, name, expected):
    conf = os.path.join(a.work, "keepalived.conf" if name != "lvsd-yaml" else "lvsd.yaml")
    # The sentinel: the last service of the file, which both daemons program
    # last. Polled over netlink (cheap) until it holds all its destinations;
    # only then is /proc/net/ip_vs read whole to count every destination.
    vip, port = ipvs_bench.vip(a.services - 1), 80
    real = ipvs_bench.real(a.services - 1, a.reals - 1, a.reals)
    nl = IpvsNetlink()
    full = Poller()
    proc, t0 = start(a, name)
    r = {"contender": name}
    end = t0 + a.deadline
    done = None
    while time.time() < end:
        if len(nl.weights(vip, port)) == a.reals and full.count() == expected:
            done = time.time()
            break
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited {proc.returncode} while programming")
        time.sleep(SENTINEL_POLL)
    if done is None:
        raise RuntimeError(f"{name}: the table never held {expected} destinations")
    r["program_s"] = done - t0
    r["program_poll_busy_s"] = nl.busy + full.busy
    r["program_poll_reads"] = nl.calls + full.reads
    r["program_full_reads"] = full.reads
    time.sleep(a.settle)

    # One-weight-change reloads: the sentinel's last real server, 1 -> 2 -> 1.
    r["changed"] = f"{vip}:{port} -> {real}:{port}"
    r["reloads"] = []
    try:
        with contextlib.closing(weight_edits(conf, real, a.reloads)) as edits:
            for n, new in enumerate(edits):
                ops_before = lvsd_ops(a) if name != "keepalived" else None
                nl.busy, nl.calls = 0.0, 0
                t1 = time.time()
                os.kill(proc.pid, signal.SIGHUP)
                seen = None
                while time.time() < t1 + a.deadline:
                    if nl.weights(vip, port).get((real, port)) == new:
                        seen = time.time()
                        break
                    time.sleep(RELOAD_POLL)
                rel = {"s": seen - t1 if seen else None, "poll_busy_s": nl.busy, "poll_reads": nl.calls}
                # The reload may still be busy after the kernel shows the weight:
                # let it finish before the next edit.
                time.sleep(a.settle)
                if name != "keepalived":
                    after = lvsd_ops(a)
                    rel["set_dest_ops"] = None if ops_before is None or after is None else after - ops_before
                r["reloads"].append(rel)
                if seen is None:
                    raise RuntimeError(f"{name}: reload {n + 1} never showed weight {new}")
        r["destinations_after"] = full.count()
    finally:
        ipvs_bench.stop(proc)
    vals = [x["s"] for x in r["reloads"] if x["s"] is not None]
    r["reload_median_s"] = statistics.median(vals) if vals else None
    return r


def measure(a):
    os.makedirs(a.work, exist_ok=True)
    for name in ("lvsd.yaml", "keepalived.conf"):
        with open(os.path.join(a.inputs, name), "rb") as src, open(os.path.join(a.work, name), "wb") as dst:
            dst.write(src.read())
    expected = a.services * a.reals
    for cmd in ([a.lvsd, "--version"], [a.lvsctl, "--version"], ["keepalived", "--version"]):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    res = {"services": a.services, "reals": a.reals, "destinations": expected, "uname": os.uname().release,
           "sentinel_poll_s": SENTINEL_POLL, "reload_poll_s": RELOAD_POLL, "runs": [], "errors": []}
    order = a.order.split(",")
    for rnd in range(a.rounds):
        turn = order[rnd % len(order):] + order[:rnd % len(order)]
        for name in turn:
            ipvs_bench.flush()
            try:
                r = run_one(a, name, expected)
                r["round"] = rnd + 1
                res["runs"].append(r)
            except Exception as e:  # noqa: BLE001  record it, go on with the others
                res["errors"].append(f"round {rnd + 1} {name}: {e!r}")
            with open(a.results, "w") as f:
                json.dump(res, f, indent=2)
        if a.check_runs:
            res.setdefault("check_uml", []).extend(check_times_runs(a.work, a.lvsd, a.check_runs))
    ipvs_bench.flush()
    # Cost of one whole read of the full table, for the poller's figure.
    with open(a.results, "w") as f:
        json.dump(res, f, indent=2)


# ---------------------------------------------------------------- -t

def timed(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.time()
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    wall = time.time() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "rc": rc}


def check_times_runs(inputs, lvsd, runs):
    cmds = {"lvsd -t keepalived.conf": [lvsd, "-t", "-f", os.path.join(inputs, "keepalived.conf")],
            "lvsd -t lvsd.yaml": [lvsd, "-t", "-f", os.path.join(inputs, "lvsd.yaml")],
            "keepalived -t": ["keepalived", "-t", "-f", os.path.join(inputs, "keepalived.conf")]}
    for cmd in cmds.values():  # warm the page cache
        timed(cmd)
    out = []
    for _ in range(runs):
        for name, cmd in cmds.items():
            out.append(dict(timed(cmd), name=name))
    return out


def check_times(a):
    res = {"where": os.uname().release, "runs": check_times_runs(a.inputs, a.lvsd, a.runs)}
    with open(a.results, "w") as f:
        json.dump(res, f, indent=2)


# ---------------------------------------------------------------- report

def ms(s):
    return "n/a" if s is None else (f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s")


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def report_checks(runs, title):
    print(title)
    names = []
    for r in runs:
        if r["name"] not in names:
            names.append(r["name"])
    meds = {}
    for n in names:
        rs = [r for r in runs if r["name"] == n]
        meds[n] = med([r["wall_s"] for r in rs])
        bad = [r["rc"] for r in rs if r["rc"] != 0]
        print(f"  {n:<26} wall median {ms(meds[n]):>8} (min {ms(min(r['wall_s'] for r in rs))}, "
              f"max {ms(max(r['wall_s'] for r in rs))}), cpu median {ms(med([r['cpu_s'] for r in rs]))}"
              f"{'  EXIT ' + str(bad) if bad else ''}")
    k = meds.get("keepalived -t")
    for n in names:
        if n != "keepalived -t" and k and meds[n]:
            print(f"  {n} / keepalived -t: {meds[n] / k:.2f}  [target <= 0.5]")


def report(paths):
    for path in paths:
        with open(path) as f:
            res = json.load(f)
        if "destinations" not in res:
            report_checks(res["runs"], f"config check only ({res['where']}), {len(res['runs'])} runs:")
            continue
        print(f"{res['services']} x {res['reals']} = {res['destinations']} destinations, UML {res['uname']}")
        for e in res["errors"]:
            print(f"ERROR: {e}")
        row = "{:<7} {:<11} {:>10} {:>14} {:>26} {:>10}"
        print(row.format("round", "contender", "program", "poller busy", "1-weight reloads", "SET_DEST"))
        for r in res["runs"]:
            rel = ", ".join(ms(x["s"]) for x in r["reloads"])
            ops = ",".join(str(x.get("set_dest_ops", "-")) for x in r["reloads"])
            print(row.format(r["round"], r["contender"], ms(r["program_s"]),
                             f"{ms(r['program_poll_busy_s'])} / {r['program_poll_reads']}", rel, ops))
        names = []
        for r in res["runs"]:
            if r["contender"] not in names:
                names.append(r["contender"])
        prog = {n: med([r["program_s"] for r in res["runs"] if r["contender"] == n]) for n in names}
        rel = {n: med([x["s"] for r in res["runs"] if r["contender"] == n for x in r["reloads"]]) for n in names}
        print("medians over all rounds:")
        for n in names:
            line = f"  {n:<11} program {ms(prog[n]):>8}   one-weight reload {ms(rel[n]):>8}"
            if n != "keepalived" and prog.get("keepalived") and prog[n] and rel[n]:
                line += (f"   keepalived/this program {prog['keepalived'] / prog[n]:.1f}x [>= 5x]"
                         f"   this/keepalived reload {rel[n] / rel['keepalived']:.2f} [<= 0.5]")
            print(line)
        if "check_uml" in res:
            report_checks(res["check_uml"], "config check only inside UML:")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("configs")
    c.add_argument("out")
    c.add_argument("--services", type=int, default=1000)
    c.add_argument("--reals", type=int, default=10)
    c.add_argument("--lvsctl", required=True)
    m = sub.add_parser("measure")
    for opt in ("--inputs", "--work", "--results", "--lvsd", "--lvsctl"):
        m.add_argument(opt, required=True)
    m.add_argument("--services", type=int, default=1000)
    m.add_argument("--reals", type=int, default=10)
    m.add_argument("--rounds", type=int, default=3)
    m.add_argument("--reloads", type=int, default=3)
    m.add_argument("--settle", type=float, default=1.0, help="seconds of rest after each programming and reload")
    m.add_argument("--deadline", type=float, default=120.0)
    m.add_argument("--check-runs", type=int, default=1, help="-t runs of each kind after each round (0: none)")
    m.add_argument("--order", default="keepalived,lvsd-conf,lvsd-yaml")
    t = sub.add_parser("check-times")
    t.add_argument("--inputs", required=True)
    t.add_argument("--lvsd", required=True)
    t.add_argument("--runs", type=int, default=5)
    t.add_argument("--results", required=True)
    r = sub.add_parser("report")
    r.add_argument("results", nargs="+")
    a = p.parse_args()
    {"configs": configs, "measure": measure, "check-times": check_times,
     "report": lambda a: report(a.results)}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
