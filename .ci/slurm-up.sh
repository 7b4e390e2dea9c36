#!/usr/bin/env bash
# Brings up a real single-node Slurm on this machine (munged, slurmctld, slurmd; one
# partition `debug`), for the test that drives `morphsim sweep --slurm` (test/slurm.test.ts).
# Needs root and Debian's `slurm-wlm` and `munge`. Idempotent: run again, it starts only
# what is not running and reconfigures only if slurm.conf changed. No systemd needed: the
# daemons are started directly. No cgroups and no accounting database (so no `sacct`): a
# sweep's state is read with `squeue`/`scontrol`, and its results from the files it writes.
set -euo pipefail

CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
MARK='# written by morphsim .ci/slurm-up.sh'
STATE=/var/lib/slurm
LOGS=/var/log/slurm
WAIT_S=${SLURM_UP_WAIT_S:-60}
# The daemons and the client commands below use the file this script writes.
export SLURM_CONF=$CONF

die() { echo "slurm-up: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (it starts munged, slurmctld and slurmd)"
for b in munged mungekey slurmctld slurmd sinfo scontrol; do
  command -v "$b" >/dev/null || die "'$b' not found; install the Debian packages slurm-wlm and munge"
done

node_state() { sinfo -h -N -o '%T' 2>/dev/null | head -1; }
usable() { case "$(node_state)" in idle|mixed|allocated|completing) return 0;; *) return 1;; esac; }

# --- munge: the key, then the daemon (it refuses to run as root; it runs as munge) -------
if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --keyfile=/etc/munge/munge.key
fi
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0711 /var/lib/munge
install -d -o munge -g munge -m 0700 /var/log/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- munged
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || die "munged does not answer (see /var/log/munge/munged.log)"
fi

# --- slurm.conf: this host as controller and the only node, sized as slurmd -C sees it ----
# An existing configuration not written by this script belongs to someone else: keep it.
if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
  die "$CONF exists and was not written by this script; not touching it"
fi
host=$(hostname -s)
node_line=$(slurmd -C | head -1)           # NodeName=<host> CPUs=… RealMemory=…
case "$node_line" in NodeName=*) ;; *) die "unexpected 'slurmd -C' output: $node_line";; esac
# Leave some memory to the OS so the node is never drained for having less than declared.
mem=$(echo "$node_line" | sed -nE 's/.*RealMemory=([0-9]+).*/\1/p')
[ -n "$mem" ] && node_line=$(echo "$node_line" | sed -E "s/RealMemory=[0-9]+/RealMemory=$((mem * 9 / 10))/")
install -d -m 0755 "$CONF_DIR" "$STATE" "$STATE/slurmctld" "$STATE/slurmd" "$LOGS"
tmp=$(mktemp "$CONF_DIR/.slurm.conf.XXXXXX")
cat >"$tmp" <<EOF
$MARK
ClusterName=morphsim
# Loopback addresses: one machine, and no dependence on how (or whether) its name resolves.
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
# Finished jobs stay visible to scontrol for ten minutes (there is no accounting database).
MinJobAge=600
# Start the next pending task as soon as one ends (the defaults wait seconds between them).
SchedulerParameters=sched_min_interval=0,batch_sched_delay=0
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
chmod 0644 "$tmp"
changed=1
if cmp -s "$tmp" "$CONF"; then changed=0; rm -f "$tmp"; else mv -f "$tmp" "$CONF"; fi

# --- daemons: start whichever is not running; a running one re-reads a changed file -------
running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if running /run/slurmctld.pid; then
  [ "$changed" -eq 0 ] || scontrol reconfigure
else
  slurmctld
fi
for _ in $(seq 50); do scontrol ping 2>/dev/null | grep -q ' is UP' && break; sleep 0.2; done
scontrol ping | grep -q ' is UP' || die "slurmctld does not answer (see $LOGS/slurmctld.log)"
running /run/slurmd.pid || slurmd

# A node that was down (a previous run's leftovers) is brought back explicitly.
for _ in $(seq $((WAIT_S * 5))); do
  usable && break
  case "$(node_state)" in down*|drain*|fail*) scontrol update NodeName="$host" State=RESUME 2>/dev/null || true;; esac
  sleep 0.2
done
usable || die "node $host is not idle after ${WAIT_S}s: $(sinfo -h -N -o '%T %E' | head -1) (see $LOGS/slurmd.log)"
echo "slurm-up: up: $(sinfo -h -o 'partition %P, %D node(s) %N, %T, %c CPUs' | head -1)"
