#!/usr/bin/python3
"""Judges a soak run (bench/soak/run.sh's logs) against the invariants of
issue #17 and prints them with their figures.

  check.py LOGDIR [--minutes N] [--json FILE]

Exit status 1 if any invariant is broken (or a log is missing).

Invariants:
  vip_overlap     never two VIP holders for longer than one advert interval
                  (1 s), except while lvs1's link is down (a partition: the
                  two cannot hear each other) and while a kill -9'd lvsd's VIP
                  waits for lvsd --cleanup, each plus one advert interval.
  ipvs_vs_health  the master's IPVS table equals what its health checks say
                  (lvsctl status): a difference seen in consecutive samples
                  may last at most one check interval (delay_loop, 2 s).
  no_crash        no lvsd exit that the soak did not cause, no core file, no
                  'unhandled exception' in a log; every hitless restart kept
                  its pid and answered; every kill -9 cleanup exited 0.
  no_leak         lvsd never had a child left over at the end, no zombie
                  child at any sample.
  flat            RSS and open descriptors of the long-lived lvsd (lvs1, same
                  pid from its start in cycle 1 to the end) within +-5% from
                  minute 5 (a third of the run for runs under 15 minutes) to
                  the end: median of the first minute vs median of the last.
  client_failures every failed client request overlaps a declared fault window
                  (or a measured stall of the whole UML kernel, counted apart).
  reloads         a valid file is applied (exit 0), an invalid one refused (exit 1).
"""
import argparse
import datetime
import json
import os
import re
import statistics
import sys

ADVERT_MS = 1000
CHECK_INTERVAL_MS = 2000
PROBE_TIMEOUT_MS = 2000
VIP = "192.168.152.100"


def read_lines(path):
    try:
        with open(path, errors="replace") as f:
            return [l.rstrip("\n") for l in f]
    except FileNotFoundError:
        return None


def fmt_ms(ms):
    return f"{ms / 1000:.1f} s"


class Report:
    def __init__(self):
        self.results = []  # (name, ok, detail)

    def add(self, name, ok, detail):
        self.results.append((name, ok, detail))

    @property
    def ok(self):
        return all(ok for _, ok, _ in self.results)


def faults(logdir):
    out = []
    for line in read_lines(os.path.join(logdir, "faults.log")) or []:
        p = line.split(" ", 4)
        if len(p) >= 4 and p[0] == "fault":
            out.append((p[1], int(p[2]), int(p[3]), p[4] if len(p) > 4 else ""))
    return out


def vip_intervals(logdir, node, t_end):
    """Holding intervals of the VIP on node from `ip -ts monitor address`."""
    lines = read_lines(os.path.join(logdir, f"monitor-{node}.log")) or []
    events = []
    for raw in lines:
        if not raw.startswith("[") or f" {VIP}/" not in raw:
            continue
        stamp, _, rest = raw[1:].partition("] ")
        try:
            ms = int(datetime.datetime.fromisoformat(stamp).timestamp() * 1000)
        except ValueError:
            continue
        events.append((ms, not rest.startswith("Deleted")))
    intervals, since = [], None
    for ms, added in events:
        if added and since is None:
            since = ms
        elif not added and since is not None:
            intervals.append((since, ms))
            since = None
    if since is not None:
        intervals.append((since, t_end))
    return intervals


def overlaps(a, b):
    out = []
    for s1, e1 in a:
        for s2, e2 in b:
            s, e = max(s1, s2), min(e1, e2)
            if e > s:
                out.append((s, e))
    return sorted(out)


def probe(logdir, name):
    out = []
    for line in read_lines(os.path.join(logdir, f"probe-{name}.log")) or []:
        p = line.split()
        if len(p) >= 2 and p[0].isdigit():
            out.append((int(p[0]), p[1] == "ok", p[2] if len(p) > 2 else ""))
    return out


def endpoint(text):
    m = re.search(r"(\d+\.\d+\.\d+\.\d+):(\d+)", text or "")
    return f"{m.group(1)}:{m.group(2)}" if m else None


def health_set(status):
    """(vs>rs) pairs that health (and admin state) put in the table."""
    pairs = set()
    for vs in status.get("virtual_servers", []):
        key = endpoint(vs.get("key", ""))
        if vs.get("disabled"):
            continue
        for rs in vs.get("real_servers", []):
            if rs.get("health") == "up" and not rs.get("drain") and (rs.get("configured_weight") or 0) > 0:
                pairs.add(f"{key}>{endpoint(rs.get('address', ''))}")
    return pairs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("logdir")
    ap.add_argument("--minutes", type=int, default=30)
    ap.add_argument("--json")
    a = ap.parse_args()
    d = a.logdir
    rep = Report()
    figures = {}

    events = read_lines(os.path.join(d, "events.log"))
    if events is None or not os.path.exists(os.path.join(d, "run.done")):
        print("soak: the run did not finish (no events.log or run.done)")
        return 1
    t_start = next(int(l.split()[0]) for l in events if " soak start " in l)
    t_end = next((int(l.split()[0]) for l in events if " soak end" in l), None)
    t_end = t_end or int(events[-1].split()[0])
    counts = next((l for l in events if l.startswith("counts ")), "")
    figures["duration_s"] = (t_end - t_start) / 1000
    figures["faults"] = dict(zip(counts.split()[1::2], map(int, counts.split()[2::2])))
    fl = faults(d)

    # ---------------------------------------------------------------- VIP holders
    iv = {n: vip_intervals(d, n, t_end) for n in ("lvs1", "lvs2")}
    both = overlaps(iv["lvs1"], iv["lvs2"])
    # A partition (lvs1's link down) and a killed lvsd's VIP until its
    # cleanup ran, each plus one advert interval for the holder to hear.
    flaps = [(f, t + ADVERT_MS) for k, f, t, _ in fl if k in ("flap", "leftover")]
    bad, excused = [], []
    for s, e in both:
        dur = e - s
        if dur <= ADVERT_MS:
            continue
        if any(f <= s and e <= t for f, t in flaps):
            excused.append(dur)
        else:
            bad.append((s, e))
    short = [e - s for s, e in both if e - s <= ADVERT_MS]
    figures["vip_overlaps"] = {"total": len(both), "at_most_one_advert": len(short),
                               "longest_short_ms": max(short, default=0),
                               "during_link_down": len(excused), "longest_during_link_down_ms": max(excused, default=0),
                               "violations": [(s - t_start, e - s) for s, e in bad]}
    rep.add("vip_overlap", not bad,
            f"{len(both)} overlaps of two holders: {len(short)} <= 1 advert (longest {max(short, default=0)} ms), "
            f"{len(excused)} while lvs1's link was down or a killed lvsd's VIP awaited its cleanup (longest {fmt_ms(max(excused, default=0))}), "
            f"{len(bad)} longer than an advert outside them"
            + "".join(f"; at +{fmt_ms(s - t_start)} for {e - s} ms" for s, e in bad[:5]))

    # ---------------------------------------------------------------- IPVS vs health
    samples, void = [], 0
    for line in read_lines(os.path.join(d, "tables.log")) or []:
        p = line.split(" ", 5)
        if len(p) < 6 or not p[5].startswith("{"):
            continue
        try:
            status = json.loads(p[5]).get("result", {})
        except ValueError:
            continue
        if p[3] != p[4]:  # the table changed while lvsd answered
            void += 1
            continue
        table = set(x for x in p[3].rstrip("-").split(",") if x)
        samples.append((int(p[0]), p[2], table, health_set(status)))
    # A difference first seen at t and still seen at t2 lasted at least t2 - t.
    streak_start, longest, mismatches, bad_streaks, example, prev_holder = None, 0, 0, [], "", None
    for t, holder, table, health in samples:
        if holder != prev_holder:
            streak_start = None
        if table != health:
            mismatches += 1
            if streak_start is None:
                streak_start = t
                example = f"table-only {sorted(table - health)} health-only {sorted(health - table)}"
            longest = max(longest, t - streak_start)
            if t - streak_start > CHECK_INTERVAL_MS and (not bad_streaks or bad_streaks[-1][0] != streak_start):
                bad_streaks.append((streak_start, example))
        else:
            streak_start = None
        prev_holder = holder
    figures["ipvs_vs_health"] = {"samples": len(samples), "void_samples": void, "mismatched_samples": mismatches,
                                 "longest_mismatch_ms": longest, "violations": len(bad_streaks)}
    rep.add("ipvs_vs_health", len(samples) > 0 and not bad_streaks,
            f"{len(samples)} samples of the master's table and its health view ({void} more void: the table "
            f"changed between the reads), {mismatches} differed; "
            f"longest difference seen {longest} ms (bound {CHECK_INTERVAL_MS} ms)"
            + "".join(f"; from +{fmt_ms(s - t_start)}: {ex}" for s, ex in bad_streaks[:3]))

    # ---------------------------------------------------------------- crashes
    killed = set((read_lines(os.path.join(d, "killed.pids")) or []))
    exits = read_lines(os.path.join(d, "exits.log")) or []
    unasked = [l for l in exits if len(l.split()) >= 5 and l.split()[2] not in killed]
    cores = [l for l in (read_lines(os.path.join(d, "cores.txt")) or []) if "core." in l]
    exc = []
    for n in ("lvs1", "lvs2"):
        for l in read_lines(os.path.join(d, f"{n}.log")) or []:
            if re.search(r"unhandled|terminate called|Segmentation|Aborted|\[critical\]", l):
                exc.append(f"{n}: {l[:160]}")
    restarts = [l for l in events if " restart lvs1 lvsctl " in l]
    bad_restarts = [l for l in restarts if not re.search(r"rc 0 pid (\d+) -> \1\b", l)]
    usr2 = [l for l in events if " restart lvs2 SIGUSR2 " in l]
    bad_usr2 = [l for l in usr2 if not re.search(r"pid (\d+) -> \1 answers", l)]
    kills = [l for l in events if len(l.split()) > 2 and l.split()[1] == "kill9"]
    bad_cleanup = [l for l in kills if not l.endswith("cleanup rc 0")]
    finals = [l for l in events if l.startswith("final ")]
    not_alive = [l for l in finals if not l.endswith("alive 1")]
    figures["crashes"] = {"unasked_exits": unasked, "cores": cores, "log_lines": exc[:10],
                          "hitless_restarts": len(restarts) + len(usr2),
                          "bad_restarts": bad_restarts + bad_usr2, "cleanups": len(kills), "bad_cleanups": bad_cleanup}
    rep.add("no_crash", not (unasked or cores or exc or bad_restarts or bad_usr2 or bad_cleanup or not_alive),
            f"{len(exits)} lvsd exits, {len(unasked)} not caused by the soak; {len(cores)} cores; "
            f"{len(exc)} crash lines in the logs; {len(restarts)} lvsctl restarts + {len(usr2)} SIGUSR2 restarts, "
            f"{len(bad_restarts) + len(bad_usr2)} failed or changed pid; {len(kills)} kill -9 + cleanup, "
            f"{len(bad_cleanup)} cleanups failed; both directors alive at the end: {'yes' if not not_alive else 'no'}"
            + "".join(f"; {x}" for x in (unasked + cores + exc + bad_restarts + bad_usr2 + bad_cleanup)[:5]))

    # ---------------------------------------------------------------- resources
    rows = []
    for line in read_lines(os.path.join(d, "samples.log")) or []:
        p = line.split()
        if len(p) != 13:
            continue
        t = int(p[0])
        for i in (1, 7):
            node, pid, rss, fds, kids, zombies = p[i:i + 6]
            rows.append((t, node, pid, rss, fds, kids, zombies))
    zombies = [r for r in rows if r[6] not in ("-", "0")]
    max_kids = max((int(r[5]) for r in rows if r[5].isdigit()), default=0)
    last_kids = {}
    for r in rows:
        if r[5].isdigit():
            last_kids[r[1]] = int(r[5])
    figures["children"] = {"max": max_kids, "at_end": last_kids, "zombie_samples": len(zombies)}
    rep.add("no_leak_children", not zombies and all(v == 0 for v in last_kids.values()),
            f"lvsd children at most {max_kids} at a sample, at the end {last_kids}; {len(zombies)} samples with a zombie")

    # The long-lived lvsd: lvs1's pid at the end.
    final_pid = next((l.split()[3] for l in finals if l.startswith("final lvs1 ")), None)
    lvs1 = [(t, int(rss), int(fds)) for t, node, pid, rss, fds, *_ in rows
            if node == "lvs1" and pid == final_pid and rss.isdigit() and fds.isdigit()]
    base_min = 5 if a.minutes >= 15 else a.minutes / 3
    base_from = t_start + int(base_min * 60000)
    first = [r for r in lvs1 if base_from <= r[0] < base_from + 60000]
    last = [r for r in lvs1 if r[0] >= t_end - 60000]
    if first and last and lvs1[0][0] <= base_from:
        rss0, rss1 = statistics.median(r[1] for r in first), statistics.median(r[1] for r in last)
        fd0, fd1 = statistics.median(r[2] for r in first), statistics.median(r[2] for r in last)
        drss, dfd = (rss1 - rss0) / rss0 * 100, (fd1 - fd0) / fd0 * 100
        figures["lvs1_resources"] = {"pid": final_pid, "baseline_minute": base_min,
                                     "rss_kb": [rss0, rss1], "rss_change_pct": round(drss, 2),
                                     "fds": [fd0, fd1], "fd_change_pct": round(dfd, 2),
                                     "rss_max_kb": max(r[1] for r in lvs1), "fds_max": max(r[2] for r in lvs1)}
        rep.add("flat", abs(drss) <= 5 and abs(dfd) <= 5,
                f"lvs1's lvsd (pid {final_pid}) minute {base_min:g} -> last minute: RSS {rss0:.0f} -> {rss1:.0f} kB "
                f"({drss:+.1f}%), descriptors {fd0:.0f} -> {fd1:.0f} ({dfd:+.1f}%); max RSS "
                f"{max(r[1] for r in lvs1)} kB, max descriptors {max(r[2] for r in lvs1)}")
    else:
        rep.add("flat", False, f"no lvs1 lvsd lived from minute {base_min:g} to the end (pid {final_pid})")
    lvs2 = [r for r in rows if r[1] == "lvs2" and r[4].isdigit()]
    figures["lvs2_fds_max"] = max((int(r[4]) for r in lvs2), default=0)
    figures["lvs2_rss_max_kb"] = max((int(r[3]) for r in lvs2 if r[3].isdigit()), default=0)

    # ---------------------------------------------------------------- client
    windows = [(f, t, k) for k, f, t, _ in fl if k != "leftover"]
    stalls = []
    for line in read_lines(os.path.join(d, "stalls.log")) or []:
        p = line.split()
        if len(p) == 2:
            stalls.append((int(p[0]) - int(p[1]), int(p[0])))
    figures["machine_stalls"] = {"count": len(stalls), "longest_ms": max((b - a for a, b in stalls), default=0),
                                 "total_ms": sum(b - a for a, b in stalls)}
    figures["client"] = {}
    outside_all = []
    for name in ("http", "redis"):
        reqs = [r for r in probe(d, name) if t_start <= r[0] <= t_end]
        fails = [r for r in reqs if not r[1]]
        inside, outside, stalled, by_kind = [], [], [], {}
        for t, _, reason in fails:
            # Counted against the latest fault that began before it (windows
            # overlap: a kill -9's grace reaches into the next cycle's first fault).
            hit = sorted((f, k) for f, to, k in windows if t <= to and t + PROBE_TIMEOUT_MS >= f)
            if hit:
                inside.append(t)
                by_kind[hit[-1][1]] = by_kind.get(hit[-1][1], 0) + 1
            elif any(t <= b and t + PROBE_TIMEOUT_MS >= a for a, b in stalls):
                stalled.append(t)
            else:
                outside.append((t, reason))
        figures["client"][name] = {"requests": len(reqs), "ok": len(reqs) - len(fails), "failed": len(fails),
                                   "inside_windows": len(inside), "during_machine_stall": len(stalled),
                                   "outside_windows": len(outside),
                                   "failed_by_fault": by_kind,
                                   "outside": [(t - t_start, r) for t, r in outside[:20]]}
        outside_all += [(name, t, r) for t, r in outside]
    c = figures["client"]
    rep.add("client_failures", not outside_all and c["http"]["requests"] > 0 and c["redis"]["requests"] > 0,
            "; ".join(f"{n}: {c[n]['requests']} requests, {c[n]['ok']} ok, {c[n]['failed']} failed "
                      f"({c[n]['inside_windows']} inside fault windows {c[n]['failed_by_fault']}, "
                      f"{c[n]['during_machine_stall']} during a machine stall, "
                      f"{c[n]['outside_windows']} outside)" for n in ("http", "redis"))
            + f"; machine stalls (a 50 ms sleep inside UML woke > 250 ms late): {len(stalls)}, "
              f"longest {figures['machine_stalls']['longest_ms']} ms"
            + "".join(f"; outside: {n} at +{fmt_ms(t - t_start)} {r}" for n, t, r in outside_all[:5]))

    # ---------------------------------------------------------------- reloads
    rl = [l.split(" ", 5) for l in read_lines(os.path.join(d, "reloads.log")) or []]
    rl = [p for p in rl if len(p) >= 5]
    wrong = [p for p in rl if (p[3] == "invalid") != (p[4] == "1") or p[4] not in ("0", "1")]
    figures["reloads"] = {"total": len(rl), "valid": sum(p[3] != "invalid" for p in rl),
                          "invalid": sum(p[3] == "invalid" for p in rl), "unexpected": len(wrong),
                          "unexpected_examples": [" ".join(p)[:200] for p in wrong[:5]]}
    rep.add("reloads", len(rl) > 0 and not wrong,
            f"{len(rl)} reloads ({figures['reloads']['valid']} valid, {figures['reloads']['invalid']} invalid), "
            f"{len(wrong)} with an unexpected outcome" + "".join(f"; {' '.join(p)[:160]}" for p in wrong[:3]))

    print(f"soak: {figures['duration_s']:.0f} s of faults and load; faults injected: "
          + ", ".join(f"{k} {v}" for k, v in figures["faults"].items()))
    for name, ok, detail in rep.results:
        print(f"{'ok    ' if ok else 'BROKEN'}  {name}: {detail}")
    print("soak: all invariants held" if rep.ok else "soak: invariants BROKEN")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"figures": figures, "invariants": [{"name": n, "ok": o, "detail": dt}
                                                          for n, o, dt in rep.results]}, f, indent=1, default=str)
    return 0 if rep.ok else 1


if __name__ == "__main__":
    sys.exit(main())
