#!/usr/bin/env bash
# .ci/slurm/stop.sh - stop the daemons that .ci/slurm/start.sh launched, and
# only those: each is found by the PID recorded in $SLURM_BASE/pids/NAME.pid
# and signalled only while that PID still runs the expected executable (no
# pkill, no killall, no search by name). Jobs still queued or running are
# cancelled first, and slurmd stops before slurmctld, so that no job process
# outlives the cluster. Stopping a stopped cluster does nothing.
#
# Adapted from the single-node Slurm recipe in the workspace's shared/slurm/
# (stop-slurm.sh).
#
#   SLURM_BASE     the folder start.sh used (default /tmp/radflow-slurm)
#   --keep-munge   leave munged running (start.sh uses it on reconfiguration)
#   --purge        afterwards also delete the state and logs
set -uo pipefail

BASE=${SLURM_BASE:-/tmp/radflow-slurm}
PIDS=$BASE/pids
keep_munge=0; purge=0
for a in "$@"; do
  case "$a" in
    --keep-munge) keep_munge=1 ;;
    --purge) purge=1 ;;
    *) echo "usage: $0 [--keep-munge] [--purge]" >&2; exit 2 ;;
  esac
done
log() { printf '[slurm stop %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# pid_of NAME EXE: print the recorded PID if it is alive and still runs EXE.
pid_of() {
  local pidf=$PIDS/$1.pid pid exe
  [ -s "$pidf" ] || return 1
  pid=$(cat "$pidf")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  [ "${exe% (deleted)}" = "$2" ] || return 1
  echo "$pid"
}
# gone PID: the process no longer exists or is a zombie (exited, not reaped).
gone() {
  [ ! -d "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}
# stop_one NAME EXE [TERM_WAIT_SECONDS]: SIGTERM, then SIGKILL if it lingers.
stop_one() {
  local name=$1 exe=$2 wait=${3:-15} pid i
  if ! pid=$(pid_of "$name" "$exe"); then
    [ -e "$PIDS/$name.pid" ] && log "$name: not running (stale pid file)"
    rm -f "$PIDS/$name.pid" "$PIDS/$name.self.pid"; return 0
  fi
  log "$name: SIGTERM to pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < wait * 10; i++)); do gone "$pid" && break; sleep 0.1; done
  if ! gone "$pid"; then
    log "$name: still alive after $wait s, SIGKILL to pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do gone "$pid" && break; sleep 0.1; done
  fi
  rm -f "$PIDS/$name.pid" "$PIDS/$name.self.pid"
}

SLURMCTLD=$(readlink -f /usr/sbin/slurmctld 2>/dev/null || echo /usr/sbin/slurmctld-wlm)
SLURMD=$(readlink -f /usr/sbin/slurmd 2>/dev/null || echo /usr/sbin/slurmd-wlm)

# Cancel what is still queued or running on this private cluster, so that the
# job step daemons (slurmstepd, forked by our slurmd) end with their jobs.
if pid_of slurmctld "$SLURMCTLD" >/dev/null && pid_of slurmd "$SLURMD" >/dev/null; then
  jobs=$(squeue -h -o '%A' 2>/dev/null | sort -u | tr '\n' ' ')
  if [ -n "${jobs// }" ]; then
    log "cancelling jobs: $jobs"
    # shellcheck disable=SC2086
    scancel $jobs 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do     # up to 15 s
      [ -z "$(squeue -h -o '%A' 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
fi

stop_one slurmd "$SLURMD"
stop_one slurmctld "$SLURMCTLD"
[ "$keep_munge" = 1 ] || stop_one munged /usr/sbin/munged

if [ "$purge" = 1 ]; then
  log "purging $BASE/state and $BASE/log"
  rm -rf "$BASE/state" "$BASE/log"
fi
exit 0
