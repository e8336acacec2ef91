#!/usr/bin/env bash
# start.sh -- start five real FTPS servers on 127.0.0.1 for the tests (run as root, after
# setup.sh).  Every run gets a fresh run directory, fresh PKI and fresh data roots:
#
#   name                server                          mode      control port   passive ports
#   vsftpd-explicit     vsftpd 3.0.3 (apt)              explicit  BASE+0         BASE+100..199
#   vsftpd-implicit     vsftpd 3.0.3 (apt)              implicit  BASE+1         BASE+200..299
#   proftpd-explicit    ProFTPD 1.3.8 + mod_tls/digest  explicit  BASE+2         BASE+300..399
#   proftpd-implicit    ProFTPD 1.3.8 + mod_tls/digest  implicit  BASE+3         BASE+400..499
#   pure-ftpd-explicit  pure-ftpd 1.0.50                explicit  BASE+4         BASE+500..599
#
# BASE is ${FTPS_SERVERS_PORT_BASE:-23000}; the run directory RUN is
# ${FTPS_SERVERS_RUN:-$REPO/.servers/run}.  Servers recorded in an existing RUN are stopped
# first (stop.sh), then RUN is wiped and recreated:
#
#   RUN/pki/                 ca.pem (RSA-2048 test CA), server.pem/.key (CN=localhost,
#                            SAN DNS:localhost IP:127.0.0.1 IP:::1, signed by ca.pem),
#                            wrong-ca.pem (an unrelated CA that signed nothing we serve)
#   RUN/ca.pem, RUN/wrong-ca.pem   copies of the above, for short paths
#   RUN/conf/<name>.*        generated configs      RUN/log/<name>.*   server logs
#   RUN/state/               ProFTPD scoreboards/pid files, pure-ftpd user db
#   RUN/root/<name>/         the FTP root (chroot) of ftpuser on that server; hello.txt
#   RUN/<name>.pid           PID of each server (the process stop.sh signals)
#   RUN/servers.env          KEY=VALUE description for the tests (see README.md)
#
# Each server must accept a real `curl --ssl-reqd` download of hello.txt before this script
# succeeds; on any failure it prints the server's log tail, stops what it started and exits
# non-zero.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OPT=$REPO/.servers/opt
RUN=${FTPS_SERVERS_RUN:-$REPO/.servers/run}
BASE=${FTPS_SERVERS_PORT_BASE:-23000}

FTP_USER=ftpuser
FTP_PASS=ftppass
HOST=127.0.0.1
SERVERS=(vsftpd-explicit vsftpd-implicit proftpd-explicit proftpd-implicit pure-ftpd-explicit)
# A file in RUN that marks it as ours: RUN is only ever wiped when it holds this marker.
MARKER=.ftps-test-servers-run

T0=$(date +%s%N)
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
log() { printf 'start.sh: %s\n' "$*"; }
die() { printf 'start.sh: ERROR: %s\n' "$*" >&2; exit 1; }

# --- preconditions -------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] ||
  die "must run as root: the servers bind, read /etc/shadow, chroot and switch to user $FTP_USER"
id "$FTP_USER" >/dev/null 2>&1 || die "user $FTP_USER does not exist: run tests/servers/setup.sh"
for f in /usr/sbin/vsftpd "$OPT/proftpd/usr/sbin/proftpd" "$OPT/proftpd/usr/lib/proftpd/mod_tls.so" \
         "$OPT/proftpd/usr/lib/proftpd/mod_digest.so" \
         "$OPT/pure-ftpd/usr/sbin/pure-ftpd" "$OPT/pure-ftpd/usr/bin/pure-pw"; do
  [ -e "$f" ] || die "$f not found: run tests/servers/setup.sh"
done
mkdir -p /var/run/vsftpd/empty   # vsftpd secure_chroot_dir (on tmpfs /run: gone after a reboot)
for tool in openssl curl ss setsid runuser sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found: run tests/servers/setup.sh"
done
case $BASE in
  '' | *[!0-9]*) die "FTPS_SERVERS_PORT_BASE=$BASE is not a number" ;;
esac
if [ "$BASE" -lt 1024 ] || [ "$BASE" -gt 64900 ]; then
  die "FTPS_SERVERS_PORT_BASE=$BASE must be in 1024..64900 (it uses BASE..BASE+599)"
fi
case $RUN in
  /*) ;;
  *) RUN=$PWD/$RUN ;;
esac

# --- stop a previous run, wipe and recreate RUN --------------------------------------------
if [ -e "$RUN" ]; then
  if [ -n "$(ls -A "$RUN" 2>/dev/null)" ] && [ ! -e "$RUN/$MARKER" ]; then
    die "$RUN exists, is not empty and was not made by start.sh: refusing to wipe it"
  fi
  FTPS_SERVERS_RUN=$RUN "$HERE/stop.sh"
  rm -rf "${RUN:?}"
fi
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd -P)
chmod 755 "$RUN"
touch "$RUN/$MARKER"
mkdir -p "$RUN"/{pki,conf,log,state,root}
chmod 700 "$RUN/state"

# On any failure: say which command failed, and stop whatever this run already started.
STARTED_PIDS=()
STEP_LOG=""   # the output of the step under way, shown if it fails
on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ -n "$STEP_LOG" ] && [ -s "$STEP_LOG" ]; then
    printf -- '----- %s -----\n' "$STEP_LOG" >&2
    tail -n 30 "$STEP_LOG" >&2
  fi
  if [ "$rc" -ne 0 ] && [ "${#STARTED_PIDS[@]}" -gt 0 ]; then
    printf 'start.sh: stopping the servers started by this run\n' >&2
    FTPS_SERVERS_RUN=$RUN "$HERE/stop.sh" >&2 || true
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'printf "start.sh: ERROR: command failed at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

# --- helpers over server names ---------------------------------------------------------------
# index of a server in SERVERS (fixes its ports)
index_of() {
  local i
  for i in "${!SERVERS[@]}"; do
    [ "${SERVERS[$i]}" = "$1" ] && { echo "$i"; return; }
  done
  die "unknown server $1"
}
ctl_port() { echo $((BASE + $(index_of "$1"))); }
pasv_min() { echo $((BASE + 100 * ($(index_of "$1") + 1))); }
pasv_max() { echo $((BASE + 100 * ($(index_of "$1") + 1) + 99)); }
mode_of() { case $1 in *-implicit) echo implicit ;; *) echo explicit ;; esac; }
env_name() { local n=${1^^}; echo "${n//-/_}"; }   # vsftpd-explicit -> VSFTPD_EXPLICIT

port_in_use() { [ -n "$(ss -Hltn "sport = :$1")" ]; }

for n in "${SERVERS[@]}"; do
  p=$(ctl_port "$n")
  port_in_use "$p" && die "port $p (for $n) is already in use; pick another FTPS_SERVERS_PORT_BASE"
done

# --- PKI -------------------------------------------------------------------------------------
PKI=$RUN/pki
make_pki() {
  # test CA, server leaf (localhost, 127.0.0.1, ::1) and an unrelated CA: see pki.sh
  "$HERE/pki.sh" "$PKI"
  cp "$PKI/ca.pem" "$RUN/ca.pem"
  cp "$PKI/wrong-ca.pem" "$RUN/wrong-ca.pem"
}
# (steps run as plain commands, not under "||", so that errexit stays in force inside them)
T_PKI=$(date +%s%N)
STEP_LOG=$RUN/log/pki.log
make_pki > "$STEP_LOG" 2>&1
STEP_LOG=""
CERT=$PKI/server.pem
KEY=$PKI/server.key
CERT_SHA256=$(openssl x509 -in "$CERT" -outform DER | sha256sum | cut -d' ' -f1)
SPKI_SHA256=$(openssl x509 -in "$CERT" -noout -pubkey | openssl pkey -pubin -outform DER |
  sha256sum | cut -d' ' -f1)

# --- data roots ------------------------------------------------------------------------------
for n in "${SERVERS[@]}"; do
  r=$RUN/root/$n
  mkdir -p "$r"
  printf 'hello from %s\n' "$n" > "$r/hello.txt"
  chown -R "$FTP_USER:$FTP_USER" "$r"
  chmod 755 "$r"
  chmod 644 "$r/hello.txt"
done
# The user must reach and write its root: fails when RUN lies below a directory other
# users cannot traverse (e.g. /root); set FTPS_SERVERS_RUN elsewhere then.
runuser -u "$FTP_USER" -- test -w "$RUN/root/${SERVERS[0]}" -a -x "$RUN/root/${SERVERS[0]}" ||
  die "user $FTP_USER cannot enter/write $RUN/root/${SERVERS[0]} (is a parent directory" \
      "closed to other users?); set FTPS_SERVERS_RUN to a path below a world-traversable directory"

# --- server configs --------------------------------------------------------------------------
vsftpd_conf() { # NAME
  local n=$1
  cat <<EOF
# vsftpd 3.0.3 -- $n ($(mode_of "$n") FTPS) on $HOST:$(ctl_port "$n"), generated by start.sh
listen=YES
listen_ipv6=NO
listen_address=$HOST
listen_port=$(ctl_port "$n")
# foreground: start.sh keeps \$! as the PID (vsftpd writes no pid file)
background=NO
# --- users: local system user $FTP_USER, chrooted into its own root ---
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
chroot_local_user=YES
allow_writeable_chroot=YES
local_root=$RUN/root/$n
pam_service_name=vsftpd
secure_chroot_dir=/var/run/vsftpd/empty
# --- data connections: passive in a private range, active (PORT/EPRT) allowed ---
pasv_enable=YES
pasv_address=$HOST
pasv_min_port=$(pasv_min "$n")
pasv_max_port=$(pasv_max "$n")
port_enable=YES
connect_from_port_20=NO
# --- TLS on control and data, data connections must resume the control session ---
ssl_enable=YES
implicit_ssl=$([ "$(mode_of "$n")" = implicit ] && echo YES || echo NO)
rsa_cert_file=$CERT
rsa_private_key_file=$KEY
allow_anon_ssl=NO
force_local_logins_ssl=YES
force_local_data_ssl=YES
require_ssl_reuse=YES
strict_ssl_read_eof=YES
ssl_sslv2=NO
ssl_sslv3=NO
ssl_tlsv1=YES
ssl_ciphers=HIGH
# --- logging ---
xferlog_enable=YES
dual_log_enable=YES
xferlog_file=$RUN/log/$n.xferlog
vsftpd_log_file=$RUN/log/$n.log
log_ftp_protocol=YES
EOF
}

proftpd_conf() { # NAME
  local n=$1 implicit=""
  # UseImplicitSSL = TLS from the first byte (no AUTH TLS)
  [ "$(mode_of "$n")" = implicit ] && implicit="  TLSOptions                  UseImplicitSSL"
  cat <<EOF
# ProFTPD 1.3.8 + mod_tls + mod_digest -- $n ($(mode_of "$n") FTPS) on $HOST:$(ctl_port "$n"), generated by start.sh
# syntax check: $OPT/proftpd/usr/sbin/proftpd -t -c $RUN/conf/$n.conf
ModulePath              $OPT/proftpd/usr/lib/proftpd
<IfModule mod_dso.c>
  LoadModule mod_tls.c
  LoadModule mod_digest.c
</IfModule>

ServerName              "ftps tests $n"
ServerType              standalone
DefaultServer           on
UseIPv6                 off
DefaultAddress          $HOST
SocketBindTight         on
Port                    $(ctl_port "$n")
PassivePorts            $(pasv_min "$n") $(pasv_max "$n")
MaxInstances            50

# root starts it (bind, chroot, /etc/shadow); the daemon then runs as nobody and each
# session as the logged-in user
User                    nobody
Group                   nogroup

PidFile                 $RUN/state/$n.proftpd.pid
ScoreboardFile          $RUN/state/$n.scoreboard
DelayTable              $RUN/state/$n.delay
SystemLog               $RUN/log/$n.log
TransferLog             $RUN/log/$n.xferlog
WtmpLog                 off
UseReverseDNS           off
<IfModule mod_ident.c>
  IdentLookups          off
</IfModule>

# local system users from /etc/passwd + /etc/shadow (no PAM service file needed)
AuthOrder               mod_auth_unix.c
<IfModule mod_auth_pam.c>
  AuthPAM               off
</IfModule>
RequireValidShell       on
DefaultRoot             $RUN/root/$n
Umask                   022
AllowOverwrite          on
AllowStoreRestart       on
AllowRetrieveRestart    on
<Limit SITE_CHMOD>
  DenyAll
</Limit>

# hash commands: HASH + OPTS HASH (draft-bryan-ftpext-hash), XCRC, MD5/XMD5, XSHA/XSHA1,
# XSHA256, XSHA512.  DigestMaxSize off = no size limit (also the module default), so a
# 1 GiB file can be hashed.  DigestCache off: the default cache keys a digest by path,
# mtime (whole seconds), offset and length, so after a file is replaced by one of the
# same size within the same second (STOR over it, or RNTO onto it) it answers the OLD
# file's digest for up to 30 s.
<IfModule mod_digest.c>
  DigestEngine                on
  DigestAlgorithms            crc32 md5 sha1 sha256 sha512
  DigestMaxSize               off
  DigestCache                 off
</IfModule>

<IfModule mod_tls.c>
  TLSEngine                   on
  TLSLog                      $RUN/log/$n.tls.log
  TLSProtocol                 TLSv1.2 TLSv1.3
  TLSRSACertificateFile       $CERT
  TLSRSACertificateKeyFile    $KEY
  TLSVerifyClient             off
  # control AND data channel must be protected (AUTH/implicit + PROT P)
  TLSRequired                 on
  TLSRenegotiate              none
  # Data connections must resume the control session: mod_tls's default (no
  # "TLSOptions NoSessionReuseRequired" here).  Add "TLSOptions EnableDiags" to debug.
$implicit
</IfModule>
EOF
}

pureftpd_prepare() { # NAME -- the virtual user db for pure-ftpd
  local n=$1 uid gid hash
  uid=$(id -u "$FTP_USER")
  gid=$(id -g "$FTP_USER")
  # pure-pw would hash with argon2id (~4 s per hash and per LOGIN): write the entry
  # ourselves with a sha512-crypt hash.  Home ending in "/./" = chrooted there.
  hash=$(openssl passwd -6 "$FTP_PASS")
  printf '%s:%s:%s:%s::%s/./::::::::::::\n' "$FTP_USER" "$hash" "$uid" "$gid" "$RUN/root/$n" \
    > "$RUN/state/$n.passwd"
  chmod 600 "$RUN/state/$n.passwd"
  "$OPT/pure-ftpd/usr/bin/pure-pw" mkdb "$RUN/state/$n.pdb" -f "$RUN/state/$n.passwd"
  [ -s "$RUN/state/$n.pdb" ] || { echo "pure-pw made no $RUN/state/$n.pdb" >&2; return 1; }
}

# --- start -----------------------------------------------------------------------------------
# Each server runs in a session of its own (setsid), so that stop.sh can signal the whole
# process group (daemon + per-connection children).  $! is the server itself: a background
# child of a script is no process-group leader, so setsid execs without forking.
start_server() { # NAME
  local n=$1 pid
  case $n in
    vsftpd-*)
      vsftpd_conf "$n" > "$RUN/conf/$n.conf"
      setsid /usr/sbin/vsftpd "$RUN/conf/$n.conf" </dev/null > "$RUN/log/$n.stderr" 2>&1 &
      ;;
    proftpd-*)
      proftpd_conf "$n" > "$RUN/conf/$n.conf"
      "$OPT/proftpd/usr/sbin/proftpd" -t -c "$RUN/conf/$n.conf" > "$RUN/log/$n.check" 2>&1 ||
        { cat "$RUN/log/$n.check" >&2; die "$n: config check failed"; }
      setsid "$OPT/proftpd/usr/sbin/proftpd" -n -c "$RUN/conf/$n.conf" \
        </dev/null > "$RUN/log/$n.stderr" 2>&1 &
      ;;
    pure-ftpd-*)
      STEP_LOG=$RUN/log/$n.mkdb
      pureftpd_prepare "$n" > "$STEP_LOG" 2>&1
      STEP_LOG=""
      # --tls 3: TLS required on control and data; no -B (stay in the foreground)
      setsid "$OPT/pure-ftpd/usr/sbin/pure-ftpd" \
        --bind "$HOST,$(ctl_port "$n")" \
        --ipv4only \
        --passiveportrange "$(pasv_min "$n"):$(pasv_max "$n")" \
        --forcepassiveip "$HOST" \
        --login "puredb:$RUN/state/$n.pdb" \
        --noanonymous \
        --chrooteveryone \
        --dontresolve \
        --tls 3 \
        --certfile "$CERT,$KEY" \
        --pidfile "$RUN/state/$n.pure-ftpd.pid" \
        --altlog "clf:$RUN/log/$n.xferlog" \
        --syslogfacility none \
        --maxclientsnumber 50 --maxclientsperip 50 \
        </dev/null > "$RUN/log/$n.stderr" 2>&1 &
      ;;
  esac
  pid=$!
  echo "$pid" > "$RUN/$n.pid"
  STARTED_PIDS+=("$pid")
}

log_tail() { # NAME -- the end of every log of a server, to stderr
  local f
  for f in "$RUN/log/$1".*; do
    [ -s "$f" ] || continue
    printf -- '----- %s (last 20 lines) -----\n' "$f" >&2
    tail -n 20 "$f" >&2
  done
}

wait_listening() { # NAME -- up to ~10 s
  local n=$1 port pid i
  port=$(ctl_port "$n")
  pid=$(cat "$RUN/$n.pid")
  for i in $(seq 100); do
    if [[ $(ss -Hltn "sport = :$port") == *"$HOST:$port"* ]]; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      local rc=0
      wait "$pid" || rc=$?
      log_tail "$n"
      die "$n (pid $pid) exited with status $rc before listening on $HOST:$port"
    fi
    [ "$i" -lt 100 ] && sleep 0.1
  done
  log_tail "$n"
  die "$n (pid $pid) is not listening on $HOST:$port after 10 s"
}

verify_server() { # NAME -- a real FTPS download of hello.txt with curl
  local n=$1 scheme=ftp got
  [ "$(mode_of "$n")" = implicit ] && scheme=ftps
  if ! got=$(curl -sS --ssl-reqd --max-time 15 --cacert "$RUN/ca.pem" \
      "$scheme://$FTP_USER:$FTP_PASS@$HOST:$(ctl_port "$n")/hello.txt" 2>&1); then
    printf '%s\n' "$got" >&2
    log_tail "$n"
    die "$n: curl could not download hello.txt"
  fi
  if [ "$got" != "hello from $n" ]; then
    printf 'got: %s\n' "$got" >&2
    log_tail "$n"
    die "$n: hello.txt has unexpected content"
  fi
}

MS_PKI=$(ms_since "$T_PKI")
T_START=$(date +%s%N)
for n in "${SERVERS[@]}"; do start_server "$n"; done
for n in "${SERVERS[@]}"; do wait_listening "$n"; done
MS_LISTEN=$(ms_since "$T_START")
T_VERIFY=$(date +%s%N)
# curl spends ~0.2 s per transfer idling; check the five servers in parallel.
verify_pids=()
for n in "${SERVERS[@]}"; do
  ( verify_server "$n" ) > "$RUN/log/verify-$n.out" 2>&1 &
  verify_pids+=("$!")
done
failed=()
for i in "${!SERVERS[@]}"; do
  wait "${verify_pids[$i]}" || failed+=("${SERVERS[$i]}")
done
if [ "${#failed[@]}" -gt 0 ]; then
  for n in "${failed[@]}"; do cat "$RUN/log/verify-$n.out" >&2; done
  die "verification failed for: ${failed[*]}"
fi

# --- the env file ----------------------------------------------------------------------------
# KEY=VALUE, no quotes, no spaces in values: read by bash `source` and by the Rust helper
# (split on the first '=').  FTPS_TEST_SERVERS is therefore comma-separated.
{
  echo "FTPS_TEST_RUN=$RUN"
  echo "FTPS_TEST_HOST=$HOST"
  echo "FTPS_TEST_CA=$RUN/ca.pem"
  echo "FTPS_TEST_WRONG_CA=$RUN/wrong-ca.pem"
  echo "FTPS_TEST_SERVER_CERT=$CERT"
  echo "FTPS_TEST_CERT_SHA256=$CERT_SHA256"
  echo "FTPS_TEST_SPKI_SHA256=$SPKI_SHA256"
  echo "FTPS_TEST_USER=$FTP_USER"
  echo "FTPS_TEST_PASS=$FTP_PASS"
  echo "FTPS_TEST_SERVERS=$(IFS=,; echo "${SERVERS[*]}")"
  for n in "${SERVERS[@]}"; do
    k=FTPS_TEST_$(env_name "$n")
    case $n in
      vsftpd-*) mlsd=no reuse=yes resumes=yes ;;
      proftpd-*) mlsd=yes reuse=yes resumes=yes ;;
      pure-ftpd-*) mlsd=yes reuse=no resumes=no ;;
    esac
    echo "${k}_SOFTWARE=${n%-*}"
    echo "${k}_PORT=$(ctl_port "$n")"
    echo "${k}_MODE=$(mode_of "$n")"
    echo "${k}_ROOT=$RUN/root/$n"
    echo "${k}_MLSD=$mlsd"
    echo "${k}_REUSE_REQUIRED=$reuse"
    echo "${k}_TLS13_RESUMES=$resumes"
    echo "${k}_PASV_MIN=$(pasv_min "$n")"
    echo "${k}_PASV_MAX=$(pasv_max "$n")"
    echo "${k}_PID=$(cat "$RUN/$n.pid")"
  done
} > "$RUN/servers.env.tmp"
mv "$RUN/servers.env.tmp" "$RUN/servers.env"

MS_VERIFY=$(ms_since "$T_VERIFY")
for n in "${SERVERS[@]}"; do
  log "$(printf '%-19s %-8s port %-5s pid %s' "$n" "$(mode_of "$n")" "$(ctl_port "$n")" "$(cat "$RUN/$n.pid")")"
done
log "all ${#SERVERS[@]} servers verified in $(ms_since "$T0") ms" \
  "(PKI $MS_PKI ms, until listening $MS_LISTEN ms, curl checks $MS_VERIFY ms)"
echo "$RUN/servers.env"
