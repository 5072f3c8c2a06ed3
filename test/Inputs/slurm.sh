#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for the cluster tests and CI:
#   slurm.sh up     writes a minimal slurm.conf, starts munged, slurmctld and
#                   slurmd (as root), and waits until the node is idle;
#   slurm.sh down   stops what `up` started.
# Everything listens on 127.0.0.1. The configuration is written to
# /etc/slurm/slurm.conf, where srun, squeue and scancel look for it; a
# slurm.conf that this script did not write is never touched.
set -euo pipefail

state=${ADRS_SLURM_STATE:-/var/tmp/adrsc-slurm}
conf=/etc/slurm/slurm.conf
marker="# Written by adrsc's test/Inputs/slurm.sh"
node=$(hostname -s)

die() { echo "slurm.sh: $*" >&2; exit 1; }

stop_pidfile() {
  local f=$1
  [ -f "$f" ] || return 0
  local pid
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

down() {
  stop_pidfile "$state/slurmd.pid"
  stop_pidfile "$state/slurmctld.pid"
  stop_pidfile /run/munge/munged.pid
  echo "slurm.sh: stopped"
}

up() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (it starts slurmctld and slurmd)"
  for p in munged slurmctld slurmd sinfo; do
    command -v "$p" >/dev/null || die "'$p' is missing: run utils/install-deps.sh"
  done
  if [ -f "$conf" ] && ! grep -qF "$marker" "$conf"; then
    die "$conf exists and was not written here; refusing to replace it"
  fi
  # A cluster from an earlier `up` answers already: start from clean.
  down >/dev/null
  mkdir -p "$state/ctld" "$state/d" /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  [ -f /etc/munge/munge.key ] || { mungekey --create --force; }
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key

  cat > "$conf" <<CONF
$marker: one node, 127.0.0.1, no accounting.
ClusterName=adrsc
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=2
MinJobAge=30
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF

  # munged runs as its own user, and keeps its pid in /run/munge.
  runuser -u munge -- munged || die "munged did not start"
  slurmctld -i || die "slurmctld did not start (see $state/slurmctld.log)"
  slurmd || die "slurmd did not start (see $state/slurmd.log)"
  for _ in $(seq 60); do
    if [ "$(sinfo -h -n "$node" -o %t 2>/dev/null)" = idle ]; then
      echo "slurm.sh: node $node is idle"
      return 0
    fi
    scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true
    sleep 1
  done
  sinfo >&2 || true
  tail -n 20 "$state/slurmctld.log" "$state/slurmd.log" >&2 || true
  die "the node did not become idle"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: slurm.sh up|down" ;;
esac
