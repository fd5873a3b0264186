#!/usr/bin/env bash
# Runs `go test -v` with the given arguments and prints a short account:
# every package's result line and each run of the store conformance suite,
# so that the output shows the suite ran on every backend. A skipped test
# fails the run (CI must not pass by skipping), and on any failure the whole
# verbose log is printed.
#
#   scripts/gotest.sh -race -count=1 ./...
set -euo pipefail

log=$(mktemp "${TMPDIR:-/tmp}/gatehouse-test.XXXXXX")
trap 'rm -f "$log"' EXIT

status=0
go test -v "$@" >"$log" 2>&1 || status=$?

if [[ $status -ne 0 ]]; then
	cat "$log"
	echo "gotest: go test failed (exit $status)" >&2
	exit "$status"
fi

# go test prints each package's output together, ending with its result
# line: name the package of every conformance run, then the result lines.
awk '/^--- PASS: TestConformance / { n = $0 ~ /\(/ ? $4 : ""; pending = 1 }
     /^(ok|FAIL)[ \t]/ && pending { print "storetest conformance suite passed on " $2 " " n; pending = 0 }' "$log"
grep -E '^(ok|FAIL|\?) ' "$log"

if grep -qE '^\s*--- SKIP' "$log"; then
	grep -E -B1 -A2 '^\s*--- SKIP' "$log"
	echo "gotest: tests were skipped; every test must run" >&2
	exit 1
fi
