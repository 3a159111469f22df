#!/usr/bin/env python3
"""Summarizes bench/failover/run.sh's CSV as a Markdown table (ms)."""
import csv
import statistics
import sys


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def skew_ms(version, advert_ms, priority=50):
    return (256 - priority) / 256 * (1000 if version == 2 else advert_ms)


rows = list(csv.DictReader(open(sys.argv[1])))
groups = {}
for r in rows:
    groups.setdefault((int(r["version"]), int(r["advert_ms"]), r["impl"]), []).append(r)

print("| setting | impl | runs | VIP on backup: median / p95 / max | client TCP ok: median / p95 / max | Master_Down_Interval |")
print("|---|---|---|---|---|---|")
medians = {}
for (version, advert, impl), rs in sorted(groups.items()):
    vip = [float(r["vip_ms"]) for r in rs if float(r["vip_ms"]) >= 0]
    tcp = [float(r["tcp_ms"]) for r in rs if float(r["tcp_ms"]) >= 0]
    mdi = 3 * advert + skew_ms(version, advert)
    medians[(version, advert, impl)] = (statistics.median(vip), statistics.median(tcp), max(vip), max(tcp))
    print(f"| v{version} {advert} ms | {impl} | {len(rs)} | {statistics.median(vip):.0f} / {pct(vip, 95):.0f} / {max(vip):.0f}"
          f" | {statistics.median(tcp):.0f} / {pct(tcp, 95):.0f} / {max(tcp):.0f} | {mdi:.0f} |")
print()
for (version, advert) in sorted({(v, a) for v, a, _ in groups}):
    l = medians.get((version, advert, "lvsd"))
    k = medians.get((version, advert, "keepalived"))
    if l and k:
        print(f"- v{version} {advert} ms: lvsd/keepalived median VIP {l[0] / k[0]:.3f}, median client {l[1] / k[1]:.3f};"
              f" lvsd max VIP {l[2]:.0f} ms vs Master_Down_Interval + 50 = {3 * advert + skew_ms(version, advert) + 50:.0f} ms;"
              f" lvsd max client outage {l[3]:.0f} ms")
