# Gatehouse developer commands. `make test` is the whole gate: CI runs it on a
# clean clone (.ci/run), so it installs everything the tests need itself.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

GO          ?= go
BIN         := $(CURDIR)/bin
STATICCHECK := $(BIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
GOVULNCHECK := $(BIN)/govulncheck
# v1.8.0, not v1.9.0: the module proxy does not serve the
# golang.org/x/telemetry version v1.9.0 requires.
GOVULNCHECK_VERSION := v1.8.0
GOFILES      = $(shell git ls-files '*.go')

.PHONY: test lint unit browser-deps run bench loadtest fuzz vuln tools clean

## test: module checksums, formatting, vet, staticcheck, then every test with
## the race detector (fuzz targets run their seed corpora), the MongoDB suites
## against a FerretDB started for the run.
test: lint unit

lint: tools
	$(GO) mod verify
	cd sdk && $(GO) mod verify
	cd scripts/ferretdb && $(GO) mod verify
	@unformatted="$$(gofmt -l $(GOFILES))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd sdk && $(GO) vet ./...
	cd scripts/ferretdb && $(GO) vet ./...
	$(STATICCHECK) ./...
	cd sdk && $(STATICCHECK) ./...

unit: browser-deps
	GATEHOUSE_TEST_MONGO_REQUIRED=1 GATEHOUSE_TEST_BROWSER_REQUIRED=1 scripts/with-ferretdb.sh scripts/gotest.sh -race -count=1 ./...
	cd sdk && ../scripts/gotest.sh -race -count=1 ./...

## browser-deps: Debian's chromium and the pinned playwright-core of the
## browser test (TestBrowserDemo), installed when missing.
browser-deps:
	scripts/browser-deps.sh

## run: the engine with the in-memory store and the demo tenant.
run:
	$(GO) run .

## bench: the Go benchmarks of the engine and the router (BENCHMARKS.md), on
## memstore and on a FerretDB started for the run. BENCH selects some, e.g.
## `make bench BENCH=Introspect`. No test runs: -run matches none.
BENCH ?= .
bench:
	scripts/with-ferretdb.sh $(GO) test -run '^$$' -bench '$(BENCH)' -benchmem ./service/ ./api/

## loadtest: the engine over HTTP against a bare echo handler, memstore then
## FerretDB (scripts/loadtest; about three minutes).
loadtest:
	$(GO) run ./scripts/loadtest

## fuzz: every fuzz target, FUZZTIME each (default 60s, e.g.
## `make fuzz FUZZTIME=10m`), one after another; about 8 minutes. go test
## mutates the seeds (f.Add and testdata/fuzz/<Target>/) and stops at the
## first failure, writing the input to testdata/fuzz/<Target>/: commit it as
## a regression seed. Inputs that found new coverage stay in the Go build
## cache (`go env GOCACHE`/fuzz), not in the repository. `make test` runs
## the seeds only, as ordinary tests. A new fuzz target gets a line here.
## FUZZMINIMIZETIME bounds the shrinking of each new input (go test's default
## of 60s stalls the slower targets for most of their time).
FUZZTIME ?= 60s
FUZZMINIMIZETIME ?= 2s
FUZZ = $(GO) test -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) -fuzz
fuzz:
	$(FUZZ) '^FuzzParseParams$$' ./service/oauth
	$(FUZZ) '^FuzzAuthorization$$' ./service
	$(FUZZ) '^FuzzTokenRequest$$' ./service
	$(FUZZ) '^FuzzClientAssertion$$' ./service
	$(FUZZ) '^FuzzManagementJSON$$' ./api
	cd sdk && $(FUZZ) '^FuzzBasicCredentials$$' .
	cd sdk && $(FUZZ) '^FuzzResponseHandling$$' .

## vuln: govulncheck, pinned and installed into ./bin, over the root module and
## the SDK. It needs its vulnerability database at https://vuln.go.dev, which
## these machines cannot reach (the lookup fails and govulncheck exits 1), so
## it is not part of `make test`: run it where the database is reachable.
vuln: $(GOVULNCHECK)
	$(GOVULNCHECK) ./...
	cd sdk && $(GOVULNCHECK) ./...

tools: $(STATICCHECK)

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(GOVULNCHECK):
	GOBIN=$(BIN) $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

clean:
	rm -rf $(BIN)
