#!/usr/bin/env bash
# Runs a command against a throwaway FerretDB (SQLite backend) server.
#
#   scripts/with-ferretdb.sh go test -race ./store/mongostore/
#
# Builds FerretDB v1.24.0 from the tools module in scripts/ferretdb into a
# cache (once; the first build takes a few minutes), starts it on a free
# 127.0.0.1 port with a fresh data directory, exports
# GATEHOUSE_TEST_MONGO_URI for the command, and stops the server and removes
# its data when the command ends, however it ends. Exits with the command's
# status. Needs only Go and the Go module proxy.
#
# Environment:
#   GATEHOUSE_CACHE            cache directory (default ~/.cache/gatehouse)
#   GATEHOUSE_FERRETDB_TIMEOUT seconds to wait for the server (default 60)
set -euo pipefail

if [[ $# -eq 0 ]]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi

readonly version=v1.24.0
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${GATEHOUSE_CACHE:-$HOME/.cache/gatehouse}
# The binary's name carries a hash of its sources, so a change to the tools
# module rebuilds it instead of running a stale cached one.
stamp=$(cat "$here/ferretdb/main.go" "$here/ferretdb/go.mod" "$here/ferretdb/go.sum" | sha256sum | cut -c1-12)
bin=$cache/ferretdb-$version-$stamp
timeout=${GATEHOUSE_FERRETDB_TIMEOUT:-60}

log() { echo "with-ferretdb: $*" >&2; }

if [[ ! -x $bin ]]; then
	log "building FerretDB $version into $bin (first time only, takes a few minutes)"
	mkdir -p "$cache"
	# Build to a temporary name and rename, so an interrupted build never
	# leaves a broken binary that later runs would trust.
	if ! (cd "$here/ferretdb" && go build -mod=readonly -trimpath -o "$bin.tmp.$$" .); then
		rm -f "$bin.tmp.$$"
		exit 1
	fi
	mv -f "$bin.tmp.$$" "$bin"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-ferretdb.XXXXXX")
pid=

cleanup() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		# Give it a few seconds to close SQLite cleanly, then insist.
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
# On a signal, exit through the EXIT trap with the conventional status.
trap 'exit 130' INT
trap 'exit 143' TERM

# Port 0: the kernel picks a free port at bind time, so no other process can
# take it between choosing and listening; the server reports its URI back.
"$bin" -listen 127.0.0.1:0 -dir "$work/data" -uri-file "$work/uri" >"$work/ferretdb.log" 2>&1 &
pid=$!

fail() {
	log "$1; its log follows"
	cat "$work/ferretdb.log" >&2 || true
	exit 1
}

# Poll every 0.1 s; counting polls rather than reading the clock keeps the
# wait at least the timeout, whatever the clock's resolution.
polls=$((timeout * 10))
uri=
until [[ -n $uri ]]; do
	kill -0 "$pid" 2>/dev/null || fail "FerretDB exited before listening"
	((polls-- > 0)) || fail "FerretDB did not listen within ${timeout}s"
	[[ -s $work/uri ]] && uri=$(<"$work/uri")
	[[ -n $uri ]] || sleep 0.1
done

hostport=${uri#mongodb://}
hostport=${hostport%%/*}
host=${hostport%:*}
port=${hostport##*:}
# Connect once, as a client will, before handing the server over.
until (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
	kill -0 "$pid" 2>/dev/null || fail "FerretDB exited before accepting connections"
	((polls-- > 0)) || fail "FerretDB did not accept connections within ${timeout}s"
	sleep 0.1
done

export GATEHOUSE_TEST_MONGO_URI=$uri
# The binary too, for tests that run a FerretDB of their own (to stop and
# restart it, as the outage test does).
export GATEHOUSE_TEST_FERRETDB_BIN=$bin
log "FerretDB $version listening on $uri (log: $work/ferretdb.log, removed on exit)"

# Run the command as a child, not with exec, so the trap stops the server.
status=0
"$@" || status=$?
exit "$status"
