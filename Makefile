# Gatehouse developer commands. `make test` is the whole gate: CI runs it on a
# clean clone (.ci/run), so it installs everything the tests need itself.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

GO          ?= go
BIN         := $(CURDIR)/bin
STATICCHECK := $(BIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
GOFILES      = $(shell git ls-files '*.go')

.PHONY: test lint unit run tools clean

## test: formatting, vet, staticcheck, then every test with the race detector,
## the MongoDB suites against a FerretDB started for the run.
test: lint unit

lint: tools
	@unformatted="$$(gofmt -l $(GOFILES))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd sdk && $(GO) vet ./...
	cd scripts/ferretdb && $(GO) vet ./...
	$(STATICCHECK) ./...
	cd sdk && $(STATICCHECK) ./...

unit:
	GATEHOUSE_TEST_MONGO_REQUIRED=1 scripts/with-ferretdb.sh scripts/gotest.sh -race -count=1 ./...
	cd sdk && ../scripts/gotest.sh -race -count=1 ./...

## run: the engine with the in-memory store and the demo tenant.
run:
	$(GO) run .

tools: $(STATICCHECK)

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

clean:
	rm -rf $(BIN)
