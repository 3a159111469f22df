#!/bin/bash
# The soak itself (issue #17): runs INSIDE the UML kernel that bench/soak.sh
# boots (it needs IPVS and a kernel of its own). Not for the host.
#
# usage: run.sh --lvsd PATH --lvsctl PATH --out DIR --minutes N
#
# The seed's pair (demo/scenario.sh's topology and demo/configs/lvsd.yaml.in):
# client, lvs1 (MASTER 100), lvs2 (BACKUP 50), web1/web2 (busybox httpd),
# redis1 (master) / redis2 (replica), network namespaces on one bridge of this
# kernel; the client sends a web request every 100 ms and a Redis INCR every
# 100 ms through the VIP (demo/probe.py). Faults repeat on a 120 s cycle (see
# `cycle` below); reloads run every 5 s next to them. Everything observed goes
# to OUT as plain logs; bench/soak/check.py judges them afterwards.
#
# Bounded: every loop checks the deadline (N minutes, at most 240) and every
# wait has a limit; traffic goes only to the namespaces this script creates.
set -u

LVSD="" LVSCTL="" OUT="" MINUTES=30
while [ $# -gt 0 ]; do
  case "$1" in
    --lvsd) LVSD=$2; shift 2 ;;
    --lvsctl) LVSCTL=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --minutes) MINUTES=$2; shift 2 ;;
    *) echo "soak: unknown argument $1" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEMO=$(cd "$HERE/../../demo" && pwd)
[ -x "$LVSD" ] && [ -x "$LVSCTL" ] && [ -n "$OUT" ] || { echo "soak: --lvsd, --lvsctl and --out are required" >&2; exit 2; }
case "$MINUTES" in ''|*[!0-9]*) echo "soak: --minutes wants a number" >&2; exit 2 ;; esac
[ "$MINUTES" -ge 1 ] && [ "$MINUTES" -le 240 ] || { echo "soak: --minutes must be 1..240" >&2; exit 2; }

VIP=192.168.152.100
declare -A ADDR=([client]=192.168.152.10 [lvs1]=192.168.152.128 [lvs2]=192.168.152.135
                 [web1]=192.168.152.133 [web2]=192.168.152.134 [redis1]=192.168.152.141 [redis2]=192.168.152.142)
HOSTS="client lvs1 lvs2 web1 web2 redis1 redis2"
BRIDGE=soak-br0
WORK=/run/soak          # UML's own tmpfs
CYCLE_S=120
mkdir -p "$WORK/cores" "$OUT" || exit 1

now() { NOW=$((${EPOCHREALTIME/./} / 1000)); }
now; T_START=$NOW
T_END=$((T_START + MINUTES * 60 * 1000))
past_end() { now; [ "$NOW" -ge "$T_END" ]; }
log_event() { now; echo "$NOW $*" >> "$OUT/events.log"; }
# fault KIND FROM_MS TO_MS DETAIL: a declared fault window (grace included).
fault() { echo "fault $1 $2 $3 ${4:-}" >> "$OUT/faults.log"; }
: > "$OUT/events.log"; : > "$OUT/faults.log"; : > "$OUT/reloads.log"; : > "$OUT/exits.log"

# A core dump of anything lands here (this kernel's own core_pattern).
echo "$WORK/cores/core.%e.%p" > /proc/sys/kernel/core_pattern
ulimit -c unlimited

# ---------------------------------------------------------------- processes

declare -A PID=()
start() {  # start NAME HOST COMMAND...
  local name=$1 host=$2; shift 2
  ip netns exec "$host" "$@" >> "$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  disown "$!"
}
stop() {  # stop NAME [SIGNAL]: waits up to 5 s
  local name=$1 sig=${2:-TERM} pid=${PID[$1]:-} i
  [ -n "$pid" ] || return 0
  kill -"$sig" "$pid" 2>/dev/null
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  unset "PID[$name]"
}
wait_until() {  # wait_until MS COMMAND...
  now; local deadline=$((NOW + $1)); shift
  until "$@"; do now; [ "$NOW" -ge "$deadline" ] && return 1; sleep 0.1; done
}

# The directors: each lvsd runs under a small watcher that records its exit
# (status and time) in exits.log, so that an exit nobody asked for shows.
render() {  # render NODE STATE PRIORITY
  sed -e "s|@NODE@|$1|g" -e "s|@STATE@|$2|g" -e "s|@PRIORITY@|$3|g" \
      -e "s|@DEMO@|$DEMO|g" -e "s|@RUN@|$WORK/$1|g" "$DEMO/configs/lvsd.yaml.in"
}
write_configs() {
  local node state prio
  for node in lvs1 lvs2; do
    state=BACKUP prio=50
    [ $node = lvs1 ] && state=MASTER prio=100
    mkdir -p "$WORK/$node"
    render $node $state $prio > "$WORK/$node/valid-a.yaml"
    # The other valid file: the sticky service (8080) switches rr <-> wrr (one SET_SERVICE).
    sed '/port: 8080$/{n;s/lb_algo: rr/lb_algo: wrr/}' "$WORK/$node/valid-a.yaml" > "$WORK/$node/valid-b.yaml"
    # The invalid one: an unknown scheduler on port 80 (refused; the running config stays).
    sed '/port: 80$/{n;s/lb_algo: rr/lb_algo: nosuch/}' "$WORK/$node/valid-a.yaml" > "$WORK/$node/invalid.yaml"
    cp "$WORK/$node/valid-a.yaml" "$WORK/$node/lvsd.yaml"
  done
}
start_director() {  # start_director NODE (holds the config lock: the file is valid)
  local node=$1
  (
    # Not the caller's config lock (fd 9): lvsd lives on after it is released.
    exec 9>&-
    cd "$WORK"
    ulimit -c unlimited
    ip netns exec "$node" "$LVSD" -f "$WORK/$node/lvsd.yaml" --state-file "$WORK/$node/owned" \
      >> "$WORK/$node.log" 2>&1 &
    p=$!
    echo $p > "$WORK/$node.pid"
    wait $p
    rc=$?
    now
    echo "$NOW $node $p exit $rc" >> "$OUT/exits.log"
  ) &
  disown $!
  local i
  for i in $(seq 50); do [ -s "$WORK/$node.pid" ] && break; sleep 0.02; done
  log_event "start $node pid $(cat "$WORK/$node.pid")"
}
director_pid() { cat "$WORK/$1.pid" 2>/dev/null; }
lvsctl_on() { local node=$1; shift; ip netns exec "$node" "$LVSCTL" --socket "$WORK/$node/lvsd.sock" "$@"; }
has_vip() { ip -n "$1" -4 -o addr show dev eth0 2>/dev/null | grep -q " $VIP/"; }

cleanup() {
  local name h
  touch "$WORK/stop"
  for name in "${!PID[@]}"; do stop "$name" KILL; done
  for h in lvs1 lvs2; do
    local p; p=$(director_pid $h); [ -n "$p" ] && kill -KILL "$p" 2>/dev/null
  done
  for h in $HOSTS; do ip netns del "$h" 2>/dev/null; done
  ip link del "$BRIDGE" 2>/dev/null
}
trap cleanup EXIT

for tool in ip ipvsadm curl redis-server redis-cli python3 tc flock; do
  command -v $tool > /dev/null || { echo "soak: $tool is missing" >&2; exit 1; }
done
[ -e /proc/net/ip_vs ] || { echo "soak: no IPVS in this kernel" >&2; exit 1; }

# ---------------------------------------------------------------- topology and servers

ip link add "$BRIDGE" type bridge && ip link set "$BRIDGE" up || exit 1
for h in $HOSTS; do
  ip netns add "$h" || exit 1
  ip link add "veth-$h" type veth peer name eth0 netns "$h" || exit 1
  ip link set "veth-$h" master "$BRIDGE" up
  ip -n "$h" link set lo up
  ip -n "$h" addr add "${ADDR[$h]}/24" dev eth0
  ip -n "$h" link set eth0 up
done
for h in web1 web2 redis1 redis2; do
  ip netns exec "$h" "$LVSCTL" realserver up --vip $VIP > /dev/null 2>&1 || {
    ip netns exec "$h" sh -c "ip addr add $VIP/32 dev lo &&
      for i in all eth0; do echo 1 > /proc/sys/net/ipv4/conf/\$i/arp_ignore; echo 2 > /proc/sys/net/ipv4/conf/\$i/arp_announce; done"; }
done
start_web() {  # bench/soak/httpd.py: no fork per request (see there)
  start "httpd-$1" "$1" python3 "$HERE/httpd.py" 80 "$1"
  start "httpd8080-$1" "$1" python3 "$HERE/httpd.py" 8080 "$1"
}
start_redis() {
  local extra=()
  [ "$1" = redis2 ] && extra=(--replicaof "${ADDR[redis1]}" 6379)
  start "redis-$1" "$1" redis-server --bind 0.0.0.0 --port 6379 --protected-mode no --save "" --appendonly no \
    --dir "$WORK/$1" --daemonize no "${extra[@]}"
}
for h in web1 web2; do start_web $h; done
for h in redis1 redis2; do mkdir -p "$WORK/$h"; start_redis $h; done
servers_up() {
  local h
  for h in web1 web2; do
    ip netns exec client curl -s -m 1 -o /dev/null "http://${ADDR[$h]}/" || return 1
    ip netns exec client curl -s -m 1 -o /dev/null "http://${ADDR[$h]}:8080/" || return 1
  done
  ip netns exec client redis-cli -h "${ADDR[redis2]}" info replication 2>/dev/null | grep -q 'master_link_status:up'
}
wait_until 20000 servers_up || { echo "soak: the real servers did not come up" >&2; exit 1; }

for h in lvs1 lvs2; do start "monitor-$h" $h ip -ts monitor address; done
write_configs
for node in lvs1 lvs2; do
  ip netns exec $node ipvsadm --set 900 1 300
  start_director $node
done
wait_until 20000 has_vip lvs1 || { echo "soak: lvs1 never took the VIP" >&2; tail "$WORK/lvs1.log" >&2; exit 1; }
start probe-http client python3 "$DEMO/probe.py" http $VIP 80 "$WORK/probe-http.log" --interval 0.1 --timeout 2
start probe-redis client python3 "$DEMO/probe.py" redis $VIP 6379 "$WORK/probe-redis.log" --interval 0.1 --timeout 2
answering() { grep -q ' ok ' "$WORK/probe-http.log" 2>/dev/null && grep -q ' ok ' "$WORK/probe-redis.log" 2>/dev/null; }
wait_until 20000 answering || { echo "soak: no answers through the VIP" >&2; exit 1; }
now; T_START=$NOW
T_END=$((T_START + MINUTES * 60 * 1000))
log_event "soak start minutes $MINUTES"
echo "soak: started; $MINUTES minutes from $(date -u +%T) UTC" >&2

# ---------------------------------------------------------------- observers

# Every 2 s: per director its pid, RSS, descriptors and children (and zombies
# among them). Shell builtins only: a fork costs much inside UML. Who holds the
# VIP comes from the `ip monitor` logs.
sampler() {
  local node pid rss fds kids zombies c k v state line task kid
  while ! [ -e "$WORK/stop" ] && ! past_end; do
    now
    line="$NOW"
    for node in lvs1 lvs2; do
      pid="" rss=- fds=- kids=- zombies=-
      [ -s "$WORK/$node.pid" ] && read -r pid < "$WORK/$node.pid"
      if [ -n "$pid" ] && [ -d "/proc/$pid" ]; then
        while read -r k v _; do [ "$k" = VmRSS: ] && rss=$v; done < "/proc/$pid/status"
        c=(/proc/"$pid"/fd/*); fds=${#c[@]}
        kids=0 zombies=0
        for task in /proc/"$pid"/task/*; do
          read -r -a c < "$task/children" 2>/dev/null || continue
          for kid in "${c[@]}"; do
            kids=$((kids + 1))
            while read -r k v _; do [ "$k" = State: ] && [ "$v" = Z ] && zombies=$((zombies + 1)); done < "/proc/$kid/status"
          done
        done
      elif [ -n "$pid" ]; then
        pid="dead:$pid"
      else
        pid=none
      fi
      line+=" $node $pid ${rss:--} $fds $kids $zombies"
    done
    echo "$line" >> "$WORK/samples.log"
    sleep 2
  done
}
# Every 3 s: the VIP holder's IPVS table, what its health checks say (lvsctl
# status --json), and the table again. A table that changed meanwhile makes
# the sample void (a health event landed between the reads).
ipvs_pairs() {
  ip netns exec "$1" ipvsadm -Ln 2>/dev/null |
    awk '$1 == "TCP" { vs = $2 } $1 == "->" && $2 ~ /^[0-9]/ && $4 > 0 { printf "%s>%s,", vs, $2 } END { printf "-" }'
}
tables() {
  local holder before after status t0
  while ! [ -e "$WORK/stop" ] && ! past_end; do
    holder=""
    has_vip lvs1 && holder+=lvs1
    has_vip lvs2 && holder+=lvs2
    if [ "$holder" = lvs1 ] || [ "$holder" = lvs2 ]; then
      now; t0=$NOW
      before=$(ipvs_pairs $holder)
      status=$(lvsctl_on $holder status --json 2>/dev/null | tr -d '\n ')
      after=$(ipvs_pairs $holder)
      now
      echo "$t0 $NOW $holder $before $after $status" >> "$WORK/tables.log"
    fi
    sleep 3
  done
}
# Machine stalls: a thread that sleeps 50 ms at a time logs every wake-up
# more than 250 ms late ("<wake ms> <late ms>"). The host starves this whole
# kernel at times (other work on the machine); a client request that fails
# during such a stall is the machine's, and check.py counts it apart.
stallwatch() {
  python3 -c '
import sys, time
out = open(sys.argv[1], "a", buffering=1)
end = time.time() + float(sys.argv[2])
while time.time() < end:
    t = time.monotonic(); time.sleep(0.05); late = time.monotonic() - t - 0.05
    if late > 0.25:
        out.write(f"{int(time.time() * 1000)} {int(late * 1000)}\n")
' "$WORK/stalls.log" $(( (T_END - NOW) / 1000 + 30 ))
}
# Every 5 s a reload of both directors, alternating a valid file (the two
# valid files alternate too) and an invalid one. The invalid file is on disk
# only for the reload: a director started meanwhile reads a valid one.
reloader() {
  local n=0 kind node rc file
  while ! [ -e "$WORK/stop" ] && ! past_end; do
    sleep 5
    n=$((n + 1))
    case $((n % 4)) in 1) kind=invalid ;; 2) kind=valid-b ;; 3) kind=invalid ;; 0) kind=valid-a ;; esac
    for node in lvs1 lvs2; do
      (
        flock 9
        [ -n "$(director_pid $node)" ] || exit 0
        cp "$WORK/$node/$kind.yaml" "$WORK/$node/lvsd.yaml.new" && mv "$WORK/$node/lvsd.yaml.new" "$WORK/$node/lvsd.yaml"
        now; t0=$NOW
        lvsctl_on $node reload > "$WORK/reload-$node.out" 2>&1
        rc=$?
        now
        [ $kind = invalid ] && cp "$WORK/$node/valid-$( [ $((n % 4)) = 1 ] && echo a || echo b).yaml" "$WORK/$node/lvsd.yaml"
        echo "$t0 $NOW $node $kind $rc $(head -c 200 "$WORK/reload-$node.out" | tr '\n' ' ')" >> "$OUT/reloads.log"
      ) 9> "$WORK/$node.lock"
    done
  done
}
now
stallwatch & STALLWATCH=$!
sampler & SAMPLER=$!
tables & TABLES=$!
reloader & RELOADER=$!

# ---------------------------------------------------------------- the faults

sleep_until() {  # sleep_until OFFSET_S from the cycle's start (never past the end)
  now
  local target=$((CYCLE_T0 + $1 * 1000))
  while [ "$NOW" -lt "$target" ] && [ "$NOW" -lt "$T_END" ]; do sleep 0.2; now; done
  [ "$NOW" -lt "$T_END" ]
}
COUNT_web=0 COUNT_redis=0 COUNT_flap=0 COUNT_restart=0 COUNT_usr2=0 COUNT_netem=0 COUNT_kill9=0

kill_web() {
  local h=$1 t0 t1
  now; t0=$NOW
  stop "httpd-$h" KILL; stop "httpd8080-$h" KILL
  log_event "kill $h httpd"
  sleep 15
  start_web "$h"
  now; t1=$NOW
  log_event "restart $h httpd"
  # Back in the pool within delay_loop + connect_timeout (3 s) of its return.
  fault web "$t0" $((t1 + 5000)) "$h killed for 15 s"
  COUNT_web=$((COUNT_web + 1))
}
kill_redis_master() {
  local t0 t1
  now; t0=$NOW
  stop redis-redis1 KILL
  log_event "kill redis1"
  sleep 8
  start_redis redis1
  now; t1=$NOW
  log_event "restart redis1"
  fault redis "$t0" $((t1 + 4000)) "redis1 (master) killed for 8 s"
  COUNT_redis=$((COUNT_redis + 1))
}
link_flap() {
  local t0 t1
  now; t0=$NOW
  ip link set veth-lvs1 down
  log_event "link lvs1 down"
  sleep 6
  ip link set veth-lvs1 up
  now; t1=$NOW
  log_event "link lvs1 up"
  # lvs2 takes over after 3.8 s; lvs1 takes back within an advert or two of
  # its return; clients follow each GARP.
  fault flap "$t0" $((t1 + 8000)) "veth-lvs1 down for 6 s"
  COUNT_flap=$((COUNT_flap + 1))
}
hitless_restart() {  # lvs1 with lvsctl restart
  local t0 t1 rc pid_before pid_after
  pid_before=$(director_pid lvs1)
  now; t0=$NOW
  ( flock 9; lvsctl_on lvs1 restart > "$WORK/restart.out" 2>&1 ) 9> "$WORK/lvs1.lock"
  rc=$?
  now; t1=$NOW
  pid_after=$(director_pid lvs1)
  log_event "restart lvs1 lvsctl rc $rc pid $pid_before -> $pid_after $(head -c 200 "$WORK/restart.out" | tr '\n' ' ')"
  fault restart "$t0" $((t1 + 2000)) "lvsctl restart on lvs1 (exit $rc)"
  COUNT_restart=$((COUNT_restart + 1))
}
usr2_restart() {  # lvs2 with SIGUSR2
  local t0 pid
  pid=$(director_pid lvs2)
  [ -n "$pid" ] || return 0
  now; t0=$NOW
  ( flock 9; kill -USR2 "$pid"
    # Back when its control socket answers again.
    wait_until 10000 lvsctl_on lvs2 status > /dev/null 2>&1 ) 9> "$WORK/lvs2.lock"
  now
  log_event "restart lvs2 SIGUSR2 pid $pid -> $(director_pid lvs2) answers after $((NOW - t0)) ms"
  fault usr2 "$t0" $((NOW + 2000)) "SIGUSR2 to lvs2"
  COUNT_usr2=$((COUNT_usr2 + 1))
}
netem_on() {  # VRRP only (IP protocol 112), leaving the directors: loss, delay, duplication
  local node
  for node in lvs1 lvs2; do
    ip netns exec $node tc qdisc add dev eth0 root handle 1: prio &&
    ip netns exec $node tc qdisc add dev eth0 parent 1:3 handle 30: netem loss 5% delay 100ms 50ms duplicate 5% &&
    ip netns exec $node tc filter add dev eth0 parent 1:0 protocol ip prio 1 u32 match ip protocol 112 0xff flowid 1:3 ||
      log_event "netem on $node FAILED"
  done
}
netem_off() { local node; for node in lvs1 lvs2; do ip netns exec $node tc qdisc del dev eth0 root 2>/dev/null; done; }
netem_window() {
  local t0 t1
  now; t0=$NOW
  netem_on
  log_event "netem on: VRRP loss 5% delay 100ms+-50ms duplicate 5%"
  local left=$(( (T_END - t0) / 1000 ))
  sleep $(( left < 40 ? (left > 1 ? left : 1) : 40 ))
  netem_off
  now; t1=$NOW
  log_event "netem off"
  fault netem "$t0" $((t1 + 4000)) "netem on the VRRP adverts of both directors"
  COUNT_netem=$((COUNT_netem + 1))
}
kill9() {  # kill9 NODE: crash, then what systemd runs after it (lvsd --cleanup), then a new start
  local node=$1 t0 t1 pid rc
  now; t0=$NOW
  (
    flock 9
    pid=$(director_pid $node)
    rm -f "$WORK/$node.pid"
    echo "$pid" >> "$WORK/killed.pids"
    kill -KILL "$pid"
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    ip netns exec $node "$LVSD" --cleanup -f "$WORK/$node/lvsd.yaml" --state-file "$WORK/$node/owned" \
      >> "$WORK/$node-cleanup.log" 2>&1
    echo $? > "$WORK/cleanup.rc"
    # From the kill to the end of the cleanup the dead lvsd's VIP is still on
    # its interface (nobody can remove it sooner): a second holder then is the
    # crash's, not a VRRP fault.
    now
    fault leftover "$t0" "$NOW" "VIP left by the killed lvsd on $node until lvsd --cleanup"
    start_director $node
  ) 9> "$WORK/$node.lock"
  rc=$(cat "$WORK/cleanup.rc")
  now; t1=$NOW
  log_event "kill9 $node cleanup rc $rc"
  fault kill9 "$t0" $((t1 + 8000)) "kill -9 of lvsd on $node, --cleanup (exit $rc), start"
  COUNT_kill9=$((COUNT_kill9 + 1))
}

# One cycle (120 s): offsets in seconds.
#   0  a web server (web1, web2 in turn) killed for 15 s
#  22  redis1 (the master) killed for 8 s
#  38  lvs1's link down for 6 s
#  56  hitless restart of lvs1 (lvsctl restart)
#  62  hitless restart of lvs2 (SIGUSR2)
#  68  netem on the VRRP adverts for 40 s
# 110  kill -9 of a director, lvsd --cleanup, start again (lvs1 in the first
#      cycle, lvs2 in the others: lvs1's lvsd then lives from minute 2 to the
#      end, through every other fault, for the RSS/descriptor trend)
cycle=0
while ! past_end && [ $cycle -lt 1000 ]; do
  now; CYCLE_T0=$NOW
  cycle=$((cycle + 1))
  log_event "cycle $cycle"
  sleep_until 0 && kill_web $([ $((cycle % 2)) = 1 ] && echo web1 || echo web2)
  sleep_until 22 && kill_redis_master
  sleep_until 38 && link_flap
  sleep_until 56 && hitless_restart
  sleep_until 62 && usr2_restart
  sleep_until 68 && netem_window
  sleep_until 110 && kill9 $([ $cycle = 1 ] && echo lvs1 || echo lvs2)
  sleep_until $CYCLE_S
done
log_event "faults done"
# A quiet tail: everything must have settled.
sleep 10
log_event "soak end"
touch "$WORK/stop"
wait $SAMPLER $TABLES $RELOADER 2>/dev/null
kill $STALLWATCH 2>/dev/null
stop probe-http; stop probe-redis

echo "counts web $COUNT_web redis $COUNT_redis flap $COUNT_flap restart $COUNT_restart usr2 $COUNT_usr2 netem $COUNT_netem kill9 $COUNT_kill9 cycles $cycle" >> "$OUT/events.log"
# The directors still run: each one's final pid, children and descriptors.
for node in lvs1 lvs2; do
  pid=$(director_pid $node)
  echo "final $node pid $pid alive $([ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo 1 || echo 0)" >> "$OUT/events.log"
  ls -l /proc/"$pid"/fd > "$OUT/fds-$node.txt" 2>&1
done
# Stopped cleanly (SIGTERM) so that their exits show as asked for.
for node in lvs1 lvs2; do
  pid=$(director_pid $node)
  echo "$pid" >> "$WORK/killed.pids"
  kill -TERM "$pid" 2>/dev/null
done
sleep 3
cp "$WORK"/*.log "$WORK/killed.pids" "$OUT/" 2>/dev/null
ls -l "$WORK/cores" > "$OUT/cores.txt"
echo ok > "$OUT/run.done"
