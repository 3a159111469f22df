#!/bin/bash
# netns tier: what `lvsctl frr-config` prints works with the real routing
# daemons. Two directors each hold lvsd's routes (table 200, protocol 250,
# written here with `ip route` as lvsd writes them): one runs FRR with the
# printed FRR configuration, the other BIRD 2 with the --bird one. A router
# (FRR bgpd + bfdd) must learn a path to the VIP from each director, lose a
# director's path when its announcement route is deleted (the withdrawal),
# and learn it again when it returns. Both printed files must also pass
# `vtysh --dryrun` / `bird -p`. (The two daemons' paths differ in origin, so
# the router does not merge them into one ECMP route: tests/scaleout checks
# ECMP with three FRR directors.)
# usage: frr_config_netns_test.sh LVSCTL
set -u
LVSCTL=$1
ID=lfc$$
W=$(mktemp -d /tmp/$ID.XXXX)
chmod 755 "$W"
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
cleanup() {
  for p in "$W"/*/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
  for n in r d1 d2; do ip netns del "$ID-$n" 2>/dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
# Bounded wait: CONDITION (a shell command) within SECONDS.
wait_for() {
  local limit=$(( $(date +%s%N) + $2 * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$limit" ]; do eval "$1" && return 0; sleep 0.1; done
  return 1
}

cat > "$W/lvsd.yaml" <<EOT
global: {announce: {table: 200}}
virtual_servers:
  - {address: 203.0.113.10, port: 80, lb_algo: mh, scheduler_flags: [mh-port], lb_kind: DR, announce: true,
     real_servers: [{address: 10.0.0.11}]}
EOT
"$LVSCTL" frr-config -f "$W/lvsd.yaml" --neighbor 10.0.0.1 --router-id 10.0.0.2 > "$W/d1.frr" || fail "frr-config exit $?"
"$LVSCTL" frr-config -f "$W/lvsd.yaml" --neighbor 10.0.0.1 --router-id 10.0.0.3 --bird > "$W/d2.bird" || fail "frr-config --bird exit $?"
vtysh --dryrun -f "$W/d1.frr" || fail "vtysh --dryrun refused the printed FRR configuration"
bird -p -c "$W/d2.bird" || fail "bird -p refused the printed BIRD configuration"
# Bad input is refused: no neighbour, a bad neighbour.
"$LVSCTL" frr-config -f "$W/lvsd.yaml" > /dev/null 2>&1; [ $? -eq 2 ] || fail "frr-config without --neighbor should exit 2"
"$LVSCTL" frr-config -f "$W/lvsd.yaml" --neighbor bogus > /dev/null 2>&1; [ $? -eq 2 ] || fail "bad --neighbor should exit 2"

ip netns add "$ID-r" && ip netns add "$ID-d1" && ip netns add "$ID-d2" || { echo "FAIL: netns"; exit 1; }
ip -n "$ID-r" link add br0 type bridge && ip -n "$ID-r" link set br0 up && ip -n "$ID-r" link set lo up
ip -n "$ID-r" addr add 10.0.0.1/24 dev br0
i=2
for d in d1 d2; do
  ip link add "$ID$d" type veth peer name eth0 netns "$ID-$d"
  ip link set "$ID$d" netns "$ID-r" && ip -n "$ID-r" link set "$ID$d" master br0 up
  ip -n "$ID-$d" addr add 10.0.0.$i/24 dev eth0 && ip -n "$ID-$d" link set eth0 up && ip -n "$ID-$d" link set lo up
  # What lvsd holds while it announces the VIP.
  ip -n "$ID-$d" route add local 203.0.113.10/32 dev lo table local proto 250
  ip -n "$ID-$d" route add 203.0.113.10/32 dev lo table 200 proto 250
  i=$((i + 1))
done
ip netns exec "$ID-r" sysctl -qw net.ipv4.fib_multipath_hash_policy=1 net.ipv4.ip_forward=1

# FRR: zebra, bfdd and bgpd in one namespace, as user frr, in the directory
# $W/NS; the integrated configuration file is applied through vtysh, which
# hands each command to its daemon (as `service integrated-vtysh-config` does).
start_frr() {  # NS CONFIG-FILE
  local ns=$1 dir=$W/$1
  mkdir -p "$dir" && chown frr:frr "$dir"
  for dm in zebra bfdd bgpd; do
    : > "$dir/$dm.conf" && chown frr:frr "$dir/$dm.conf"
    ip netns exec "$ID-$ns" /usr/lib/frr/$dm -d -u frr -g frr -f "$dir/$dm.conf" -i "$dir/$dm.pid" \
      --vty_socket "$dir" -z "$dir/zserv.api" > "$dir/$dm.log" 2>&1 || fail "$dm in $ns did not start"
  done
  wait_for "[ -S $dir/bgpd.vty ] && [ -S $dir/bfdd.vty ]" 10 || fail "FRR in $ns: no vty sockets"
  ip netns exec "$ID-$ns" vtysh --vty_socket "$dir" -f "$2" || fail "vtysh -f $2 in $ns"
}
cat > "$W/router.conf" <<EOT
bfd
 profile lvsd
  receive-interval 100
  transmit-interval 100
 exit
exit
router bgp 65000
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 neighbor DIRECTORS peer-group
 neighbor DIRECTORS remote-as 65001
 neighbor DIRECTORS bfd
 neighbor DIRECTORS bfd profile lvsd
 bgp listen range 10.0.0.0/24 peer-group DIRECTORS
 address-family ipv4 unicast
  maximum-paths 8
 exit-address-family
exit
EOT
start_frr r "$W/router.conf"
start_frr d1 "$W/d1.frr"
mkdir -p "$W/d2" && chown bird:bird "$W/d2" 2>/dev/null
ip netns exec "$ID-d2" bird -c "$W/d2.bird" -s "$W/d2/bird.ctl" -P "$W/d2/bird.pid" > "$W/d2/bird.log" 2>&1 \
  || fail "bird did not start"

# The router's BGP paths to the VIP, one line per next hop.
routes() { ip netns exec "$ID-r" vtysh --vty_socket "$W/r" -c 'show ip bgp 203.0.113.10/32' 2>/dev/null | grep -E '^ +[0-9.]+ from'; }
both() { routes | grep -q "^ *10.0.0.2 from" && routes | grep -q "^ *10.0.0.3 from"; }
if wait_for both 30; then echo "ok: the router learnt the VIP from the FRR and the BIRD director"; else
  fail "the router lacks a director's path: $(routes)"
  ip netns exec "$ID-r" vtysh --vty_socket "$W/r" -c 'show bgp summary' -c 'show ip bgp'
fi
# Withdrawal: lvsd deletes its announcement route on one director, then the other.
for d in d1:10.0.0.2 d2:10.0.0.3; do
  ns=${d%%:*} hop=${d##*:}
  ip -n "$ID-$ns" route del 203.0.113.10/32 dev lo table 200
  if wait_for "! routes | grep -q '^ *$hop from'" 15; then echo "ok: $ns withdrawn"; else fail "$ns not withdrawn: $(routes)"; fi
  ip -n "$ID-$ns" route add 203.0.113.10/32 dev lo table 200 proto 250
  if wait_for both 15; then echo "ok: $ns announced again"; else fail "$ns not announced again: $(routes)"; fi
done
echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
