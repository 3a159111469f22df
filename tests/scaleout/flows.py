#!/usr/bin/python3
"""Traffic and measurement helpers of the scale-out scenario (scale-out.sh).

  flows.py server PORT NAME        echo server: sends "NAME\\n" on accept, then
                                   echoes every byte back (the real servers)
  flows.py client HOST PORT COUNT STATUS [--interval S] [--chunk B] [--stall S]
                                   COUNT long-lived streams to HOST:PORT, each
                                   from its own source port; every byte echoed
                                   is checked against what was sent; writes
                                   STATUS (below) every 200 ms until SIGTERM
  flows.py once HOST PORT          one connection: prints the server's name
  flows.py route-events LOG PREFIX FROM_MS
                                   reads `ip -ts monitor route` output; prints
                                   "<epoch ms> <gateways,comma-separated|none>"
                                   for each change of PREFIX after FROM_MS
  flows.py carriers STATUS CLIENT FILE...
                                   FILE = "ipvsadm -Lnc" output of one
                                   director (named by the file's base name);
                                   prints "<port> <director>" per stream: the
                                   director whose entry for it is the freshest
  flows.py newly-broken BEFORE AFTER CARRIERS DIRECTOR
                                   BEFORE, AFTER: STATUS files around an event;
                                   prints "<broken> <of them on DIRECTOR>
                                   <of them elsewhere>": streams ok in BEFORE
                                   and broken in AFTER, split by their
                                   director in CARRIERS (carriers' output)
  flows.py bfd-down LOG PEER FROM_MS
                                   bfdd's log (timestamps to the ms): prints
                                   the epoch ms of the first "up -> down" of
                                   the session with PEER after FROM_MS
  flows.py stall FILE              until SIGTERM: sleeps 10 ms at a time and
                                   keeps in FILE the longest delay past a
                                   wake-up, in ms (how long this kernel was
                                   stalled: UML on a loaded host)

STATUS starts with "# <epoch ms when written>", then has one line per stream:
  <local port> <server name> ok|broken <bytes verified> <ms since progress> <reason>
A stream is broken when the connection is reset or closed, when an echoed byte
differs from the byte sent, or when nothing came back for --stall seconds.
Broken streams are not reopened: the count only grows.
"""
import datetime
import os
import random
import re
import selectors
import signal
import socket
import sys
import time


def now_ms():
    return int(time.time() * 1000)


def server(port, name):
    sel = selectors.DefaultSelector()
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("0.0.0.0", port))
    lsock.listen(512)
    lsock.setblocking(False)
    sel.register(lsock, selectors.EVENT_READ, None)
    hello = (name + "\n").encode()
    while True:
        for key, _ in sel.select():
            if key.data is None:
                try:
                    conn, _ = lsock.accept()
                except OSError:
                    continue
                conn.setblocking(False)
                try:
                    conn.send(hello)
                except OSError:
                    conn.close()
                    continue
                sel.register(conn, selectors.EVENT_READ, b"")
                continue
            conn = key.fileobj
            try:
                data = conn.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(conn)
                conn.close()
                continue
            try:
                # Small chunks at a low rate: the send buffer never fills.
                conn.sendall(data)
            except OSError:
                sel.unregister(conn)
                conn.close()


class Stream:
    def __init__(self, sock, index):
        self.sock = sock
        self.port = sock.getsockname()[1]
        self.rng = random.Random(index * 7919 + 17)
        self.expected = bytearray()   # sent, not yet echoed
        self.outbuf = bytearray()     # generated, not yet sent (the socket buffer was full)
        self.header = b""
        self.server = "-"
        self.verified = 0
        self.state = "ok"
        self.reason = ""
        self.progress = time.monotonic()

    def fail(self, reason):
        if self.state == "ok":
            self.state = "broken"
            self.reason = reason
        try:
            self.sock.close()
        except OSError:
            pass


def client(host, port, count, status, interval, chunk, stall):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    streams = []
    for i in range(count):
        s = None
        for attempt in range(5):
            try:
                s = socket.create_connection((host, port), timeout=3)
                break
            except OSError as e:
                err = e
                time.sleep(0.2)
        if s is None:
            print(f"client: stream {i} could not connect: {err}", file=sys.stderr)
            sys.exit(1)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        streams.append(Stream(s, i))
    sel = selectors.DefaultSelector()
    by_fd = {}
    for st in streams:
        sel.register(st.sock, selectors.EVENT_READ, st)
        by_fd[st.sock.fileno()] = st
    next_send = time.monotonic()
    next_status = 0.0
    tmp = status + ".tmp"
    while not stop:
        now = time.monotonic()
        if now >= next_send:
            next_send = now + interval
            for st in streams:
                if st.state != "ok" or st.server == "-":
                    continue
                if len(st.expected) > 64 * chunk:
                    continue    # the echo lags: do not pile up more
                if not st.outbuf:
                    st.outbuf = bytearray(st.rng.getrandbits(8) for _ in range(chunk))
                try:
                    n = st.sock.send(st.outbuf)
                except BlockingIOError:
                    n = 0
                except OSError as e:
                    sel.unregister(st.sock)
                    st.fail(f"send:{e.errno}")
                    continue
                st.expected += st.outbuf[:n]
                del st.outbuf[:n]
        timeout = max(0.0, min(next_send, next_status) - time.monotonic())
        for key, _ in sel.select(timeout):
            st = key.data
            try:
                data = st.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as e:
                sel.unregister(st.sock)
                st.fail(f"recv:{e.errno}")
                continue
            if not data:
                sel.unregister(st.sock)
                st.fail("closed")
                continue
            if st.server == "-":
                st.header += data
                if b"\n" not in st.header:
                    continue
                name, _, rest = st.header.partition(b"\n")
                st.server = name.decode(errors="replace") or "?"
                data = rest
                st.progress = time.monotonic()
                if not data:
                    continue
            n = len(data)
            if st.expected[:n] != data:
                sel.unregister(st.sock)
                st.fail("mismatch")
                continue
            del st.expected[:n]
            st.verified += n
            st.progress = time.monotonic()
        now = time.monotonic()
        for st in streams:
            if st.state == "ok" and now - st.progress > stall:
                sel.unregister(st.sock)
                st.fail("stalled")
        if now >= next_status:
            next_status = now + 0.2
            with open(tmp, "w") as f:
                f.write(f"# {now_ms()}\n")
                for st in streams:
                    f.write(f"{st.port} {st.server} {st.state} {st.verified} "
                            f"{int((now - st.progress) * 1000)} {st.reason or '-'}\n")
            os.replace(tmp, status)


def once(host, port):
    with socket.create_connection((host, port), timeout=2) as s:
        s.settimeout(2)
        data = b""
        while b"\n" not in data:
            chunk = s.recv(100)
            if not chunk:
                break
            data += chunk
    print(data.split(b"\n")[0].decode(errors="replace"))


TS = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)\]\s*(.*)$")


def route_events(log, prefix, from_ms):
    # `ip -ts monitor route`: a message starts with "[timestamp]"; a multipath
    # route continues on lines starting with whitespace ("nexthop via ...").
    messages = []
    with open(log, errors="replace") as f:
        for line in f:
            m = TS.match(line)
            if m:
                stamp = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f")
                messages.append([int(stamp.timestamp() * 1000), m.group(2)])
            elif messages and line[:1].isspace():
                messages[-1][1] += " " + line.strip()
    for at, text in messages:
        if at < from_ms:
            continue
        words = text.split()
        deleted = words[:1] == ["Deleted"]
        if deleted:
            words = words[1:]
        if not words or words[0] not in (prefix, prefix + "/32"):
            continue
        if "table" in words:
            continue    # only the main table of the router
        gateways = sorted({words[i + 1] for i, w in enumerate(words[:-1]) if w == "via"})
        print(at, "none" if deleted or not gateways else ",".join(gateways))


def carriers(status, client_addr, files):
    ports = set()
    with open(status) as f:
        for line in f:
            ports.add(line.split()[0])
    best = {}
    for path in files:
        director = os.path.basename(path).split(".")[0]
        with open(path) as f:
            for line in f:
                w = line.split()
                if len(w) < 6 or w[0] != "TCP":
                    continue
                addr, _, port = w[3].rpartition(":")
                if addr != client_addr or port not in ports:
                    continue
                mm, _, ss = w[1].partition(":")
                expire = int(mm) * 60 + int(ss)
                if port not in best or expire > best[port][0]:
                    best[port] = (expire, director)
    for port in sorted(best):
        print(port, best[port][1])


def newly_broken(before, after, carriers_file, director):
    def states(path):
        with open(path) as f:
            return {w[0]: w[2] for w in (l.split() for l in f) if len(w) >= 3 and w[0] != "#"}
    was, now = states(before), states(after)
    with open(carriers_file) as f:
        on = {w[0]: w[1] for w in (l.split() for l in f) if len(w) == 2}
    new = [p for p, s in now.items() if s == "broken" and was.get(p) == "ok"]
    there = sum(1 for p in new if on.get(p) == director)
    print(len(new), there, len(new) - there)


FRR_TS = re.compile(r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+) ")


def bfd_down(log, peer, from_ms):
    with open(log, errors="replace") as f:
        for line in f:
            m = FRR_TS.match(line)
            if not m or "up -> down" not in line or f"peer:{peer} " not in line:
                continue
            stamp = datetime.datetime.strptime(m.group(1), "%Y/%m/%d %H:%M:%S.%f")
            at = int(stamp.timestamp() * 1000)
            if at >= from_ms:
                print(at)
                return


def stall(path):
    worst = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    with open(path, "w") as out:
        out.write("0\n")
    while not stop:
        start = time.monotonic()
        time.sleep(0.01)
        late = int((time.monotonic() - start - 0.01) * 1000)
        if late > worst:
            worst = late
            with open(path, "w") as out:
                out.write(f"{worst}\n")


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "server":
        server(int(argv[2]), argv[3])
    elif cmd == "client":
        opts = {"--interval": 0.1, "--chunk": 64, "--stall": 8.0}
        args = argv[2:]
        pos = []
        i = 0
        while i < len(args):
            if args[i] in opts:
                opts[args[i]] = float(args[i + 1])
                i += 2
            else:
                pos.append(args[i])
                i += 1
        client(pos[0], int(pos[1]), int(pos[2]), pos[3], opts["--interval"], int(opts["--chunk"]), opts["--stall"])
    elif cmd == "once":
        once(argv[2], int(argv[3]))
    elif cmd == "route-events":
        route_events(argv[2], argv[3], int(argv[4]))
    elif cmd == "newly-broken":
        newly_broken(argv[2], argv[3], argv[4], argv[5])
    elif cmd == "carriers":
        carriers(argv[2], argv[3], argv[4:])
    elif cmd == "bfd-down":
        bfd_down(argv[2], argv[3], int(argv[4]))
    elif cmd == "stall":
        stall(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
