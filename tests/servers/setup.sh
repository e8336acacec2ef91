#!/usr/bin/env bash
# setup.sh -- install what tests/servers/start.sh needs on a Debian 12 machine (run as root).
#
# Idempotent: every step checks whether it is already done, so a second run takes well
# under a second.  It
#   * apt-installs vsftpd, curl, openssl, lftp, iproute2 and the shared libraries the
#     extracted ProFTPD / pure-ftpd binaries link against (apt-get update only when
#     something is missing); vsftpd's package scripts are kept from starting a daemon on
#     port 21 with a temporary /usr/sbin/policy-rc.d;
#   * downloads proftpd-core (with mod_digest), proftpd-mod-crypto (mod_tls), pure-ftpd and
#     pure-ftpd-common with `apt-get download` and unpacks them with `dpkg-deb -x` into
#     $REPO/.servers/opt/{proftpd,pure-ftpd} -- they are NOT installed, because vsftpd,
#     proftpd-core and pure-ftpd all declare "Conflicts: ftp-server";
#   * creates vsftpd's secure_chroot_dir /var/run/vsftpd/empty;
#   * creates the local user ftpuser with password ftppass (used by vsftpd and ProFTPD;
#     pure-ftpd maps its virtual user onto this uid).
#
# $REPO is the repository root, found from this script's location; $REPO/.servers/ is
# gitignored.  Exits non-zero with a message on the first failure.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SERVERS_DIR=$REPO/.servers
OPT=$SERVERS_DIR/opt
DEBS=$SERVERS_DIR/debs

FTP_USER=ftpuser
FTP_PASS=ftppass

# Packages installed for real.  iproute2 gives `ss` (start.sh waits on listening ports).
APT_PACKAGES=(vsftpd curl openssl lftp iproute2
  libhiredis0.14 libmemcached11 libmemcachedutil2 libpcre2-posix3 libsodium23)
# Packages only downloaded and unpacked into $OPT/<prefix>.
PROFTPD_DEBS=(proftpd-core proftpd-mod-crypto)
PUREFTPD_DEBS=(pure-ftpd pure-ftpd-common)

log() { printf 'setup.sh: %s\n' "$*"; }
die() { printf 'setup.sh: ERROR: %s\n' "$*" >&2; exit 1; }
trap 'die "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

[ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, creates user $FTP_USER)"
for tool in apt-get dpkg-deb dpkg-query; do
  command -v "$tool" >/dev/null || die "$tool not found: this script targets Debian 12"
done

export DEBIAN_FRONTEND=noninteractive

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    apt-get update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
}

is_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# --- 1. apt packages ---------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  is_installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing: ${missing[*]}"
  apt_update_once
  # Keep invoke-rc.d from starting vsftpd on port 21 (exit 101 = "action forbidden").
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  rc=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
  if [ "$made_policy" -eq 1 ]; then
    rm -f /usr/sbin/policy-rc.d
  fi
  [ "$rc" -eq 0 ] || die "apt-get install ${missing[*]} failed (exit $rc)"
  for p in "${missing[@]}"; do
    is_installed "$p" || die "package $p is still not installed"
  done
fi
# A vsftpd started by the package (e.g. where policy-rc.d was absent on an earlier install)
# would hold port 21 only; it does not disturb our private ports, so it is left alone.

# --- 2. ProFTPD and pure-ftpd unpacked into a private prefix ------------------------------
# extract PREFIX_NAME MARKER_FILE... -- PACKAGES...
extract() {
  local prefix=$OPT/$1 debdir=$DEBS/$1; shift
  local markers=() pkgs=() all_present=1 f d
  while [ "$1" != "--" ]; do markers+=("$1"); shift; done
  shift
  pkgs=("$@")
  for f in "${markers[@]}"; do [ -e "$prefix/$f" ] || all_present=0; done
  if [ "$all_present" -eq 1 ]; then
    return 0
  fi
  log "downloading and unpacking ${pkgs[*]} into $prefix"
  rm -rf "${prefix:?}" "${debdir:?}"
  mkdir -p "$prefix" "$debdir"
  # apt-get download writes into the current directory; as root it warns that the _apt
  # sandbox user cannot write there -- harmless, so make the directory readable for it.
  chmod 755 "$DEBS" "$debdir"
  if ! (cd "$debdir" && apt-get download -qq "${pkgs[@]}" 2>/dev/null); then
    apt_update_once
    (cd "$debdir" && apt-get download -qq "${pkgs[@]}") ||
      die "apt-get download ${pkgs[*]} failed"
  fi
  for d in "$debdir"/*.deb; do
    dpkg-deb -x "$d" "$prefix" || die "dpkg-deb -x $d failed"
  done
  for f in "${markers[@]}"; do
    [ -e "$prefix/$f" ] || die "$prefix/$f missing after unpacking ${pkgs[*]}"
  done
}
extract proftpd usr/sbin/proftpd usr/lib/proftpd/mod_tls.so usr/lib/proftpd/mod_digest.so -- "${PROFTPD_DEBS[@]}"
extract pure-ftpd usr/sbin/pure-ftpd usr/bin/pure-pw -- "${PUREFTPD_DEBS[@]}"

# The unpacked binaries must find all their shared libraries on this machine.
for bin in "$OPT/proftpd/usr/sbin/proftpd" "$OPT/proftpd/usr/lib/proftpd/mod_tls.so" \
           "$OPT/proftpd/usr/lib/proftpd/mod_digest.so" \
           "$OPT/pure-ftpd/usr/sbin/pure-ftpd" "$OPT/pure-ftpd/usr/bin/pure-pw"; do
  if ldd "$bin" 2>&1 | grep -q 'not found'; then
    ldd "$bin" | grep 'not found' >&2
    die "$bin lacks shared libraries (see above); add their packages to APT_PACKAGES"
  fi
done

# --- 3. vsftpd's secure_chroot_dir ----------------------------------------------------------
[ -d /var/run/vsftpd/empty ] || mkdir -p /var/run/vsftpd/empty

# --- 4. the local test user ---------------------------------------------------------------
if ! id "$FTP_USER" >/dev/null 2>&1; then
  log "creating user $FTP_USER"
  useradd -m -s /bin/bash "$FTP_USER" || die "useradd $FTP_USER failed"
fi
# vsftpd's PAM stack (pam_shells) and ProFTPD's RequireValidShell want a shell listed in
# /etc/shells.
shell=$(getent passwd "$FTP_USER" | cut -d: -f7)
if ! grep -qxF "$shell" /etc/shells; then
  log "giving $FTP_USER the login shell /bin/bash (had $shell)"
  usermod -s /bin/bash "$FTP_USER"
fi
# Set the password unless the stored hash already matches (perl's crypt() is libcrypt's,
# which understands every scheme Debian writes: yescrypt, sha512-crypt, ...).
hash=$(getent shadow "$FTP_USER" | cut -d: -f2)
if ! perl -e 'exit(crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? 0 : 1)' "$FTP_PASS" "$hash" 2>/dev/null; then
  log "setting the password of $FTP_USER"
  echo "$FTP_USER:$FTP_PASS" | chpasswd || die "chpasswd failed"
fi

log "done (servers unpacked under $OPT)"
