// Package storetest is the conformance suite every store backend must pass.
//
// A backend's own test file is a few lines: it calls Run with a function that
// returns a fresh, empty store. The suite then checks the whole contract of
// package store — CRUD and sentinels for every entity, tenant isolation,
// pagination, millisecond time round-trips, no aliasing between the caller's
// memory and the store's, and single use under a 50-goroutine race — so the
// in-memory backend and the MongoDB backend cannot drift apart.
package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatehouse-oss/gatehouse/store"
)

// NewStore returns a fresh, empty store for one test. It registers its own
// cleanup with t.
type NewStore func(t *testing.T) store.Store

// Run runs every conformance check against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"Ping", testPing},
		{"ServiceCRUD", testServiceCRUD},
		{"ServiceList", testServiceList},
		{"ServiceDeleteCascades", testServiceDeleteCascades},
		{"ClientCRUD", testClientCRUD},
		{"ClientAlias", testClientAlias},
		{"ClientTenantIsolation", testClientTenantIsolation},
		{"ClientList", testClientList},
		{"TicketLifecycle", testTicketLifecycle},
		{"TicketTenantIsolation", testTicketTenantIsolation},
		{"TicketConsumeRace", testTicketConsumeRace},
		{"TicketDeleteExpired", testTicketDeleteExpired},
		{"KeyLifecycle", testKeyLifecycle},
		{"ClaimLifecycle", testClaimLifecycle},
		{"ClaimRace", testClaimRace},
		{"ClaimDeleteExpired", testClaimDeleteExpired},
		{"KeyTenantIsolation", testKeyTenantIsolation},
		{"CodeLifecycle", testCodeLifecycle},
		{"CodeTenantIsolation", testCodeTenantIsolation},
		{"CodeConsumeRace", testCodeConsumeRace},
		{"CodeDeleteExpired", testCodeDeleteExpired},
		{"CodeDeleteMatching", testCodeDeleteMatching},
		{"TokenLifecycle", testTokenLifecycle},
		{"TokenTenantIsolation", testTokenTenantIsolation},
		{"TokenDeleteGrant", testTokenDeleteGrant},
		{"TokenDeleteExpired", testTokenDeleteExpired},
		{"TokenList", testTokenList},
		{"TokenDeleteMatching", testTokenDeleteMatching},
		{"TimeRoundTrip", testTimeRoundTrip},
		{"NoAliasing", testNoAliasing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, newStore(t))
		})
	}
}

// base is a fixed, millisecond-aligned instant so that records compare equal
// after a round trip through any backend.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// equal compares records; a nil and an empty slice mean the same to the
// engine, and document backends do not keep the difference.
var equal = cmpopts.EquateEmpty()

func diff(want, got any) string { return cmp.Diff(want, got, equal) }

func ctx(t *testing.T) context.Context { return t.Context() }

func wantErr(t *testing.T, op string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error = %v, want %v", op, err, want)
	}
}

func mustNil(t *testing.T, op string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
}

func testPing(t *testing.T, s store.Store) {
	mustNil(t, "Ping", s.Ping(ctx(t)))
}

// racers is how many goroutines race for one single-use record.
const racers = 50

// raceOnce runs use in racers goroutines released at once and requires that
// exactly one succeeds and every other one gets ErrConsumed: the single-use
// guarantee. A backend built on a non-atomic read-modify-write fails it.
func raceOnce(t *testing.T, what string, use func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, racers)
	for i := range racers {
		wg.Go(func() {
			<-start
			errs[i] = use(i)
		})
	}
	close(start)
	wg.Wait()
	var won, consumed int
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, store.ErrConsumed):
			consumed++
		default:
			t.Errorf("%s: unexpected error %v", what, err)
		}
	}
	if won != 1 || consumed != racers-1 {
		t.Fatalf("%s: %d winners and %d ErrConsumed, want 1 and %d", what, won, consumed, racers-1)
	}
}
