#!/usr/bin/env bash
# netem.sh run OUT.md | cleanup -- the wide-area scenario of `make bench` (issue #6, part 3).
#
# Two network namespaces of our own, ftpsb-srv (10.200.0.1) and ftpsb-cli (10.200.0.2), joined
# by a veth pair; 25 ms of delay on each side's incoming packets = 50 ms round trip. One
# vsftpd (explicit FTPS, the bench instance's config with the address, ports, root and a
# certificate for 10.200.0.1 changed) runs in ftpsb-srv; every client runs in ftpsb-cli.
# Nothing leaves these namespaces.
#
# The delay: this machine's kernel has no sch_netem (nor fq), so `tc qdisc ... netem` is
# impossible here; tests/bench/delay.py holds each packet for 25 ms through NFQUEUE (an
# iptables INPUT rule in each namespace) instead. Where sch_netem exists, set
# BENCH_NETEM_TC=1 to use `tc qdisc add dev VETH root netem delay 25ms` on both ends instead.
#
# Called by bench.sh with BENCH_RUN_DIR, BENCH_PORT_BASE, BENCH_ENV, BENCH_DATA, BENCH_WORK,
# BENCH_PY, BENCH_FTPS_PY in the environment. Settings: BENCH_NETEM_RUNS (3),
# BENCH_NETEM_BIG_MIB (64), BENCH_NETEM_SMALL_N (10), BENCH_NETEM_DELAY_MS (25, one way),
# BENCH_NETEM_PARALLEL (1: the several-sessions cases), BENCH_NETEM_PAR_BIG_MIB (256),
# BENCH_NETEM_PAR_CLIENTS (ftps-rust,ftps-rust-b1,ftps-rust-p8,lftp-p8,rclone-p8).
# `cleanup` removes the namespaces, the server and the mount, and is idempotent. `up` sets
# everything up, prints the env file of the server and leaves it running (for debugging
# round trips by hand: ip netns exec ftpsb-cli strace -r ... ; then `netem.sh cleanup`).
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
NS_S=ftpsb-srv
NS_C=ftpsb-cli
VETH_S=ftpsb-s
VETH_C=ftpsb-c
ADDR_S=10.200.0.1
ADDR_C=10.200.0.2
QUEUE=7
RUN_DIR=${BENCH_RUN_DIR:-$REPO/.servers/bench}
NDIR=$RUN_DIR/netem
PORT=$(( ${BENCH_PORT_BASE:-25000} + 700 ))
DELAY=${BENCH_NETEM_DELAY_MS:-25}
log() { printf 'bench/netem: %s\n' "$*" >&2; }
die() { printf 'bench/netem: ERROR: %s\n' "$*" >&2; exit 1; }

cleanup() {
  local ns p
  for ns in $NS_S $NS_C; do
    if ip netns list 2>/dev/null | grep -qw "$ns"; then
      # the processes we started in there: vsftpd and its sessions, delay.py
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
      for _ in 1 2 3 4 5 6 7 8 9 10; do
        [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
        sleep 0.1
      done
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
  ip link del "$VETH_S" 2>/dev/null || true   # only if it was left outside a namespace
  if [ -d "$NDIR/root/bench" ] && mountpoint -q "$NDIR/root/bench"; then
    umount "$NDIR/root/bench" 2>/dev/null || umount -l "$NDIR/root/bench" 2>/dev/null || true
  fi
}

case ${1:-} in
  cleanup) cleanup; exit 0 ;;
  run) OUT=${2:?usage: netem.sh run OUT.md} ;;
  up) OUT="" ;;
  *) die "usage: netem.sh run OUT.md | up | cleanup" ;;
esac
: "${BENCH_ENV:?}" "${BENCH_DATA:?}" "${BENCH_WORK:?}" "${BENCH_PY:?}"
on_exit() {
  local rc=$?
  if [ -n "$OUT" ] || [ "$rc" -ne 0 ]; then cleanup; fi
  exit "$rc"
}
trap on_exit EXIT

RUNS=${BENCH_NETEM_RUNS:-3}
BIG_MIB=${BENCH_NETEM_BIG_MIB:-64}
SMALL_N=${BENCH_NETEM_SMALL_N:-10}
DATA=$BENCH_DATA-netem
cleanup

# --- namespaces, link and delay -------------------------------------------------------------------
command -v iptables >/dev/null || {
  log "installing iptables (for the NFQUEUE delay)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables > /dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables > /dev/null; }
}
ip netns add $NS_S
ip netns add $NS_C
ip link add $VETH_S type veth peer name $VETH_C
ip link set $VETH_S netns $NS_S
ip link set $VETH_C netns $NS_C
ip -n $NS_S addr add $ADDR_S/24 dev $VETH_S
ip -n $NS_C addr add $ADDR_C/24 dev $VETH_C
for ns in $NS_S $NS_C; do ip -n $ns link set lo up; done
ip -n $NS_S link set $VETH_S up
ip -n $NS_C link set $VETH_C up
if [ "${BENCH_NETEM_TC:-0}" = 1 ]; then
  DELAY_HOW="tc qdisc netem delay ${DELAY}ms on both veth ends"
  ip netns exec $NS_S tc qdisc add dev $VETH_S root netem delay "${DELAY}ms" limit 100000
  ip netns exec $NS_C tc qdisc add dev $VETH_C root netem delay "${DELAY}ms" limit 100000
else
  DELAY_HOW="tests/bench/delay.py: NFQUEUE on INPUT in both namespaces, ${DELAY} ms each way (this kernel has no sch_netem)"
  ip netns exec $NS_S iptables -A INPUT -i $VETH_S -j NFQUEUE --queue-num $QUEUE
  ip netns exec $NS_C iptables -A INPUT -i $VETH_C -j NFQUEUE --queue-num $QUEUE
  mkdir -p "$BENCH_WORK"
  ip netns exec $NS_S "$BENCH_PY" "$HERE/delay.py" $QUEUE "$DELAY" > /dev/null 2> "$BENCH_WORK/delay-srv.log" &
  disown
  ip netns exec $NS_C "$BENCH_PY" "$HERE/delay.py" $QUEUE "$DELAY" > /dev/null 2> "$BENCH_WORK/delay-cli.log" &
  disown
  sleep 0.5
fi

# --- data ------------------------------------------------------------------------------------------
rm -rf "$DATA"
mkdir -p "$DATA/small" "$DATA/up"
head -c $((BIG_MIB * 1048576)) "$BENCH_DATA/big.bin" > "$DATA/big.bin"
cp "$BENCH_DATA"/small/f*.bin "$DATA/small/"
chown -R ftpuser:ftpuser "$DATA"
chmod 755 "$DATA"

# --- the server: vsftpd explicit, as in the bench instance, on 10.200.0.1 -------------------------
rm -rf "$NDIR"
mkdir -p "$NDIR/root/bench" "$NDIR/log"
chmod 755 "$NDIR"
printf 'hello from vsftpd-netem\n' > "$NDIR/root/hello.txt"
chown -R ftpuser:ftpuser "$NDIR/root"
chmod 755 "$NDIR/root"
mount --bind "$DATA" "$NDIR/root/bench"
PKI=$RUN_DIR/pki
cat > "$NDIR/server.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:$ADDR_S
EOF
{
  openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$NDIR/server.key"
  openssl req -new -key "$NDIR/server.key" -subj "/CN=$ADDR_S" -out "$NDIR/server.csr"
  openssl x509 -req -in "$NDIR/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 30 -sha256 -extfile "$NDIR/server.ext" \
    -out "$NDIR/server.pem"
} > "$NDIR/log/pki.log" 2>&1 || { cat "$NDIR/log/pki.log" >&2; die "could not make the certificate"; }
chmod 600 "$NDIR/server.key"
sed -e "s|^listen_address=.*|listen_address=$ADDR_S|" \
    -e "s|^listen_port=.*|listen_port=$PORT|" \
    -e "s|^pasv_address=.*|pasv_address=$ADDR_S|" \
    -e "s|^pasv_min_port=.*|pasv_min_port=$((PORT + 1))|" \
    -e "s|^pasv_max_port=.*|pasv_max_port=$((PORT + 99))|" \
    -e "s|^local_root=.*|local_root=$NDIR/root|" \
    -e "s|^rsa_cert_file=.*|rsa_cert_file=$NDIR/server.pem|" \
    -e "s|^rsa_private_key_file=.*|rsa_private_key_file=$NDIR/server.key|" \
    -e "s|^xferlog_file=.*|xferlog_file=$NDIR/log/vsftpd.xferlog|" \
    -e "s|^vsftpd_log_file=.*|vsftpd_log_file=$NDIR/log/vsftpd.log|" \
    "$RUN_DIR/conf/vsftpd-explicit.conf" > "$NDIR/vsftpd.conf"
grep -q "^listen_address=$ADDR_S$" "$NDIR/vsftpd.conf" || die "could not derive the vsftpd config"
ip netns exec $NS_S setsid /usr/sbin/vsftpd "$NDIR/vsftpd.conf" < /dev/null > "$NDIR/log/vsftpd.stderr" 2>&1 &
disown
for _ in $(seq 100); do
  [ -n "$(ip netns exec $NS_S ss -Hltn "sport = :$PORT")" ] && break
  sleep 0.1
done
[ -n "$(ip netns exec $NS_S ss -Hltn "sport = :$PORT")" ] ||
  { cat "$NDIR/log/vsftpd.stderr" >&2; die "vsftpd did not listen on $ADDR_S:$PORT"; }
touch "$NDIR/log/vsftpd.log"

CA=$(sed -n 's/^FTPS_TEST_CA=//p' "$BENCH_ENV")
got=$(ip netns exec $NS_C curl -sS --ssl-reqd --max-time 20 --cacert "$CA" \
      "ftp://ftpuser:ftppass@$ADDR_S:$PORT/hello.txt" 2>&1) || true
[ "$got" = "hello from vsftpd-netem" ] || die "curl through the delayed link got: $got"

# --- the measured round trip: median of 7 TCP connects from the client side ------------------
RTT=$(ip netns exec $NS_C "$BENCH_PY" - "$ADDR_S" "$PORT" <<'EOF'
import socket, statistics, sys, time
t = []
for _ in range(7):
    t0 = time.perf_counter()
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
    t.append(time.perf_counter() - t0)
    s.close()
    time.sleep(0.05)
print(f"{statistics.median(t) * 1000:.1f}")
EOF
)
log "link up: $DELAY_HOW; measured RTT $RTT ms"

{
  echo "FTPS_TEST_HOST=$ADDR_S"
  echo "FTPS_TEST_CA=$CA"
  sed -n 's/^\(FTPS_TEST_USER=.*\)/\1/p; s/^\(FTPS_TEST_PASS=.*\)/\1/p' "$BENCH_ENV"
  echo "FTPS_TEST_VSFTPD_EXPLICIT_PORT=$PORT"
  echo "FTPS_TEST_VSFTPD_EXPLICIT_MODE=explicit"
} > "$NDIR/servers.env"
if [ -z "$OUT" ]; then
  log "left running (netem.sh cleanup removes it); run clients with: ip netns exec $NS_C ..."
  echo "$NDIR/servers.env"
  exit 0
fi

# What a client cannot avoid per file against this server (from strace -r of ftps-bench
# and of ftplib across this link): EPSV -> 229 (1); TCP connect (1); RETR/STOR sent with
# the TLS ClientHello -> 150 + the resumed handshake (1); client Finished -> the data
# (download) / data + close_notify -> the server's close (upload) (1): 4, the protocol's
# minimum. vsftpd then answers 226 only after its SO_LINGER close() of the data socket
# has its FIN acknowledged: 2 round trips after the last data byte on a download, 1 after
# its close on an upload, for every client (ftplib included). Floor: 6 per download,
# 5 per upload; a client that pipelines the next EPSV before the 226 saves one.
FLOOR_TEXT="6 round trips per download, 5 per upload. The protocol needs 4 (EPSV -> 229; TCP \
connect; RETR/STOR sent together with the TLS ClientHello -> 150 and the resumed handshake; \
client Finished -> the data, or data + close_notify -> the server's close); vsftpd adds the \
rest: it sends 226 only once its SO_LINGER close() of the data socket has its FIN \
acknowledged, 2 round trips after the last data byte of a download and 1 after its close \
on an upload (seen with strace -r for ftps and for ftplib alike). Pipelining the next EPSV \
before the 226 would hide one round trip."
"$BENCH_PY" "$HERE/run.py" --env "$NDIR/servers.env" --servers vsftpd-explicit \
  --bin "$BENCH_WORK/bin" --data "$DATA" --local "$DATA-local" \
  --runs "$RUNS" --small-n "$SMALL_N" --small-n-for "" \
  ${BENCH_CLIENTS:+--clients "$BENCH_CLIENTS"} \
  --python "$BENCH_PY" --ftps-python "${BENCH_FTPS_PY:-}" \
  ${BENCH_BASELINE_BIN:+--baseline-bin "$BENCH_BASELINE_BIN" --baseline-label "$BENCH_BASELINE_LABEL" --note "$BENCH_BASELINE_NOTE"} \
  --wrap "ip netns exec $NS_C" --rtt-ms "$RTT" --server-log "$NDIR/log/vsftpd.log" \
  --floor-rtts "small-get=6,small-put=5" --floor-text "$FLOOR_TEXT" \
  --title "Wide-area link: vsftpd explicit, $RTT ms measured RTT, $BIG_MIB MiB and $SMALL_N x 4 KiB" \
  --note "Link: namespaces $NS_C ($ADDR_C) -> $NS_S ($ADDR_S) over a veth pair; delay by $DELAY_HOW. RTT measured as the median of 7 TCP connects from the client side." \
  --note "Linux default socket buffers (tcp_rmem max 6 MiB) in both namespaces, unless a client sets its own." \
  --out "$OUT" --json "$BENCH_WORK/netem.json" > /dev/null

# --- several sessions at once (issue 13) over the same link -------------------------------------
# ftps-rust on one session against ftps-rust-p8 (run_batch over 8 sessions, download_segmented
# in 8 ranges), lftp mirror -P 8 / pget -n 8 and rclone --transfers 8 (installed from Debian when
# missing; its failures are recorded as such). The big file grows to $PAR_BIG_MIB MiB.
if [ "${BENCH_NETEM_PARALLEL:-1}" = 1 ]; then
  PAR_BIG_MIB=${BENCH_NETEM_PAR_BIG_MIB:-256}
  PAR_CLIENTS=${BENCH_NETEM_PAR_CLIENTS:-ftps-rust,ftps-rust-b1,ftps-rust-p8,lftp-p8,rclone-p8}
  command -v rclone >/dev/null || {
    log "installing rclone (a peer of the parallel cases)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rclone > /dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rclone > /dev/null; } ||
      log "rclone could not be installed: its column says n/a"
  }
  head -c $((PAR_BIG_MIB * 1048576)) "$BENCH_DATA/big.bin" > "$DATA/big.bin"
  chown ftpuser:ftpuser "$DATA/big.bin"
  rm -rf "$DATA-local"; mkdir -p "$DATA-local"
  "$BENCH_PY" "$HERE/run.py" --env "$NDIR/servers.env" --servers vsftpd-explicit \
    --bin "$BENCH_WORK/bin" --data "$DATA" --local "$DATA-local" \
    --runs "$RUNS" --small-n 200 --small-n-for "ftps-rust=50" \
    --clients "$PAR_CLIENTS" --cases small-get,small-put,big-get \
    --python "$BENCH_PY" --wrap "ip netns exec $NS_C" --rtt-ms "$RTT" --no-goals --parallel-goals \
    --title "Wide-area link, several sessions: vsftpd explicit, $RTT ms measured RTT, $PAR_BIG_MIB MiB and 200 x 4 KiB" \
    --note "The same link. ftps-rust-p8: Client::run_batch over up to 8 sessions (downloads through download_file: temporary file, fsync, rename), Client::download_segmented in 8 ranges into a file on tmpfs; lftp-p8: mirror -P 8 (one LIST first), mirror -R -P 8, pget -n 8; rclone-p8: copy/copyto --transfers 8 --multi-thread-streams 8 with no_check_certificate (it has no CA option). ftps-rust moves 50 of the 200 small files per run (one session), the others all 200." \
    --out "$OUT.par" --json "$BENCH_WORK/netem-par.json" > /dev/null
  { echo; cat "$OUT.par"; } >> "$OUT"
  rm -f "$OUT.par"
fi
rm -rf "$DATA-local"
