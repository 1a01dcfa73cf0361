#!/usr/bin/env bash
# usage: daemon.sh PIDFILE LOGFILE PROGRAM [ARGS...]
# Starts PROGRAM in a session of its own (so it never shares the caller's session or terminal), stdin from /dev/null and
# stdout/stderr into LOGFILE, and writes its PID, which is also its session ID, to PIDFILE.
set -eu
pidfile=$1 log=$2
shift 2
( setsid bash -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@" </dev/null >"$log" 2>&1 & )
for _ in $(seq 100); do [ -s "$pidfile" ] && exit 0; sleep 0.05; done
echo "daemon.sh: $1 did not start (see $log)" >&2
exit 1
