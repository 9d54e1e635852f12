#!/usr/bin/env bash
# .ci/slurm/start.sh - install, configure and start a real single-node Slurm
# cluster on this machine (controller and compute node on localhost) for
# radflow's cluster tests, from Debian 12 packages, as root, without systemd.
#
# Adapted from the single-node Slurm recipe in the workspace's shared/slurm/
# (start-slurm.sh); this copy is the project's own so that CI needs nothing
# outside the repository. Accounting (slurmdbd + MariaDB) is left out: the
# client reads job states from `scontrol show job`, which needs neither.
#
# Each daemon runs in the foreground of its own session, detached from the
# caller; its PID is recorded in $SLURM_BASE/pids/NAME.pid, and stop.sh stops
# exactly those PIDs. Idempotent: run again while the daemons live, it only
# checks that the node is up (and restarts them if the generated config
# changed).
#
# Environment (all optional):
#   SLURM_BASE           state, log and pid folder, the same for start and stop
#                        (default /tmp/radflow-slurm)
#   SLURM_NODE_CPUS      CPUs the node advertises (default: the real count, at
#                        least 8, so several short array tasks run at once even
#                        on a 2-core machine)
#   SLURM_CTLD_PORT      SlurmctldPort (default 6817)
#   SLURM_D_PORT         SlurmdPort (default 6818)
#   SLURM_START_TIMEOUT  seconds to wait for each daemon and the first job
#                        (default 90)
#   SLURM_SMOKE_TEST=0   skip the final check that one batch job runs
#   SLURM_REPLACE_CONF=1 back up and replace an /etc/slurm/slurm.conf this
#                        script did not write (default: refuse, since the
#                        machine may belong to a real cluster)
#
# Prints timings (install, daemons up, first job) on stderr.
set -Eeuo pipefail

BASE=${SLURM_BASE:-/tmp/radflow-slurm}
CTLD_PORT=${SLURM_CTLD_PORT:-6817}
D_PORT=${SLURM_D_PORT:-6818}
TIMEOUT=${SLURM_START_TIMEOUT:-90}
SMOKE=${SLURM_SMOKE_TEST:-1}
REPLACE_CONF=${SLURM_REPLACE_CONF:-0}
MIN_NODE_CPUS=8

# Debian's compiled-in config location: sbatch, scontrol, ... find it without
# SLURM_CONF, so neither the tests nor the jobs need any environment.
CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
PIDS=$BASE/pids
LOGS=$BASE/log
STATE=$BASE/state
MUNGE_RUN=/run/munge                # libmunge's compiled-in socket folder
MARKER="# managed-by: radflow .ci/slurm/start.sh"

log() { printf '[slurm start %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
  trap - ERR
  log "error: $*"
  local f
  for f in "$LOGS"/munged.out "$LOGS"/slurmctld.log "$LOGS"/slurmctld.out \
           "$LOGS"/slurmd.log "$LOGS"/slurmd.out; do
    if [ -s "$f" ]; then echo "----- tail $f -----" >&2; tail -n 25 "$f" >&2; fi
  done
  exit 1
}
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR
now() { date +%s.%N; }
since() { awk "BEGIN{printf \"%.1f\", $(now) - $1}"; }

[ "$(id -u)" = 0 ] || die "must run as root (it installs packages and starts daemons)"

# ------------------------------------------------------------------ install ---
t_install=$(now)
pkgs=(munge slurmctld slurmd slurm-client)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing: ${missing[*]}"
  # Keep the packages' maintainer scripts from starting the services
  # themselves (invoke-rc.d runs /etc/init.d/* when systemd is not PID 1):
  # this script starts the daemons so that it owns their PIDs.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  ok=0
  for try in 1 2 3; do
    if apt-get -q update -o DPkg::Lock::Timeout=300 \
       && apt-get -q install -y --no-install-recommends \
            -o DPkg::Lock::Timeout=300 "${missing[@]}"; then
      ok=1; break
    fi
    log "apt attempt $try failed, retrying in 5 s"; sleep 5
  done
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ "$ok" = 1 ] || die "apt-get install ${missing[*]} failed"
  log "installed in $(since "$t_install") s"
else
  log "packages already installed"
fi

mkdir -p "$PIDS" "$LOGS" "$STATE/ctld" "$STATE/spool"
# slurmctld drops to SlurmUser=slurm: it must own its state and logs.
chown slurm:slurm "$STATE/ctld" "$LOGS"
chmod 755 "$BASE" "$STATE" "$PIDS" "$LOGS"

# ------------------------------------------------------------------ helpers ---
# alive NAME EXE: pids/NAME.pid names a live process running EXE (guards
# against stale pid files and recycled PIDs).
alive() {
  local pidf=$PIDS/$1.pid pid exe
  [ -s "$pidf" ] || return 1
  pid=$(cat "$pidf")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  [ "${exe% (deleted)}" = "$2" ]
}
# launch NAME CMD...: run CMD in its own session (setsid: no controlling tty,
# not in the caller's process group), stdin /dev/null, output to log/NAME.out,
# and record its PID: the shell writes $$ and then execs CMD, so the recorded
# PID is the daemon's own.
launch() {
  local name=$1; shift
  rm -f "$PIDS/$name.pid"
  # shellcheck disable=SC2016  # $$ and $@ expand in the inner shell
  setsid bash -c 'echo $$ > "$1"; shift; exec "$@"' _ "$PIDS/$name.pid" "$@" \
    < /dev/null >> "$LOGS/$name.out" 2>&1 &
  for _ in $(seq 50); do [ -s "$PIDS/$name.pid" ] && return 0; sleep 0.1; done
  die "$name did not start"
}
# wait_for NAME EXE CMD...: poll CMD until it succeeds, while NAME stays alive.
wait_for() {
  local name=$1 exe=$2; shift 2
  local deadline=$(( $(date +%s) + TIMEOUT ))
  until "$@" >/dev/null 2>&1; do
    alive "$name" "$exe" || die "$name exited during startup"
    [ "$(date +%s)" -lt "$deadline" ] || die "$name not ready after ${TIMEOUT} s"
    sleep 0.2
  done
}
# port_free PORT: nothing accepts connections on 127.0.0.1:PORT (bash's
# /dev/tcp, so no dependency on ss or netstat).
port_free() { ! timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

t_daemons=$(now)
# -------------------------------------------------------------------- munge ---
MUNGED=/usr/sbin/munged
munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if alive munged "$MUNGED"; then
  log "munged already running (pid $(cat "$PIDS/munged.pid"))"
elif munge_ok; then
  log "a munged not started by this script already serves $MUNGE_RUN; using it"
else
  if [ ! -s /etc/munge/munge.key ]; then   # the munge postinst normally makes it
    log "creating munge key"
    mungekey --create --keyfile=/etc/munge/munge.key
  fi
  chown munge:munge /etc/munge /etc/munge/munge.key
  chmod 700 /etc/munge; chmod 400 /etc/munge/munge.key
  install -d -o munge -g munge -m 755 "$MUNGE_RUN"   # systemd would make it
  install -d -o munge -g munge -m 711 /var/lib/munge
  install -d -o munge -g munge -m 700 /var/log/munge
  rm -f "$MUNGE_RUN"/munge.socket.2 "$MUNGE_RUN"/munge.socket.2.lock  # stale
  log "starting munged"
  launch munged setpriv --reuid=munge --regid=munge --init-groups \
    "$MUNGED" --foreground
  wait_for munged "$MUNGED" munge_ok
fi

# ------------------------------------------------------------------- config ---
host=$(hostname -s)
[ -n "$host" ] || die "empty hostname"
# The hardware as slurmd sees it; RealMemory trimmed a little so that small
# changes in what the kernel reports never leave the node 'Low RealMemory'
# and DRAINED.
hw=$(slurmd -C | head -n 1)
get() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$hw"; }
real_cpus=$(get CPUs); mem=$(get RealMemory)
if [ -z "$real_cpus" ] || [ -z "$mem" ]; then die "cannot parse 'slurmd -C': $hw"; fi
mem=$(( mem * 97 / 100 ))
cpus=${SLURM_NODE_CPUS:-$(( real_cpus > MIN_NODE_CPUS ? real_cpus : MIN_NODE_CPUS ))}
[[ $cpus =~ ^[1-9][0-9]*$ ]] || die "SLURM_NODE_CPUS must be a positive integer, found '$cpus'"
# Advertising other than the real CPU count needs config_overrides, or slurmd
# reports the real hardware and the controller drains the node. A flat
# topology (one socket of single-thread cores) keeps every CPU allocatable.
overrides=""
[ "$cpus" != "$real_cpus" ] && overrides="SlurmdParameters=config_overrides"

new_conf=$(cat <<EOF
$MARKER
# Single-node Slurm for radflow's cluster tests: controller and compute node
# on this host, addressed as 127.0.0.1 so that no DNS is needed.
ClusterName=radflow
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$D_PORT
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
SwitchType=switch/none
# No cgroups here: plain process tracking, no task binding or confinement.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# No accounting database: sacct has nothing to show; finished jobs stay
# visible to 'scontrol show job' for MinJobAge seconds.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=3600
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
# Batch jobs are started by the main scheduler, which runs at most once a
# second; batch_sched_delay=0 and sched_min_interval=0 let it run that often
# (by default each job waits about 3 s).
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
# Without a default, a job that asks for no memory gets the whole node, and
# the node then runs one job at a time.
DefMemPerCPU=$(( mem / cpus ))
MailProg=/bin/true
$overrides
ReturnToService=2
MaxJobCount=100000
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$PIDS/slurmctld.self.pid
SlurmdPidFile=$PIDS/slurmd.self.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
Waittime=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus Boards=1 SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
)
mkdir -p "$CONF_DIR"
conf_changed=0
if [ -f "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
  [ "$REPLACE_CONF" = 1 ] \
    || die "$CONF was not written by this script (this machine may belong to a real cluster); set SLURM_REPLACE_CONF=1 to back it up and replace it"
  bak=$CONF.bak.$(date +%s)
  log "backing up $CONF to $bak"; cp -p "$CONF" "$bak"
fi
if [ "$(cat "$CONF" 2>/dev/null)" != "$new_conf" ]; then
  printf '%s\n' "$new_conf" > "$CONF.tmp"
  chmod 644 "$CONF.tmp"
  mv "$CONF.tmp" "$CONF"
  conf_changed=1
  log "wrote $CONF (node $host, $cpus CPUs, ${mem} MB)"
fi

# ------------------------------------------------------------------ daemons ---
# Debian installs the binaries as slurmctld-wlm/slurmd-wlm behind alternatives
# symlinks. Start them through the symlinks: Slurm decides which daemon it is
# from basename(argv[0]). /proc/PID/exe shows the resolved -wlm path, which is
# what alive() compares.
SLURMCTLD=$(readlink -f /usr/sbin/slurmctld)
SLURMD=$(readlink -f /usr/sbin/slurmd)
fresh=0
if [ "$conf_changed" = 1 ]; then
  if alive slurmctld "$SLURMCTLD" || alive slurmd "$SLURMD"; then
    log "config changed while the daemons run: restarting them"
    SLURM_BASE=$BASE "$(dirname "$(readlink -f "$0")")/stop.sh" --keep-munge
  fi
  # Jobs saved under another config (another CPU count) are of no use to the
  # tests and risky to recover: a new config starts from a clean controller
  # state (job ids restart at 1).
  fresh=1
fi

if alive slurmctld "$SLURMCTLD"; then
  log "slurmctld already running (pid $(cat "$PIDS/slurmctld.pid"))"
else
  port_free "$CTLD_PORT" || die "port $CTLD_PORT is in use by another process (another Slurm?)"
  ctld_args=(-D -f "$CONF")
  if [ "$fresh" = 1 ]; then
    find "$STATE/ctld" -mindepth 1 -delete
    ctld_args+=(-c)
  fi
  log "starting slurmctld"
  launch slurmctld /usr/sbin/slurmctld "${ctld_args[@]}"
fi
if alive slurmd "$SLURMD"; then
  log "slurmd already running (pid $(cat "$PIDS/slurmd.pid"))"
else
  port_free "$D_PORT" || die "port $D_PORT is in use by another process (another Slurm?)"
  log "starting slurmd"
  launch slurmd /usr/sbin/slurmd -D -f "$CONF" -N "$host"
fi

# -------------------------------------------------------------- wait for up ---
deadline=$(( $(date +%s) + TIMEOUT ))
state=""
while :; do
  alive slurmctld "$SLURMCTLD" || die "slurmctld exited"
  alive slurmd "$SLURMD" || die "slurmd exited"
  state=$(sinfo -h -n "$host" -o '%T' 2>/dev/null || true)
  case "$state" in
    idle|mixed|allocated|completing) break ;;
    *drain*|down*)
      # e.g. a state restored from an earlier run; the config is ours: resume
      scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  [ "$(date +%s)" -lt "$deadline" ] || die "node not up after ${TIMEOUT} s (state '$state')"
  sleep 0.2
done
log "node $host is $state ($(since "$t_daemons") s after the install step)"

# End-to-end check: a batch job must really run. It also absorbs the ~3 s the
# controller takes after startup before its first scheduling pass, so tests
# that follow see the steady-state latency. Not 'sbatch --wait': it polls
# with a growing sleep and returns seconds late.
if [ "$SMOKE" = 1 ]; then
  t_job=$(now)
  jid=$(cd / && sbatch --parsable -J radflow-ci-smoke -o /dev/null -e /dev/null --wrap true) \
    || die "smoke-test sbatch failed"
  jid=${jid%%;*}
  [[ $jid =~ ^[0-9]+$ ]] || die "smoke-test sbatch printed '$jid', expected a job id"
  deadline=$(( $(date +%s) + TIMEOUT ))
  while :; do
    js=$(scontrol show job -o "$jid" 2>/dev/null | grep -o 'JobState=[A-Z_]*' || true)
    case "${js#JobState=}" in
      COMPLETED) break ;;
      FAILED|CANCELLED|TIMEOUT|NODE_FAIL|BOOT_FAIL|OUT_OF_MEMORY|DEADLINE|PREEMPTED)
        die "smoke-test job $jid ended ${js#JobState=}" ;;
    esac
    [ "$(date +%s)" -lt "$deadline" ] || die "smoke-test job $jid not done after ${TIMEOUT} s ($js)"
    sleep 0.1
  done
  log "smoke-test job $jid completed $(since "$t_job") s after sbatch"
fi
log "cluster ready ($(since "$t_install") s in all); stop it with: SLURM_BASE=$BASE $(dirname "$(readlink -f "$0")")/stop.sh"
