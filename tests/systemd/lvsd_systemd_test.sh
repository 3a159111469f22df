#!/bin/bash
# Kernel tier, under a real systemd: runs inside user-mode-linux with
# systemd as PID 1 (tests/systemd/run-systemd-uml.sh boots it), with lvsd,
# lvsctl and the units installed by `cmake --install` (prefix /usr/local, so
# the units are /usr/local/lib/systemd/system/lvsd*.service, exactly as
# shipped). Prints one line per check: "passed  NAME" or "FAILED  NAME: why".
#
# The pair: lvsd.service (this host, interface lvs0, priority 100) and a peer
# lvsd (transient unit lvsd-peer.service in network namespace "peer", eth0,
# priority 50) on one veth link, VRRPv2, advert_int 8 s. The peer takes over
#   after a priority-0 advert: Skew_Time   = (256-50)/256 s  = 0.8 s
#   without one:               Master_Down = 3 * 8 s + 0.8 s = 24.8 s
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
OUT=${OUT:-/tmp}
VIP=10.0.0.100
ADVERT=8
SKEW=0.8            # the peer's Skew_Time: VRRPv2, (256 - 50) / 256 s
MASTER_DOWN=24.8    # the peer's Master_Down_Interval: 3 x 8 s + Skew_Time
# Without a priority-0 advert the peer takes over Master_Down after the last
# advert it heard, which was at most advert_int before the master went quiet:
# no sooner than NATURAL = 24.8 - 8 = 16.8 s after `systemctl stop` or the
# freeze. With one, Skew_Time after it. A takeover within TAKEOVER_BOUND of
# the priority-0 advert and before NATURAL can only come from that advert.
NATURAL=16.8
TAKEOVER_BOUND=2.8
SERVICES=${SERVICES:-150}  # virtual services, 4 real servers each: lvsd needs a while to program them
CONF=/etc/lvsd/lvsd.yaml
PEER_DIR=/run/lvsd-peer
# Every command, with the wall-clock time, to OUT/trace.log (no fork per line).
exec 19>"$OUT/trace.log"
BASH_XTRACEFD=19
PS4='+ ${EPOCHREALTIME} '
set -x

passed() { echo "passed  $1"; }
failed() { echo "FAILED  $1: $2"; }
note() { echo "# $*"; }
now() { cut -d' ' -f1 /proc/uptime; }                     # seconds since boot (CLOCK_BOOTTIME = monotonic here)
mono() { awk -v us="$(systemctl show -p "$1" --value lvsd)" 'BEGIN { printf "%.2f", us / 1e6 }'; }
# elapsed A B: B - A, or "never" when either time is missing; less A B: A < B,
# false when A is not a number (so "never" fails every bound).
elapsed() { if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; else echo never; fi; }
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^-?[0-9.]+$/ && a + 0 < b + 0) }'; }
# wait_for SECONDS COMMAND...: polls every 0.1 s; status 0 once COMMAND succeeds.
wait_for() {
  local deadline
  deadline=$(awk -v n="$(now)" -v s="$1" 'BEGIN { print n + s }'); shift
  until "$@"; do
    less "$(now)" "$deadline" || return 1
    sleep 0.1
  done
}
main_vip() { ip -4 -o addr show dev lvs0 | grep -q " $VIP/"; }
peer_vip() { ip -n peer -4 -o addr show dev eth0 | grep -q " $VIP/"; }
prop() { systemctl show -p "$1" --value lvsd; }
master_here() { main_vip && ! peer_vip; }
restarted() { [ "$(prop NRestarts)" -ge 1 ] && [ "$(prop ActiveState)" = active ]; }
services_in_ipvs() { ipvsadm -Ln | grep -c '^TCP'; }
dests_in_ipvs() { ipvsadm -Ln | grep -c -- '->.*Route'; }
# Journal lines since a moment (now's seconds), by journald's monotonic
# receive time. (--after-cursor together with -u skipped or repeated lines
# in this journal; filtering on the timestamp does not depend on seeking.)
# journal_since T [UNIT]: the messages; journal_at UNIT T PATTERN: the time of
# the first matching one, or nothing.
journal_since() {
  journalctl -u "${2:-lvsd}" --no-pager -o short-monotonic |
    awk -v t="$1" '{ ts = substr($0, 2, index($0, "]") - 2) + 0 } ts >= t { sub(/^[^]]*\] [^ ]+ [^ ]+: /, ""); print }'
}
journal_at() {
  journalctl -u "$1" --no-pager -o short-monotonic |
    awk -v t="$2" -v p="$3" '{ ts = substr($0, 2, index($0, "]") - 2) + 0 } ts >= t && index($0, p) { print ts; exit }'
}

# config PRIORITY INTERFACE ADDRESS CONTROL_SOCKET [services]
# The metrics endpoint on a non-loopback address: lvsd logs that as a warning.
config() {
  cat <<EOF
global:
  router_id: lvs-$1
  control_socket: $4
  metrics: $3:9105
vrrp_instances:
  - name: VI_1
    state: BACKUP
    interface: $2
    virtual_router_id: 51
    priority: $1
    advert_int: ${ADVERT}s
    authentication: { type: PASS, pass: "1111" }
    virtual_ipaddress: [ "$VIP/24 dev $2" ]
EOF
  [ "${5:-}" = services ] || return 0
  echo "virtual_servers:"
  local i p
  for ((i = 0; i < SERVICES; i++)); do  # printf: a builtin, no fork per service (forks are slow in UML)
    p=$((1000 + i))
    printf '  - { address: %s, port: %d, protocol: TCP, lb_algo: rr, lb_kind: DR, real_servers: [\n' "$VIP" $p
    printf '      { address: 10.0.1.%d, port: %d },\n' 1 $p 2 $p 3 $p 4 $p
    printf '    ] }\n'
  done
}

# ---- the host: veth to the peer's namespace, configs, the peer lvsd --------
ip netns add peer
ip link add lvs0 type veth peer name eth0 netns peer
ip addr add 10.0.0.1/24 dev lvs0 && ip link set lvs0 up
ip -n peer addr add 10.0.0.2/24 dev eth0 && ip -n peer link set eth0 up && ip -n peer link set lo up
mkdir -p /etc/lvsd "$PEER_DIR"
config 100 lvs0 10.0.0.1 /run/lvsd/lvsd.sock services > "$CONF"
config 50 eth0 10.0.0.2 "$PEER_DIR/peer.sock" > "$PEER_DIR/peer.yaml"

fragment=$(prop FragmentPath)
if [ "$fragment" = /usr/local/lib/systemd/system/lvsd.service ] && [ "$(prop Type)" != "" ]; then
  passed "installed unit is the one systemd loads ($fragment, Type=$(prop Type))"
else
  failed "installed unit is the one systemd loads" "FragmentPath=$fragment"
fi
verify=$(systemd-analyze verify lvsd.service 2>&1)
[ -z "$verify" ] && passed "systemd-analyze verify lvsd.service is clean" || failed "systemd-analyze verify" "$verify"
systemd-analyze security lvsd.service --no-pager > "$OUT/security.txt" 2>&1
score=$(sed -n 's/.*Overall exposure level for lvsd.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' "$OUT/security.txt")
note "systemd-analyze security lvsd.service: $score"
case "$score" in
  *" OK"|*" SAFE") passed "systemd-analyze security: exposure $score" ;;
  *) failed "systemd-analyze security" "exposure '$score' is worse than OK (see $OUT/security.txt)" ;;
esac

# ---- lvsd-realserver@VIP.service: the DR real-server side, sandboxed -------
rs=lvsd-realserver@10.0.0.200.service
rs_score=$(systemd-analyze security "$rs" --no-pager 2>&1 | sed -n 's/.*Overall exposure level for .*: \([0-9.]* [A-Z]*\).*/\1/p')
note "systemd-analyze security $rs: $rs_score"
arp() { echo "$(cat /proc/sys/net/ipv4/conf/all/arp_ignore)$(cat /proc/sys/net/ipv4/conf/lo/arp_ignore)$(cat /proc/sys/net/ipv4/conf/all/arp_announce)$(cat /proc/sys/net/ipv4/conf/lo/arp_announce)"; }
on_lo() { ip -4 -o addr show dev lo | grep -q ' 10.0.0.200/32'; }
systemctl start "$rs"; rs_rc=$?
rs_up_arp=$(arp); on_lo && rs_up=yes || rs_up=no
systemctl stop "$rs"
rs_down_arp=$(arp); on_lo && rs_left=yes || rs_left=no
if [ $rs_rc -eq 0 ] && [ $rs_up = yes ] && [ "$rs_up_arp" = 1122 ] && [ $rs_left = no ] && [ "$rs_down_arp" = 0000 ]; then
  passed "$rs: start puts 10.0.0.200/32 on lo with arp_ignore=1 arp_announce=2, stop undoes both (exposure $rs_score)"
else
  failed "$rs" "start rc $rs_rc, on lo $rs_up, ARP sysctls $rs_up_arp (want 1122); after stop on lo $rs_left, $rs_down_arp (want 0000); $(systemctl status "$rs" --no-pager -n 10 2>&1)"
fi

systemd-run --quiet --unit=lvsd-peer -p Type=notify -p NetworkNamespacePath=/run/netns/peer \
  /usr/local/sbin/lvsd -f "$PEER_DIR/peer.yaml" --state-file "$PEER_DIR/owned" ||
  failed "peer lvsd starts" "systemd-run failed"

# ---- Type=notify: `systemctl start` returns once lvsd is ready -------------
t0=$(now)
systemctl start lvsd
start_rc=$?
# Sampled at once, before anything else can give lvsd more time.
svc_now=$(services_in_ipvs); dest_now=$(dests_in_ipvs)
lvsctl status > "$OUT/status-after-start.txt" 2>&1
status_rc=$?
t1=$(now)
ready_after=$(elapsed "$(mono ExecMainStartTimestampMonotonic)" "$(mono ActiveEnterTimestampMonotonic)")
note "systemctl start took $(elapsed "$t0" "$t1") s; lvsd became ready ${ready_after} s after its exec; at return IPVS held $svc_now services, $dest_now real servers"
if [ $start_rc -eq 0 ] && [ "$svc_now" -eq "$SERVICES" ] && [ "$dest_now" -eq $((SERVICES * 4)) ] && [ $status_rc -eq 0 ] &&
   [ "$(prop ActiveState)" = active ] && less 0.02 "$ready_after"; then
  passed "Type=notify: systemctl start returns with IPVS programmed ($SERVICES services) and the control socket answering"
else
  failed "Type=notify readiness" "start rc $start_rc, IPVS $svc_now/$SERVICES services $dest_now/$((SERVICES * 4)) real servers, lvsctl status rc $status_rc, $(prop ActiveState), ready ${ready_after}s after exec"
fi
main_pid=$(prop MainPID)

# ---- the pair settles: this node (priority 100) is MASTER ------------------
if wait_for 60 master_here; then
  passed "lvsd.service becomes VRRP MASTER of the pair (VIP on lvs0, not on the peer)"
else
  failed "pair settles" "VIP on lvs0: $(main_vip && echo yes || echo no), on peer: $(peer_vip && echo yes || echo no)"
fi

# ---- reload with a refused config: the old one keeps running ---------------
sed -i 's/priority: 100/priority: 1000/' "$CONF"
since=$(now)
systemctl reload lvsd
reload_rc=$?
refused_since() { journal_since "$since" | grep -q 'reload refused'; }
wait_for 20 refused_since
status_text=$(systemctl status lvsd --no-pager -n 30 -l 2>&1)
echo "$status_text" > "$OUT/status-after-refused-reload.txt"
if [ $reload_rc -eq 0 ] && [ "$(prop MainPID)" = "$main_pid" ] && [ "$(prop ActiveState)" = active ] &&
   [ "$(services_in_ipvs)" -eq "$SERVICES" ] && main_vip && lvsctl status > /dev/null 2>&1 &&
   grep -q 'reload refused: keeping the running configuration' <<<"$status_text" &&
   grep -q 'config: .*priority' <<<"$status_text"; then
  passed "systemctl reload with a refused config: same pid, still MASTER with $SERVICES services; systemctl status shows why"
else
  failed "refused reload" "reload rc $reload_rc, pid $(prop MainPID) (was $main_pid), $(prop ActiveState); status:
$status_text"
fi

# ---- journal priorities -------------------------------------------------------
warnings=$(journalctl -u lvsd --no-pager -o cat -p warning 2>&1)
exact_warning=$(journalctl -u lvsd --no-pager -o cat -p warning..warning 2>&1)
errors=$(journalctl -u lvsd --no-pager -o cat -p err..err 2>&1)
infos=$(journalctl -u lvsd --no-pager -o cat -p info..info 2>&1)
{ echo "--- -p warning"; echo "$warnings"; echo "--- -p info..info"; echo "$infos"; } > "$OUT/journal-priorities.txt"
if grep -q 'reload refused' <<<"$errors" && grep -q 'metrics' <<<"$exact_warning" &&
   grep -q 'reload: reading' <<<"$infos" && ! grep -q 'reload: reading' <<<"$warnings" &&
   ! grep -q '^<[0-7]>' <<<"$warnings$infos"; then
  passed "journalctl -p: the refusal is an error, the metrics address a warning, 'reload: reading' info only"
else
  failed "journal priorities" "see $OUT/journal-priorities.txt"
fi

# ---- reload with a valid config: applied in place ---------------------------
# Down to SMALL services: the rest of the test stops and kills lvsd, and the
# ExecStopPost cleanup parses the config too; in UML under load 150 services
# take seconds to parse, which would blur the takeover times measured below.
SMALL=10
SERVICES=$SMALL config 100 lvs0 10.0.0.1 /run/lvsd/lvsd.sock services > "$CONF"
since=$(now)
systemctl reload lvsd
reload_rc=$?
small_ipvs() { [ "$(services_in_ipvs)" -eq "$SMALL" ]; }
wait_for 30 small_ipvs
if [ $reload_rc -eq 0 ] && small_ipvs && [ "$(prop MainPID)" = "$main_pid" ] && [ "$(prop ActiveState)" = active ] &&
   main_vip && [ -z "$(journal_since "$since" | grep 'reload refused')" ]; then
  passed "systemctl reload with a valid config: applied in place (IPVS $SERVICES -> $SMALL services, same pid, still MASTER)"
else
  failed "valid reload" "reload rc $reload_rc, IPVS $(services_in_ipvs) services (want $SMALL), pid $(prop MainPID) (was $main_pid), $(prop ActiveState)"
fi
SERVICES=$SMALL

# ---- systemctl stop releases the VIP with priority 0 -----------------------
# Times come from the journal (when journald received each line, on the
# monotonic clock), not from polling: a poll in UML under load is coarse.
since=$(now)
t_stop=$(now)
systemctl stop lvsd
t_stopped=$(now)
vip_left=$(main_vip && echo yes || echo no)
wait_for 30 peer_vip
t_resign=$(journal_at lvsd "$since" 'VI_1: MASTER -> INIT')
t_peer=$(journal_at lvsd-peer "$since" 'VI_1: BACKUP -> MASTER')
took=$(elapsed "$t_resign" "$t_peer")
note "systemctl stop took $(elapsed "$t_stop" "$t_stopped") s; the peer became MASTER $took s after lvsd resigned"
stop_log=$(journal_since "$since")
if [ "$vip_left" = no ] && [ -n "$t_resign" ] && [ -n "$t_peer" ] && less "$took" "$TAKEOVER_BOUND" &&
   ! grep -q 'cleanup:' <<<"$stop_log"; then
  passed "systemctl stop: VIP gone from lvs0 when it returns, the peer MASTER $took s after the resignation (priority 0: Skew_Time $SKEW s; without: >= $NATURAL s); ExecStopPost cleanup had nothing to do"
else
  failed "systemctl stop releases the VIP" "VIP left on lvs0: $vip_left, peer MASTER ${took:-never} s after the resignation (bound $TAKEOVER_BOUND s, without priority 0 >= $NATURAL s); journal:
$stop_log"
fi

# ---- watchdog: a frozen loop is killed, cleaned up, restarted ---------------
systemctl start lvsd
wait_for 60 master_here ||
  failed "lvsd.service is MASTER again before the watchdog check" "VIP on lvs0: $(main_vip && echo yes || echo no)"
frozen_pid=$(prop MainPID)
if ! [ "$frozen_pid" -gt 1 ] 2>/dev/null; then  # never `kill -STOP 0`: that would freeze this script
  failed "watchdog, cleanup, restart" "lvsd.service has no main process to freeze (MainPID=$frozen_pid)"
  systemctl stop lvsd lvsd-peer
  exit 0
fi
since=$(now)
t_freeze=$(now)
kill -STOP "$frozen_pid"
wait_for 60 peer_vip
wait_for 60 restarted
wd_log=$(journal_since "$since")
echo "$wd_log" > "$OUT/journal-watchdog.txt"
new_pid=$(prop MainPID)
t_watchdog=$(journal_at lvsd "$since" 'Watchdog timeout')
t_advert=$(journal_at lvsd "$since" 'cleanup: vrrp_instance VI_1: was MASTER; sent a priority-0 advert')
t_peer=$(journal_at lvsd-peer "$since" 'VI_1: BACKUP -> MASTER')
took=$(elapsed "$t_advert" "$t_peer")
after_freeze=$(elapsed "$t_freeze" "$t_peer")
note "froze pid $frozen_pid; systemd's watchdog fired $(elapsed "$t_freeze" "$t_watchdog") s later, the cleanup's advert $(elapsed "$t_freeze" "$t_advert") s; the peer became MASTER $took s after the advert, $after_freeze s after the freeze; restarted as pid $new_pid"
if [ -n "$t_watchdog" ] && grep -q "Failed with result 'watchdog'" <<<"$wd_log"; then
  passed "WatchdogSec: systemd kills the frozen loop ($(elapsed "$t_freeze" "$t_watchdog") s after SIGSTOP)"
else
  failed "watchdog kills the frozen loop" "no watchdog timeout in the journal (see $OUT/journal-watchdog.txt)"
fi
if [ -n "$t_advert" ] && grep -q "cleanup: removed virtual address $VIP" <<<"$wd_log" && [ -n "$t_peer" ] &&
   less "$took" "$TAKEOVER_BOUND" && less "$after_freeze" "$NATURAL"; then
  passed "ExecStopPost=lvsd --cleanup: priority-0 advert, VIP removed; the peer MASTER $took s after that advert, $after_freeze s after the freeze (without it: >= $NATURAL s)"
else
  failed "ExecStopPost cleanup hands the VIP over" "cleanup advert at ${t_advert:-never}, peer MASTER ${took:-?} s after it (bound $TAKEOVER_BOUND s), $after_freeze s after the freeze (bound $NATURAL s); see $OUT/journal-watchdog.txt"
fi
if [ "$(prop NRestarts)" -ge 1 ] && [ "$(prop ActiveState)" = active ] && [ "$new_pid" != "$frozen_pid" ] &&
   [ "$new_pid" != 0 ] && lvsctl status > /dev/null 2>&1 && [ "$(services_in_ipvs)" -eq "$SERVICES" ]; then
  passed "Restart=on-failure: lvsd is back (pid $new_pid, NRestarts=$(prop NRestarts)) with its $SERVICES services"
else
  failed "Restart=on-failure" "NRestarts=$(prop NRestarts), $(prop ActiveState), pid $new_pid"
fi
kill -CONT "$frozen_pid" 2>/dev/null
systemctl stop lvsd lvsd-peer
journalctl -u lvsd -u lvsd-peer --no-pager -o short-monotonic > "$OUT/journal-lvsd.txt" 2>&1
exit 0
