#!/bin/bash
# The seed scenario (../shared/seeds/002: an LVS-DR pair with VRRP in front of
# web and Redis servers), run on a kernel that has IPVS: inside the UML kernel
# that scripts/demo boots, or inside the kernel tier's UML (tests/e2e).
#
# usage: scenario.sh --mode lvsd|keepalived [--bin DIR | --lvsd PATH --lvsctl PATH] [--quiet]
#                    [--results FILE] [--logs DIR]
#   --bin DIR      a build directory with lvsd and lvsctl (DIR, DIR/daemon, DIR/cli)
#   --quiet        no narration (the e2e test); the checks run all the same
#   --results FILE one line per check and per measured time, for tests:
#                    check NAME ok|FAILED DETAIL
#                    time NAME MEASURED_MS BOUND_MS
#                    feature NAME yes|no   (the lvsd features the lvsd story needs:
#                    realserver, control, cleanup, restart; a missing one fails its step)
#   --logs DIR     copy the daemons' and the client's logs there at the end
# Exit status: 0 only if every step behaved as narrated.
#
# Everything lives in network namespaces on one bridge of this kernel:
#   client 192.168.152.10, lvs1 .128 (MASTER 100), lvs2 .135 (BACKUP 50),
#   web1 .133, web2 .134 (busybox httpd), redis1 .141 (master), redis2 .142
#   (replica); VIP 192.168.152.100 on the master's eth0 as eth0:2.
set -u

DEMO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODE="" BIN="" LVSD="" LVSCTL="" QUIET=0 RESULTS=/dev/null LOGS=
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) MODE=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --lvsd) LVSD=$2; shift 2 ;;
    --lvsctl) LVSCTL=$2; shift 2 ;;
    --quiet) QUIET=1; shift ;;
    --results) RESULTS=$2; shift 2 ;;
    --logs) LOGS=$2; shift 2 ;;
    *) echo "scenario: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$MODE" in lvsd|keepalived) ;; *) echo "scenario: --mode lvsd|keepalived is required" >&2; exit 2 ;; esac

VIP=192.168.152.100
declare -A ADDR=([client]=192.168.152.10 [lvs1]=192.168.152.128 [lvs2]=192.168.152.135
                 [web1]=192.168.152.133 [web2]=192.168.152.134 [redis1]=192.168.152.141 [redis2]=192.168.152.142)
HOSTS="client lvs1 lvs2 web1 web2 redis1 redis2"
BRIDGE=demo-br0
WORK=${LVSD_DEMO_WORK:-${TMPDIR:-/tmp}/lvsd-demo}   # LVSD_DEMO_WORK: keep the files somewhere else
# A measured time may exceed its bound by this much and still pass (it is
# shown as over): pool changes are polled every 50 ms and each poll forks
# processes; VRRP changes come from the kernel's timestamped address events,
# but count from a moment the story can only see after the fact; and UML runs
# every process slowly (other kernel-tier tests allow 1.5 s the same way).
SLACK_MS=1000

# Configured bounds (demo/configs): VRRP advert_int 1 s.
# Master_Down_Interval = 3 x advert_int + (256 - priority) / 256 s (RFC 3768 section 6.1).
FAILOVER_BOUND_MS=$((3000 + (256 - 50) * 1000 / 256))   # lvs2 (priority 50) takes over
PREEMPT_BOUND_MS=$((3000 + (256 - 100) * 1000 / 256))   # lvs1 (priority 100) takes back
# Web HTTP_GET: delay_loop 2 s, connect_timeout 1 s, retry 1, delay_before_retry 1 s.
EJECT_BOUND_MS=$((2000 + 2 * 1000 + 1000))
if [ "$MODE" = lvsd ]; then
  # rise 1: the first successful check re-adds it.
  READD_BOUND_MS=$((2000 + 1000)) READD_BOUND_TEXT="delay_loop + connect_timeout"
else
  # keepalived re-adds a failed server after retry + 1 successful checks, one
  # delay_loop apart (its log shows them).
  READD_BOUND_MS=$((2 * 2000 + 1000)) READD_BOUND_TEXT="(retry + 1) x delay_loop + connect_timeout"
fi
# Redis check: delay_loop 1 s, then REDIS_CHECK connect_timeout 1 s (lvsd) or
# MISC_CHECK misc_timeout 2 s (keepalived; 1 s is too short for a script in UML).
if [ "$MODE" = lvsd ]; then
  REDIS_BOUND_MS=$((1000 + 1000)) REDIS_BOUND_TEXT="delay_loop + connect_timeout"
else
  REDIS_BOUND_MS=$((1000 + 2000)) REDIS_BOUND_TEXT="delay_loop + misc_timeout"
fi

# ---------------------------------------------------------------- output

: > "$RESULTS"
FAILED_CHECKS=()
CHECKS=0
STEP=0
say() { [ $QUIET -eq 1 ] || printf "%s\n" "$@"; }
step() {
  STEP=$((STEP + 1))
  echo "step $STEP at $((SECONDS))s $1" >> "$RESULTS"
  [ $QUIET -eq 1 ] || printf '\n== %d. %s ==\n' "$STEP" "$1"
}
# show HOST COMMAND: prints the command as typed on HOST, then its output
# (narration only: nothing runs with --quiet).
show() {
  [ $QUIET -eq 1 ] && return 0
  local host=$1; shift
  printf '  [%s]# %s\n' "$host" "$*"
  ip netns exec "$host" sh -c "$*" 2>&1 | sed 's/^/    /'
}
# act HOST COMMAND: runs a step's command on HOST (also with --quiet) and shows
# it like `show`; returns its exit status.
act() {
  local host=$1 rc; shift
  [ $QUIET -eq 1 ] || printf '  [%s]# %s\n' "$host" "$*"
  ip netns exec "$host" sh -c "$*" > "$WORK/act.out" 2>&1
  rc=$?
  [ $QUIET -eq 1 ] || sed 's/^/    /' "$WORK/act.out"
  return $rc
}
# check NAME OK? DETAIL: records a step's verdict.
check() {
  local name=$1 ok=$2 detail=$3
  CHECKS=$((CHECKS + 1))
  if [ "$ok" = 1 ]; then
    echo "check $name ok $detail" >> "$RESULTS"
    [ $QUIET -eq 1 ] || echo "  ok: $detail"
  else
    echo "check $name FAILED $detail" >> "$RESULTS"
    echo "  FAILED ($name): $detail"
    FAILED_CHECKS+=("$name: $detail")
  fi
}
declare -a TABLE=()
# timed NAME WHAT MEASURED_MS BOUND_MS BOUND_TEXT: a measured time against its bound.
timed() {
  local name=$1 what=$2 measured=$3 bound=$4 text=$5
  local verdict=ok
  if [ "$measured" -lt 0 ] || [ "$measured" -gt $((bound + SLACK_MS)) ]; then
    verdict=FAILED
  elif [ "$measured" -gt "$bound" ]; then
    verdict="ok, $(ms $((measured - bound))) over"
  fi
  echo "time $name $measured $bound" >> "$RESULTS"
  TABLE+=("$what|$(ms "$measured")|$(ms "$bound")|$verdict|$text")
  check "$name" $([ "$verdict" = FAILED ] && echo 0 || echo 1) "$what: $(ms "$measured") (bound $(ms "$bound"))"
}
ms() { if [ "$1" -lt 0 ]; then echo "never"; else printf '%d.%02d s' $(($1 / 1000)) $(($1 % 1000 / 10)); fi; }
now() { NOW=$((${EPOCHREALTIME/./} / 1000)); }

abort() {
  echo "scenario: $*" >&2
  echo "check setup FAILED $*" >> "$RESULTS"
  exit 1
}

# ---------------------------------------------------------------- processes

declare -A PID=()
# start NAME HOST COMMAND...: a background process in HOST, output in WORK/NAME.log.
start() {
  local name=$1 host=$2; shift 2
  ip netns exec "$host" "$@" >> "$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  # Not a job of this shell: no "Killed" notice when a step kills it.
  disown "$!"
}
# stop NAME [SIGNAL]: signals the process and waits (up to 5 s) until it is gone.
stop() {
  local name=$1 sig=${2:-TERM} pid=${PID[$1]:-} i
  [ -n "$pid" ] || return 0
  kill -"$sig" "$pid" 2>/dev/null
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  unset "PID[$name]"
}
cleanup() {
  local name
  if [ -n "$LOGS" ] && [ "${STORY_STARTED:-0}" = 1 ]; then
    mkdir -p "$LOGS" && cp -r "$WORK"/*.log "$WORK"/lvs1 "$WORK"/lvs2 "$LOGS"/ 2>/dev/null
  fi
  for name in "${!PID[@]}"; do stop "$name" KILL; done
  keepalived_kill lvs1 KILL; keepalived_kill lvs2 KILL
  for h in $HOSTS; do ip netns del "$h" 2>/dev/null; done
  ip link del "$BRIDGE" 2>/dev/null
}
trap cleanup EXIT

# wait_until MS COMMAND...: runs COMMAND every 50 ms until it succeeds or MS pass.
wait_until() {
  now; local deadline=$((NOW + $1)); shift
  until "$@"; do
    now; [ $NOW -ge $deadline ] && return 1
    sleep 0.05
  done
}
# elapsed_until T0 MS COMMAND...: ms from T0 until COMMAND succeeded, or -1.
elapsed_until() {
  local t0=$1 limit=$2; shift 2
  if wait_until "$limit" "$@"; then now; ELAPSED=$((NOW - t0)); else ELAPSED=-1; fi
}

has_lo_vip() { ip -n "$1" -4 -o addr show dev lo 2>/dev/null | grep -q " $VIP/32"; }
has_vip() { ip -n "$1" -4 -o addr show dev eth0 2>/dev/null | grep -q " $VIP/"; }
# vip_events HOST FROM_MS TO_MS: "<ms> added|deleted" for each change of the VIP on HOST.
vip_events() { python3 "$DEMO_DIR/probe.py" vip-events "$WORK/monitor-$1.log" $VIP "$2" "$3"; }
# vip_event_ms HOST added|deleted first|last FROM_MS TO_MS: when that change
# happened (waits up to about 1 s for the monitor's line); empty if it did not.
vip_event_ms() {
  local host=$1 kind=$2 which=$3 from=$4 to=$5 found="" i
  for i in 1 2 3 4; do
    found=$(vip_events "$host" "$from" "$to" | awk -v k="$kind" -v w="$which" '$2 == k { t = $1; if (w == "first") { print t; exit } } END { if (w == "last" && t != "") print t }')
    [ -n "$found" ] && break
    sleep 0.2
  done
  echo "$found"
}
vip_holders() { local h out=""; for h in lvs1 lvs2; do has_vip $h && out+=" $h"; done; echo "${out:- nobody}" | cut -c2-; }
only_on() { local other=lvs2; [ "$1" = lvs2 ] && other=lvs1; has_vip "$1" && ! has_vip $other; }
# in_pool DIRECTOR PORT HOST: HOST is a destination of VIP:PORT in DIRECTOR's IPVS table.
in_pool() { ip netns exec "$1" ipvsadm -Ln -t "$VIP:$2" 2>/dev/null | grep -q "> ${ADDR[$3]}:$2 "; }
not_in_pool() { ! in_pool "$@"; }
pool() { ip netns exec "$1" ipvsadm -Ln -t "$VIP:$2" 2>/dev/null | awk '$1 == "->" && $2 ~ /^[0-9]/ { split($2, a, ":"); print a[1] }' | tr '\n' ' '; }

# ---------------------------------------------------------------- the directors

find_binaries() {
  local d
  for d in "$BIN" "$BIN/daemon" "$BIN/cli"; do
    [ -x "$d/lvsd" ] && [ -z "$LVSD" ] && LVSD=$d/lvsd
    [ -x "$d/lvsctl" ] && [ -z "$LVSCTL" ] && LVSCTL=$d/lvsctl
  done
  [ -x "$LVSD" ] && [ -x "$LVSCTL" ] || abort "lvsd and lvsctl not found (--bin '$BIN', --lvsd '$LVSD', --lvsctl '$LVSCTL')"
  # The narration shows plain `lvsd` and `lvsctl` commands.
  export PATH="$(dirname "$LVSD"):$(dirname "$LVSCTL"):$PATH"
}

render() {  # render TEMPLATE NODE STATE PRIORITY > FILE
  sed -e "s|@NODE@|$2|g" -e "s|@STATE@|$3|g" -e "s|@PRIORITY@|$4|g" \
      -e "s|@DEMO@|$DEMO_DIR|g" -e "s|@RUN@|$WORK/$2|g" "$DEMO_DIR/configs/$1"
}
node_state() { [ "$1" = lvs1 ] && echo MASTER || echo BACKUP; }
node_priority() { [ "$1" = lvs1 ] && echo 100 || echo 50; }

write_configs() {
  local node
  for node in lvs1 lvs2; do
    mkdir -p "$WORK/$node"
    render keepalived.conf.in $node "$(node_state $node)" "$(node_priority $node)" > "$WORK/$node/keepalived.conf"
    render lvsd.yaml.in $node "$(node_state $node)" "$(node_priority $node)" > "$WORK/$node/lvsd.yaml"
  done
}
config_of() { [ $MODE = lvsd ] && echo "$WORK/$1/lvsd.yaml" || echo "$WORK/$1/keepalived.conf"; }

keepalived_kill() {  # keepalived_kill NODE SIGNAL: the parent and its two children, by their pid files
  local f pid
  for f in keepalived.pid vrrp.pid checkers.pid; do
    pid=$(cat "$WORK/$1/$f" 2>/dev/null) && [ -n "$pid" ] && kill -"$2" "$pid" 2>/dev/null
  done
  true
}
start_director() {
  local node=$1
  if [ $MODE = lvsd ]; then
    start "$node" "$node" "$LVSD" -f "$WORK/$node/lvsd.yaml" --state-file "$WORK/$node/owned"
  else
    rm -f "$WORK/$node"/*.pid
    start "$node" "$node" keepalived -n -l -D -f "$WORK/$node/keepalived.conf" \
      -p "$WORK/$node/keepalived.pid" -r "$WORK/$node/vrrp.pid" -c "$WORK/$node/checkers.pid"
  fi
}
# kill_director NODE: as if it crashed (kill -9), then what systemd runs after a crash.
kill_director() {
  local node=$1
  if [ $MODE = lvsd ]; then
    stop "$node" KILL
  else
    keepalived_kill "$node" KILL
    stop "$node" KILL
  fi
}
director_log() { echo "$WORK/$1.log"; }
log_lines() { wc -l < "$(director_log "$1")"; }
# new_log_lines NODE FROM PATTERN: log lines after line FROM that match PATTERN.
new_log_lines() { tail -n +"$(($2 + 1))" "$(director_log "$1")" | grep -E "$3" | head -n 6; }

# ---------------------------------------------------------------- preflight

[ "$(id -u)" -eq 0 ] || abort "needs root (it builds network namespaces)"
[ -e /proc/net/ip_vs ] || abort "this kernel has no IPVS (/proc/net/ip_vs is missing): run scripts/demo, which boots a UML kernel that has it"
for tool in ip ipvsadm busybox curl redis-server redis-cli python3; do
  command -v $tool > /dev/null || abort "$tool is missing"
done
if [ $MODE = lvsd ]; then
  find_binaries
else
  command -v keepalived > /dev/null || abort "keepalived is missing"
fi
cleanup
rm -rf "$WORK" && mkdir -p "$WORK" || abort "cannot create $WORK"
trap cleanup EXIT
write_configs
STORY_STARTED=1

# ---------------------------------------------------------------- 1. topology

step "One Ethernet segment, as in the seed notes"
ip link add "$BRIDGE" type bridge && ip link set "$BRIDGE" up || abort "cannot create bridge $BRIDGE"
for h in $HOSTS; do
  ip netns add "$h" || abort "cannot create namespace $h"
  ip link add "veth-$h" type veth peer name eth0 netns "$h" || abort "cannot create veth for $h"
  ip link set "veth-$h" master "$BRIDGE" up
  ip -n "$h" link set lo up
  ip -n "$h" addr add "${ADDR[$h]}/24" dev eth0
  ip -n "$h" link set eth0 up
done
say "Seven hosts (network namespaces inside this kernel) on one bridge:" \
    "  client ${ADDR[client]}   lvs1 ${ADDR[lvs1]} (MASTER, priority 100)   lvs2 ${ADDR[lvs2]} (BACKUP, priority 50)" \
    "  web1 ${ADDR[web1]}   web2 ${ADDR[web2]}   redis1 ${ADDR[redis1]} (master)   redis2 ${ADDR[redis2]} (replica)" \
    "The directors share the VIP $VIP. Real servers answer clients directly (LVS-DR)."
# The kernel's own record of every address change on the directors, with
# microsecond timestamps: VRRP times are measured from these, not from polls.
for h in lvs1 lvs2; do start "monitor-$h" $h ip -ts monitor address; done

# ---------------------------------------------------------------- 2. real servers

step "Real servers: DR set-up, two web servers and a Redis master/replica pair"
# By hand, as the seed does: the VIP on lo with a /32, and no ARP for it.
realserver_by_hand() {
  ip netns exec "$1" sh -c "ip addr add $VIP/32 dev lo label lo:2 &&
    for i in all eth0; do echo 1 > /proc/sys/net/ipv4/conf/\$i/arp_ignore; echo 2 > /proc/sys/net/ipv4/conf/\$i/arp_announce; done"
}
if [ $MODE = lvsd ]; then
  say "Each real server gets the VIP on lo and stops answering ARP for it, with one command:"
  REALSERVER_HOW="lvsctl realserver up"
  rs_failed=""
  for h in web1 web2 redis1 redis2; do
    if [ $h = web1 ]; then
      act web1 "lvsctl realserver up --vip $VIP" || rs_failed+=" web1: $(tr '\n' ' ' < "$WORK/act.out")"
    else
      ip netns exec "$h" "$LVSCTL" realserver up --vip $VIP > "$WORK/$h-realserver.log" 2>&1 ||
        rs_failed+=" $h: $(tr '\n' ' ' < "$WORK/$h-realserver.log")"
    fi
  done
  if [ -n "$rs_failed" ]; then
    # The step fails; the story goes on with the seed's commands.
    echo "feature realserver no" >> "$RESULTS"
    check realserver_up 0 "lvsctl realserver up failed on$rs_failed"
    for h in web1 web2 redis1 redis2; do has_lo_vip $h || realserver_by_hand $h; done
  else
    echo "feature realserver yes" >> "$RESULTS"
  fi
else
  for h in web1 web2 redis1 redis2; do realserver_by_hand $h || abort "DR set-up failed on $h"; done
  say "Each real server gets the VIP on lo (/32) and arp_ignore=1, arp_announce=2, by hand as in the seed:"
  REALSERVER_HOW="by hand"
fi
show web1 "ip -4 addr show dev lo; sysctl net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce"
realserver_ok=1
for h in web1 web2 redis1 redis2; do
  { has_lo_vip $h &&
    [ "$(ip netns exec $h cat /proc/sys/net/ipv4/conf/all/arp_ignore)" = 1 ] &&
    [ "$(ip netns exec $h cat /proc/sys/net/ipv4/conf/all/arp_announce)" = 2 ]; } || realserver_ok=0
done
check realservers $realserver_ok "VIP on lo with arp_ignore=1/arp_announce=2 on web1, web2, redis1, redis2 ($REALSERVER_HOW)"

for h in web1 web2; do
  mkdir -p "$WORK/www-$h"
  echo "$h" > "$WORK/www-$h/index.html"
  start "httpd-$h" $h busybox httpd -f -p 80 -h "$WORK/www-$h"
  start "httpd8080-$h" $h busybox httpd -f -p 8080 -h "$WORK/www-$h"
done
for h in redis1 redis2; do
  mkdir -p "$WORK/$h"
  extra=()
  [ $h = redis2 ] && extra=(--replicaof "${ADDR[redis1]}" 6379)
  start "redis-$h" $h redis-server --bind 0.0.0.0 --port 6379 --protected-mode no --save "" --appendonly no \
    --dir "$WORK/$h" --daemonize no "${extra[@]}"
done
servers_up() {
  local h
  for h in web1 web2; do ip netns exec client curl -s -m 1 -o /dev/null "http://${ADDR[$h]}/" || return 1; done
  for h in web1 web2; do ip netns exec client curl -s -m 1 -o /dev/null "http://${ADDR[$h]}:8080/" || return 1; done
  ip netns exec client redis-cli -h "${ADDR[redis2]}" info replication 2>/dev/null | grep -q 'master_link_status:up'
}
wait_until 15000 servers_up || abort "the real servers did not come up"
say "web1 and web2 run busybox httpd (ports 80 and 8080) serving their own name; redis2 replicates redis1."
show client "curl -s http://${ADDR[web1]}/; curl -s http://${ADDR[web2]}/"
show client "redis-cli -h ${ADDR[redis1]} role | head -1; redis-cli -h ${ADDR[redis2]} role | head -1"

# ---------------------------------------------------------------- 3. directors

if [ $MODE = lvsd ]; then
  step "lvsd on both directors"
  say "lvs1 and lvs2 run lvsd with the same file apart from state and priority ($DEMO_DIR/configs/lvsd.yaml.in):"
else
  step "keepalived 2.2.7 on both directors"
  say "lvs1 and lvs2 run keepalived with the seed's keepalived.conf, adapted ($DEMO_DIR/configs/keepalived.conf.in):"
fi
[ $QUIET -eq 1 ] || grep -v '^#' "$(config_of lvs1)" | sed -n '/./,$p' | head -n 40 | sed 's/^/    /'
[ $QUIET -eq 1 ] || echo "    ..."
for node in lvs1 lvs2; do
  # A finished connection leaves its entry in FIN_WAIT for tcpfin seconds (2
  # minutes by default), which keeps a persistence template alive that long.
  ip netns exec $node ipvsadm --set 900 1 300
  start_director $node
done
REDIS_MASTER=redis1 REDIS_REPLICA=redis2
# pools_are NODE EXPECTED: NODE's IPVS table is exactly EXPECTED (one ipvsadm run).
pools_are() {
  [ "$(ip netns exec "$1" ipvsadm -Ln 2>/dev/null | awk '$1 == "TCP" { vs = $2 } $1 == "->" && $2 ~ /^[0-9]/ { print vs, $2 }' | sort | tr '\n' ' ')" = "$2" ]
}
directors_ready() {
  local want
  want=$(for p in 80 8080; do for h in web1 web2; do echo "$VIP:$p ${ADDR[$h]}:$p"; done; done
         echo "$VIP:6379 ${ADDR[$REDIS_MASTER]}:6379")
  want=$(sort <<< "$want" | tr '\n' ' ')
  only_on lvs1 && pools_are lvs1 "$want" && pools_are lvs2 "$want"
}
if ! wait_until 15000 directors_ready; then
  check directors 0 "directors not ready in 15 s: VIP on $(vip_holders); lvs1 pools: web [$(pool lvs1 80)] redis [$(pool lvs1 6379)]; log: $(tail -n 5 "$(director_log lvs1)" | tr '\n' ' ')"
  exit 1
fi
check directors 1 "lvs1 holds the VIP; both directors list web1+web2 (80, 8080) and only redis1 (6379)"
show lvs1 "ip -4 addr show dev eth0"
# control_available: lvsd on lvs1 answers on its control socket.
control_available() { ip netns exec lvs1 "$LVSCTL" --socket "$WORK/lvs1/lvsd.sock" status > /dev/null 2>&1; }
if [ $MODE = lvsd ]; then
  say "lvsctl status: the VRRP instance and each virtual server with its real servers:"
  act lvs1 "lvsctl --socket $WORK/lvs1/lvsd.sock status"
  status_rc=$?
  echo "feature control $([ $status_rc = 0 ] && echo yes || echo no)" >> "$RESULTS"
  # The VRRP row of VI_1 says MASTER; web1's row says it is up.
  status_ok=0
  [ $status_rc = 0 ] && grep -Eq '^ *VI_1 .* MASTER ' "$WORK/act.out" &&
    grep -Eq "^ *${ADDR[web1]}:80 .* up " "$WORK/act.out" && status_ok=1
  check status_shows_master $status_ok "lvsctl status on lvs1 (exit $status_rc) shows VI_1 as MASTER and web1 up$([ $status_ok = 1 ] || echo "; it printed: $(head -n 2 "$WORK/act.out" | tr '\n' ' ')")"
  say "lvsctl list prints the kernel table as ipvsadm -Ln does:"
  show lvs1 "lvsctl list"
else
  show lvs1 "ipvsadm -Ln"
fi

# ---------------------------------------------------------------- 4. rr

step "The client asks the VIP; rr alternates between the web servers"
show client "for i in 1 2 3 4; do curl -s http://$VIP/; done"
answers=$(ip netns exec client sh -c "for i in 1 2 3 4 5 6; do curl -s -m 2 http://$VIP/ || echo FAILED; done" | tr '\n' ' ')
alternating=1
set -- $answers
[ $# -eq 6 ] || alternating=0
prev=""
for a in "$@"; do
  case "$a" in web1|web2) ;; *) alternating=0 ;; esac
  [ "$a" = "$prev" ] && alternating=0
  prev=$a
done
check rr $alternating "6 requests through the VIP answered, alternating: $answers"

# ---------------------------------------------------------------- 5. persistence

step "Sticky sessions: persistence_timeout 3 on port 8080"
say "Port 8080 is the same pair with persistence: one client stays on one server for the timeout."
sticky=$(ip netns exec client sh -c "for i in 1 2 3 4 5 6 7 8; do curl -s -m 2 http://$VIP:8080/ || echo FAILED; sleep 0.2; done" | tr '\n' ' ')
set -- $sticky
first=$1
same=1
[ $# -eq 8 ] || same=0
for a in "$@"; do [ "$a" = "$first" ] && [ "$first" != FAILED ] || same=0; done
say "lvs1 keeps a persistence template (source port 0) next to the connections:"
show lvs1 "ipvsadm -Lnc"
check persistence_sticky $same "8 requests over 1.6 s from the client all went to one server: $sticky"
now; t0=$NOW
# A persistence template is the entry whose client port is 0.
no_template() { ! ip netns exec lvs1 ipvsadm -Lnc | awk '$4 ~ /:0$/ && $5 ~ /:8080$/ { found = 1 } END { exit !found }'; }
elapsed_until $t0 10000 no_template
expired_after=$ELAPSED
next=$(ip netns exec client curl -s -m 2 "http://$VIP:8080/")
say "After the template expired ($(ms $expired_after) after the last request), the next request is scheduled again:"
show client "curl -s http://$VIP:8080/"
moved=0
[ "$expired_after" -ge 0 ] && [ "$expired_after" -le 6000 ] && case "$next" in web1|web2) [ "$next" != "$first" ] && moved=1 ;; esac
check persistence_expiry $moved "template gone $(ms $expired_after) after the last request (timeout 3 s); next request went to $next (was $first)"

# ---------------------------------------------------------------- client probes

PROBE_HTTP=$WORK/probe-http.log PROBE_REDIS=$WORK/probe-redis.log
: > "$PROBE_HTTP"; : > "$PROBE_REDIS"
start probe-http client python3 "$DEMO_DIR/probe.py" http $VIP 80 "$PROBE_HTTP" --interval 0.05 --timeout 0.5
start probe-redis client python3 "$DEMO_DIR/probe.py" redis $VIP 6379 "$PROBE_REDIS" --interval 0.1 --timeout 0.5
# answering_after LOG T: the probe got an answer to a request started after T.
answering_after() { awk -v t="$2" '$1 > t && $2 == "ok" { found = 1 } END { exit !found }' "$1"; }
now
wait_until 10000 answering_after "$PROBE_HTTP" $NOW && wait_until 10000 answering_after "$PROBE_REDIS" $NOW ||
  abort "the client probes got no answer through the VIP"
# outage LOG FROM TO: the probe's summary between two times (see probe.py).
outage() { python3 "$DEMO_DIR/probe.py" outage "$@"; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<< "$2"; }
say "" "From now on the client sends a web request every 50 ms, and every 100 ms an INCR demo:counter to" \
    "the Redis VIP on a new connection, as \`redis-cli -h $VIP INCR demo:counter\` does (demo/probe.py)." \
    "It logs every answer and failure."

# ---------------------------------------------------------------- 6. web server stops

step "web1 stops: it leaves the pool, then comes back"
from=$(log_lines lvs1)
now; t0=$NOW
stop httpd-web1
say "httpd on web1 stopped. The health check of lvs1 notices:"
elapsed_until $t0 $((EJECT_BOUND_MS + 5000)) not_in_pool lvs1 80 web1
eject_ms=$ELAPSED
now; t_ejected=$NOW
[ $QUIET -eq 1 ] || new_log_lines lvs1 "$from" "${ADDR[web1]}" | sed 's/^/    log: /'
[ $MODE = lvsd ] && show lvs1 "lvsctl list" || show lvs1 "ipvsadm -Ln -t $VIP:80"
timed ejection "web1 stops -> leaves the pool" "$eject_ms" $EJECT_BOUND_MS "delay_loop + 2 x connect_timeout + delay_before_retry"
sleep 1
now; t_mid=$NOW
o=$(outage "$PROBE_HTTP" "$t_ejected" "$t_mid")
check web2_serves $([ "$(field answers "$o")" = web2 ] && echo 1 || echo 0) \
  "after the ejection only web2 answers ($(field requests "$o") requests, $(field failed "$o") failed)"
from=$(log_lines lvs1)
now; t1=$NOW
start httpd-web1 web1 busybox httpd -f -p 80 -h "$WORK/www-web1"
elapsed_until $t1 $((READD_BOUND_MS + 5000)) in_pool lvs1 80 web1
readd_ms=$ELAPSED
say "httpd on web1 started again:"
[ $QUIET -eq 1 ] || new_log_lines lvs1 "$from" "${ADDR[web1]}" | sed 's/^/    log: /'
timed readd "web1 returns -> back in the pool" "$readd_ms" $READD_BOUND_MS "$READD_BOUND_TEXT"
o=$(outage "$PROBE_HTTP" "$t0" "$t1")
say "From web1's stop to its return, $(field failed "$o") of $(field requests "$o") requests failed: those rr sent to web1" \
    "before the check took it out (connection refused)."

# ---------------------------------------------------------------- 7. Redis switch

step "Redis: the replica is promoted, the master demoted; the Redis VIP follows"
say "As Sentinel would: REPLICAOF NO ONE on redis2, then REPLICAOF redis2 on redis1."
now; t0=$NOW
before=$(awk '$2 == "ok" { v = $3 } END { print v }' "$PROBE_REDIS")
act client "redis-cli -h ${ADDR[redis2]} replicaof no one; redis-cli -h ${ADDR[redis1]} replicaof ${ADDR[redis2]} 6379"
now; t_switched=$NOW
redis_followed() { in_pool lvs1 6379 redis2 && not_in_pool lvs1 6379 redis1; }
elapsed_until $t_switched $((REDIS_BOUND_MS + 5000)) redis_followed
redis_ms=$ELAPSED
timed redis_switch "Redis master moves -> VIP follows" "$redis_ms" $REDIS_BOUND_MS "$REDIS_BOUND_TEXT"
REDIS_MASTER=redis2 REDIS_REPLICA=redis1
[ $MODE = lvsd ] && show lvs1 "lvsctl list" || show lvs1 "ipvsadm -Ln -t $VIP:6379"
sleep 1
now; t1=$NOW
o=$(outage "$PROBE_REDIS" "$t0" "$t1")
after=$(awk '$2 == "ok" { v = $3 } END { print v }' "$PROBE_REDIS")
say "The client kept writing: demo:counter went from $before to $after;" \
    "$(field failed "$o") of $(field requests "$o") writes failed while redis1 was a replica and still in the pool."
show client "redis-cli -h $VIP role | head -n 1; redis-cli -h $VIP incr demo:counter"
role=$(ip netns exec client redis-cli -h $VIP role 2>/dev/null | head -n 1)
ok=0
[ "$role" = master ] && [ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ] && answering_after "$PROBE_REDIS" "$t_switched" && ok=1
check redis_writes $ok "the VIP reaches a master ($role); the counter kept growing ($before -> $after)"

# ---------------------------------------------------------------- 8. lvs1 dies

step "lvs1 dies: its link goes down, then its $MODE is killed"
now; t0=$NOW
ip link set veth-lvs1 down
elapsed_until $t0 $((FAILOVER_BOUND_MS + 5000)) has_vip lvs2
failover_ms=$ELAPSED
now; t_vip=$NOW
if [ "$failover_ms" -ge 0 ]; then
  added=$(vip_event_ms lvs2 added first "$t0" "$t_vip")
  [ -n "$added" ] && failover_ms=$((added - t0))
fi
wait_until 5000 answering_after "$PROBE_HTTP" $t_vip
sleep 0.5
now; t1=$NOW
say "lvs1's cable is pulled. lvs2 stops hearing adverts and takes the VIP:"
show lvs2 "ip -4 addr show dev eth0"
[ $QUIET -eq 1 ] || tail -n +1 "$(director_log lvs2)" | grep -E 'VI_1.*MASTER' | tail -n 2 | sed 's/^/    log: /'
timed failover "lvs1 link down -> lvs2 holds the VIP" "$failover_ms" $FAILOVER_BOUND_MS "3 x advert_int + (256-50)/256 s"
o=$(outage "$PROBE_HTTP" "$t0" "$t1")
outage_ms=$(field outage_ms "$o")
TABLE+=("client outage (web requests)|$(ms "$outage_ms")|-|-|$(field failed "$o") of $(field requests "$o") requests failed")
echo "time client_outage $outage_ms 0" >> "$RESULTS"
check failover_answers $(answering_after "$PROBE_HTTP" $t_vip && echo 1 || echo 0) \
  "the client gets answers through lvs2 (outage $(ms "$outage_ms"), $(field failed "$o") failed requests)"
kill_director lvs1
if [ $MODE = lvsd ]; then
  say "lvsd on lvs1 is killed (kill -9); then what systemd runs after it (ExecStopPost):"
  vip_left=$(has_vip lvs1 && echo yes || echo no)
  act lvs1 "lvsd --cleanup -f $WORK/lvs1/lvsd.yaml --state-file $WORK/lvs1/owned"
  cleanup_rc=$?
  echo "feature cleanup $("$LVSD" --help 2>&1 | grep -q -- '--cleanup' && echo yes || echo no)" >> "$RESULTS"
  check cleanup $([ $cleanup_rc = 0 ] && ! has_vip lvs1 && echo 1 || echo 0) \
    "kill -9 left the VIP on lvs1: $vip_left; lvsd --cleanup (exit $cleanup_rc) removed it"
else
  say "keepalived on lvs1 is killed (kill -9)."
fi
say "Left behind on lvs1: the VIP: $(has_vip lvs1 && echo yes || echo no); IPVS services: $(ip netns exec lvs1 ipvsadm -Ln | grep -c '^TCP')."
show lvs1 "ip -4 addr show dev eth0 | grep $VIP; ipvsadm -Ln | head -n 5"

# ---------------------------------------------------------------- 9. lvs1 returns

step "lvs1 returns and takes the VIP back (preemption)"
ip link set veth-lvs1 up
from=$(log_lines lvs1)
if has_vip lvs1; then
  say "Its link is back. Until $MODE starts again on lvs1, the VIP it left behind makes two holders: $(vip_holders)."
fi
start_director lvs1
# The bound counts from the moment its VRRP runs: keepalived's VRRP child has
# written its pid file; lvsd has logged its first line (the times they wrote).
vrrp_running() {
  if [ $MODE = lvsd ]; then [ -s "$(director_log lvs1)" ] && [ "$(log_lines lvs1)" -gt "$from" ]; else [ -s "$WORK/lvs1/vrrp.pid" ]; fi
}
vrrp_started_ms() {
  local t
  if [ $MODE = lvsd ]; then
    # "2026-12-01 18:06:26.385 [info] lvsd starting: ..."
    t=$(tail -n +"$((from + 1))" "$(director_log lvs1)" | head -n 1 | cut -c1-23)
    date -d "$t" +%s%3N 2>/dev/null
  else
    stat -c %.3Y "$WORK/lvs1/vrrp.pid" 2>/dev/null | tr -d .
  fi
}
wait_until 10000 vrrp_running
now; t0=$NOW
started=$(vrrp_started_ms)
[ -n "$started" ] && [ "$started" -le "$t0" ] && t0=$started
# lvs1 may still hold a VIP left behind by the killed daemon: the moment that
# counts is when lvs1 holds it and lvs2 has let it go.
elapsed_until $t0 $((PREEMPT_BOUND_MS + 5000)) only_on lvs1
preempt_ms=$ELAPSED
now; t_back=$NOW
if [ "$preempt_ms" -ge 0 ]; then
  # The later of: lvs1 adds the VIP, lvs2 deletes it (either may have been so already).
  added=$(vip_event_ms lvs1 added last "$t0" "$t_back")
  deleted=$(vip_event_ms lvs2 deleted last "$t0" "$t_back")
  [ -n "$added$deleted" ] && preempt_ms=$(( $(printf '%s\n' "${added:-$t0}" "${deleted:-$t0}" | sort -n | tail -n 1) - t0 ))
fi
wait_until 5000 answering_after "$PROBE_HTTP" $t_back
sleep 0.5
now; t1=$NOW
show lvs1 "ip -4 addr show dev eth0 | grep $VIP"
[ $QUIET -eq 1 ] || tail -n +"$((from + 1))" "$(director_log lvs1)" | grep -E 'VI_1.*MASTER' | tail -n 1 | sed 's/^/    log: /'
timed preempt "lvs1's VRRP starts -> only lvs1 holds the VIP" "$preempt_ms" $PREEMPT_BOUND_MS "3 x advert_int + (256-100)/256 s"
check preempt_alone $(only_on lvs1 && echo 1 || echo 0) "after preemption only lvs1 holds the VIP"
o=$(outage "$PROBE_HTTP" "$t0" "$t1")
check preempt_answers $(answering_after "$PROBE_HTTP" $t_back && echo 1 || echo 0) \
  "the client gets answers through lvs1 again ($(field failed "$o") failed requests during preemption)"
wait_until 10000 directors_ready
check pools_after_return $(directors_ready && echo 1 || echo 0) "lvs1's pools are complete again: web [$(pool lvs1 80)] redis [$(pool lvs1 6379)]"

# ---------------------------------------------------------------- 10. restart

# watch_vip_moves MS: samples the VIP every 50 ms for MS; prints how many samples saw it on lvs2.
watch_vip_on_lvs2() {
  local n=0; now; local end=$((NOW + $1))
  while now; [ $NOW -lt $end ]; do has_vip lvs2 && n=$((n + 1)); sleep 0.05; done
  echo $n
}
if [ $MODE = lvsd ]; then
  step "Hitless restart of lvsd on the master"
  # The control: the same client load for as long as the restart is watched
  # (about 6 s), just before it, with nothing happening on the directors. A
  # busy machine makes requests time out in both windows alike; a restart
  # that breaks connections makes more fail in its own.
  sleep 6.5
  say "lvsd re-executes its own binary in place (same pid) and hands its state over:"
  now; t0=$NOW
  act lvs1 "lvsctl --socket $WORK/lvs1/lvsd.sock restart"
  restart_rc=$?
  echo "feature restart $([ $restart_rc = 0 ] && echo yes || echo no)" >> "$RESULTS"
  on_lvs2=$(watch_vip_on_lvs2 5000)
  # The VIP leaving lvs1 or reaching lvs2 (lvsd re-asserting the address it
  # holds shows as an "added" on lvs1: not a move).
  now; events=$(vip_events lvs1 "$t0" "$NOW" | grep -c deleted)+$(vip_events lvs2 "$t0" "$NOW" | grep -c added)
  # Answering again: the re-executed lvsd has its control socket back.
  wait_until 5000 control_available
  check restart_done $([ $restart_rc = 0 ] && kill -0 "${PID[lvs1]}" 2>/dev/null && control_available && echo 1 || echo 0) \
    "lvsctl restart exited $restart_rc$([ $restart_rc = 0 ] || echo " ($(head -n 1 "$WORK/act.out"))"); lvsd answers again with its pid ${PID[lvs1]}: $(control_available && kill -0 "${PID[lvs1]}" 2>/dev/null && echo yes || echo no)"
  now; t1=$NOW
  show lvs1 "lvsctl --socket $WORK/lvs1/lvsd.sock status | head -n 7"
  o=$(outage "$PROBE_HTTP" "$t0" "$t1")
  r=$(outage "$PROBE_REDIS" "$t0" "$t1")
  c0=$((t0 - (t1 - t0)))
  o_ctl=$(outage "$PROBE_HTTP" "$c0" "$t0")
  r_ctl=$(outage "$PROBE_REDIS" "$c0" "$t0")
  check restart_vip_stayed $([ "$on_lvs2" = 0 ] && [ "$events" = 0+0 ] && only_on lvs1 && echo 1 || echo 0) \
    "the VIP stayed on lvs1: deleted from lvs1 + added to lvs2 during 5 s: $events; $on_lvs2 samples saw it on lvs2"
  restart_ok=0
  [ $restart_rc = 0 ] && [ "$(field failed "$o")" -le "$(field failed "$o_ctl")" ] 2>/dev/null &&
    [ "$(field failed "$r")" -le "$(field failed "$r_ctl")" ] 2>/dev/null && restart_ok=1
  check restart_zero_failures $restart_ok \
    "$(field requests "$o") web requests and $(field requests "$r") Redis writes during the restart, $(field failed "$o") + $(field failed "$r") failed; in the control window of the same length just before: $(field failed "$o_ctl") + $(field failed "$r_ctl") of $(field requests "$o_ctl") + $(field requests "$r_ctl")$([ $restart_rc = 0 ] || echo " (but lvsctl restart failed: nothing was restarted)")"
  TABLE+=("hitless restart: failed requests|$(field failed "$o") + $(field failed "$r")|0|$([ $restart_ok = 1 ] && echo ok || echo FAILED)|of $(field requests "$o") web requests + $(field requests "$r") Redis writes")
else
  step "Restarting keepalived on the master"
  say "keepalived cannot restart in place: a restart is a stop (priority 0, lvs2 takes the VIP) and a start (lvs1 preempts)."
  now; t0=$NOW
  act lvs1 "kill -TERM \$(cat $WORK/lvs1/keepalived.pid)   # systemctl restart keepalived: stop ..."
  stop lvs1 TERM
  start_director lvs1
  say "  [lvs1]# keepalived -f $WORK/lvs1/keepalived.conf ...   # ... and start"
  on_lvs2=$(watch_vip_on_lvs2 6000)
  wait_until 5000 only_on lvs1
  now; t1=$NOW
  away_from=$(vip_event_ms lvs1 deleted first "$t0" "$t1")
  back_at=$(vip_event_ms lvs1 added last "$t0" "$t1")
  away_ms=-1
  [ -n "$away_from" ] && [ -n "$back_at" ] && away_ms=$((back_at - away_from))
  o=$(outage "$PROBE_HTTP" "$t0" "$t1")
  on2=$(vip_event_ms lvs2 added first "$t0" "$t1") off2=$(vip_event_ms lvs2 deleted last "$t0" "$t1")
  held2=-1
  [ -n "$on2" ] && [ -n "$off2" ] && held2=$((off2 - on2))
  say "The VIP left lvs1 for $(ms $away_ms); lvs2 held it for $(ms $held2) of that time." \
      "$(field failed "$o") of $(field requests "$o") web requests failed."
  check restart_back_on_lvs1 $(only_on lvs1 && echo 1 || echo 0) "after the restart lvs1 holds the VIP again"
  TABLE+=("restart: VIP away from lvs1|$(ms $away_ms)|-|-|the VIP moves to lvs2 and back (no hitless restart)")
  TABLE+=("restart: failed requests|$(field failed "$o")|-|-|of $(field requests "$o") web requests")
fi

# ---------------------------------------------------------------- summary

stop probe-http; stop probe-redis
step "Measured times ($MODE)"
if [ $QUIET -eq 0 ]; then
  printf '  %-46s %9s %9s  %-16s %s\n' "event" "measured" "bound" "verdict" "bound from the configuration"
  for row in "${TABLE[@]}"; do
    IFS='|' read -r what measured bound verdict text <<< "$row"
    printf '  %-46s %9s %9s  %-16s %s\n' "$what" "$measured" "$bound" "$verdict" "$text"
  done
  echo "  (\"over\": within $(ms $SLACK_MS) of the bound, allowed for polling and UML's slow process start)"
fi
echo
if [ ${#FAILED_CHECKS[@]} -eq 0 ]; then
  echo "scenario ($MODE): all $CHECKS checks behaved as narrated"
  exit 0
fi
echo "scenario ($MODE): ${#FAILED_CHECKS[@]} of $CHECKS checks did NOT behave as narrated:"
printf '  %s\n' "${FAILED_CHECKS[@]}"
exit 1
