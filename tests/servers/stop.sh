#!/usr/bin/env bash
# stop.sh -- stop the FTPS test servers recorded in the run directory by start.sh.
#
# RUN is ${FTPS_SERVERS_RUN:-$REPO/.servers/run}.  For every RUN/<name>.pid: send TERM to the
# server and to all its descendants and process-group members (the per-connection session
# processes), wait up to 5 s, then KILL what is left, and remove the pid file.
# A PID is only signalled while it still belongs to vsftpd, proftpd or pure-ftpd, so a
# stale pid file never hits an unrelated process.  Idempotent: nothing recorded, nothing done.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RUN=${FTPS_SERVERS_RUN:-$REPO/.servers/run}
GRACE_TENTHS=50   # 5 s

log() { printf 'stop.sh: %s\n' "$*"; }

[ -d "$RUN" ] || exit 0

# is_ours PID -- the process exists and runs one of our server binaries
is_ours() {
  local exe
  exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
  case ${exe##*/} in
    vsftpd* | proftpd* | pure-ftpd*) return 0 ;;
    *) return 1 ;;
  esac
}

# procs -- one line per process: "pid state ppid pgrp" (from /proc; procps may be absent)
procs() {
  # (processes may vanish between the glob and the read: ignore cat's complaint)
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } |
    awk '{ pid = $1; sub(/^.*\) /, ""); print pid, $1, $2, $3 }'  # drop "pid (comm) "
}

# tree PID -- PID, its descendants and the members of its process group, zombies left out.
# vsftpd puts each session into a session of its own, so the group alone is not enough.
tree() {
  procs | awk -v root="$1" '
    { state[$1] = $2; parent[$1] = $3; group[$1] = $4 }
    END {
      keep[root] = 1
      do {                                  # close over "child of a kept process"
        grew = 0
        for (p in parent)
          if (!(p in keep) && ((parent[p] in keep) || group[p] == root)) { keep[p] = 1; grew = 1 }
      } while (grew)
      for (p in keep) if ((p in state) && state[p] != "Z") print p
    }'
}

# alive PID... -- print those of the PIDs that still exist and are no zombie (a zombie is a
# server already dead but not yet reaped by its parent)
alive() {
  procs | awk -v list="$*" '
    BEGIN { n = split(list, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
    ($1 in want) && $2 != "Z" { print $1 }'
}

names=() pids=()
shopt -s nullglob
for pidfile in "$RUN"/*.pid; do
  name=$(basename "$pidfile" .pid)
  pid=$(tr -dc '0-9' < "$pidfile")
  if [ -n "$pid" ] && is_ours "$pid"; then
    # shellcheck disable=SC2046  # word splitting of the PID list is intended
    set -- $(tree "$pid")
    if [ "$#" -gt 0 ]; then
      kill -TERM -- "$@" 2>/dev/null || true
      pids+=("$@")
    fi
    names+=("$name ($pid)")
  fi
  rm -f "$pidfile"
done

[ "${#names[@]}" -gt 0 ] || exit 0

# wait for all of them together, up to the grace period; then KILL what is left
left=""
for ((i = 0; i < GRACE_TENTHS; i++)); do
  left=$(alive "${pids[@]}")
  [ -n "$left" ] || break
  sleep 0.1
done
if [ -n "$left" ]; then
  log "KILL after 5 s: $(echo "$left" | tr '\n' ' ')"
  # shellcheck disable=SC2086  # one PID per word
  kill -KILL -- $left 2>/dev/null || true
fi
for n in "${names[@]}"; do log "stopped $n"; done
