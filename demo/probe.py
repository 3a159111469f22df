#!/usr/bin/python3
"""The demo's client: one request through the VIP every INTERVAL seconds,
one line per request, so outages can be measured afterwards.

  probe.py http  HOST PORT LOG [--interval S] [--timeout S]   GET / ; logs the body
  probe.py redis HOST PORT LOG [--interval S] [--timeout S]   INCR demo:counter (a new connection each, as redis-cli); logs the value
  probe.py outage LOG FROM_MS TO_MS                            summary of LOG between two times
  probe.py vip-events LOG ADDRESS FROM_MS TO_MS                ADDRESS added/deleted between two times

A log line is "<epoch ms when the request started> ok <answer>" or
"<epoch ms> fail <reason>". The probe runs until SIGTERM.

`vip-events` reads the output of `ip -ts monitor address` and prints one line
per event of ADDRESS: "<epoch ms> added|deleted".

`outage` prints: requests=N failed=N outage_ms=N first_fail_ms=N answers=a,b,...
where outage_ms is the longest stretch from a failed request to the next
successful one (0 if nothing failed), and answers lists the distinct answers.
"""
import argparse
import datetime
import signal
import socket
import sys
import time


def now_ms():
    return int(time.time() * 1000)


def http_get(host, port, timeout):
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(b"GET / HTTP/1.0\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0]
    if b" 200 " not in status + b" ":
        raise OSError("status " + status.decode(errors="replace"))
    return body.decode(errors="replace").strip().replace(" ", "_") or "-"


def redis_incr(host, port, timeout):
    # What `redis-cli -h HOST INCR demo:counter` does: one connection per
    # write. Spoken here (RESP) rather than by running redis-cli, because a
    # process start costs up to half a second in user-mode-linux.
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(b"*2\r\n$4\r\nINCR\r\n$12\r\ndemo:counter\r\n")
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                raise OSError("connection closed")
            data += chunk
    line = data.decode(errors="replace").strip()
    if line.startswith(":"):
        return line[1:]
    # "-READONLY You can't write against a read only replica." and the like
    raise OSError(line.split(" ", 1)[0].lstrip("-"))


def run_probe(kind, host, port, log, interval, timeout):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    request = http_get if kind == "http" else redis_incr
    with open(log, "a", buffering=1) as out:
        while not stop:
            start = now_ms()
            try:
                out.write(f"{start} ok {request(host, port, timeout)}\n")
            except (OSError, socket.timeout) as e:
                reason = type(e).__name__ if not str(e) else str(e)
                out.write(f"{start} fail {reason.replace(' ', '_')}\n")
            left = interval - (now_ms() - start) / 1000.0
            if left > 0 and not stop:
                time.sleep(left)


def outage(log, t_from, t_to):
    lines = []
    with open(log) as f:
        for raw in f:
            parts = raw.split()
            if len(parts) >= 3 and t_from <= int(parts[0]) <= t_to:
                lines.append((int(parts[0]), parts[1] == "ok", parts[2]))
    failed = sum(1 for _, ok, _ in lines if not ok)
    longest, run_start, first_fail = 0, None, 0
    for t, ok, _ in lines:
        if not ok:
            if run_start is None:
                run_start = t
            if not first_fail:
                first_fail = t
        elif run_start is not None:
            longest = max(longest, t - run_start)
            run_start = None
    if run_start is not None:  # still failing at the end of the window
        longest = max(longest, t_to - run_start)
    answers = sorted({a for _, ok, a in lines if ok})
    print(f"requests={len(lines)} failed={failed} outage_ms={longest} first_fail_ms={first_fail} "
          f"answers={','.join(answers) or '-'}")


def vip_events(log, address, t_from, t_to):
    # "[2026-12-01T18:08:41.879647] Deleted 3: eth0    inet 192.168.152.100/24 ..."
    # (local time, like this process's clock).
    with open(log) as f:
        for raw in f:
            if not raw.startswith("[") or f" {address}/" not in raw:
                continue
            stamp, _, rest = raw[1:].partition("] ")
            try:
                ms = int(datetime.datetime.fromisoformat(stamp).timestamp() * 1000)
            except ValueError:
                continue
            if t_from <= ms <= t_to:
                print(ms, "deleted" if rest.startswith("Deleted") else "added")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "vip-events":
        p = argparse.ArgumentParser(prog="probe.py vip-events")
        p.add_argument("log")
        p.add_argument("address")
        p.add_argument("t_from", type=int)
        p.add_argument("t_to", type=int)
        a = p.parse_args(sys.argv[2:])
        vip_events(a.log, a.address, a.t_from, a.t_to)
        return
    if len(sys.argv) > 1 and sys.argv[1] == "outage":
        p = argparse.ArgumentParser(prog="probe.py outage")
        p.add_argument("log")
        p.add_argument("t_from", type=int)
        p.add_argument("t_to", type=int)
        a = p.parse_args(sys.argv[2:])
        outage(a.log, a.t_from, a.t_to)
        return
    p = argparse.ArgumentParser(prog="probe.py")
    p.add_argument("kind", choices=["http", "redis"])
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("log")
    p.add_argument("--interval", type=float, default=0.02)
    p.add_argument("--timeout", type=float, default=0.3)
    a = p.parse_args()
    run_probe(a.kind, a.host, a.port, a.log, a.interval, a.timeout)


if __name__ == "__main__":
    main()
