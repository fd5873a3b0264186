package mongostore_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/mongostore"
	"github.com/gatehouse-oss/gatehouse/store/mongostore/mongotest"
	"github.com/gatehouse-oss/gatehouse/store/storetest"
)

// testDB is a throwaway database of the test server.
type testDB struct{ mongotest.Database }

func newTestDB(t *testing.T) testDB { return testDB{mongotest.New(t)} }

// open opens a store on the test database and closes it at the end of the test.
func (d testDB) open(t *testing.T) *mongostore.Store {
	t.Helper()
	s, err := mongostore.Open(t.Context(), mongostore.Config{URI: d.URI, Database: d.Name, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func TestConformance(t *testing.T) {
	mongotest.URI(t) // decide skip or fail once, not in every subtest
	storetest.Run(t, func(t *testing.T) store.Store { return newTestDB(t).open(t) })
}

// Every engine instance calls Open at start against the same database: the
// second Open must find the indexes in place and change nothing.
func TestOpenTwiceKeepsIndexes(t *testing.T) {
	d := newTestDB(t)
	d.open(t)
	first := indexSpecs(t, d.DB)
	d.open(t)
	if second := indexSpecs(t, d.DB); !equalSets(first, second) {
		t.Fatalf("indexes changed on second Open:\nfirst:  %v\nsecond: %v", first, second)
	}
	// FerretDB 1.24 accepts but does not report "sparse" (measured), so the
	// alias index is checked for uniqueness only here; on MongoDB the
	// conformance suite's several alias-less clients would collide without it.
	for _, want := range []string{
		"clients.aliasKey_unique unique",
		"clients.clientId_unique unique",
		"tickets.hash_unique unique",
		"claims.key_unique unique",
		"services.apiKey_unique unique",
		"codes.hash_unique unique",
		"tokens.hash_unique unique",
		"tokens.grant",
		"tokens.byClient",
		"tokens.bySubject",
	} {
		if !first[want] {
			t.Errorf("index %q missing; have %v", want, first)
		}
	}
}

func indexSpecs(t *testing.T, db *mongo.Database) map[string]bool {
	t.Helper()
	specs := map[string]bool{}
	for _, coll := range []string{"services", "clients", "tickets", "claims", "keys", "codes", "tokens"} {
		got, err := db.Collection(coll).Indexes().ListSpecifications(t.Context())
		if err != nil {
			t.Fatalf("list indexes of %s: %v", coll, err)
		}
		for _, s := range got {
			spec := coll + "." + s.Name
			if s.Unique != nil && *s.Unique {
				spec += " unique"
			}
			specs[spec] = true
		}
	}
	return specs
}

func equalSets(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// On FerretDB a duplicate key caused by a replace is not error 11000 but an
// InternalError; it must still be ErrAlreadyExists, never an opaque 500, and
// the driver's error must stay visible to errors.As.
func TestUpdateCollisionIsAlreadyExists(t *testing.T) {
	s := newTestDB(t).open(t)
	ctx := t.Context()
	for _, c := range []store.Client{
		{ServiceID: 1, ClientID: 1, ClientIDAlias: "taken"},
		{ServiceID: 1, ClientID: 2, ClientIDAlias: "mine"},
	} {
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatalf("CreateClient: %v", err)
		}
	}
	err := s.UpdateClient(ctx, store.Client{ServiceID: 1, ClientID: 2, ClientIDAlias: "taken"})
	if !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("UpdateClient(alias taken) = %v, want ErrAlreadyExists", err)
	}
	if se := mongo.ServerError(nil); !errors.As(err, &se) {
		t.Errorf("UpdateClient(alias taken) = %v: the driver's error is not in the chain", err)
	}
	if got, err := s.GetClient(ctx, 1, 2); err != nil || got.ClientIDAlias != "mine" {
		t.Fatalf("after failed update: GetClient = %+v, %v; want alias %q", got, err, "mine")
	}
}

// A server that cannot be reached is ErrUnavailable (HTTP 503), within the
// configured timeout, both at Open and for calls on an open store.
func TestUnreachableServerIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "mongodb://" + l.Addr().String() + "/"
	_ = l.Close()

	start := time.Now()
	_, err = mongostore.Open(t.Context(), mongostore.Config{URI: closed, Timeout: 300 * time.Millisecond})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Open(closed port) = %v, want ErrUnavailable", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Open(closed port) took %v, want about the 300ms timeout", elapsed)
	}

	_, err = mongostore.Open(t.Context(), mongostore.Config{URI: "not-a-uri"})
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open(malformed URI) = %v, want a configuration error, not ErrUnavailable", err)
	}
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	d := newTestDB(t)
	s, err := mongostore.Open(t.Context(), mongostore.Config{URI: d.URI, Database: d.Name})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := s.GetService(t.Context(), 1); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("GetService after Close = %v, want ErrUnavailable", err)
	}
}

// TestObserveSeesCommands: Config.Observe is told of the commands the store
// runs, failed ones marked, which is what the engine's store metrics count.
func TestObserveSeesCommands(t *testing.T) {
	d := newTestDB(t)
	var mu sync.Mutex
	seen := map[string]int{}
	failed := 0
	s, err := mongostore.Open(t.Context(), mongostore.Config{URI: d.URI, Database: d.Name, Timeout: 30 * time.Second,
		Observe: func(command string, took time.Duration, bad bool) {
			mu.Lock()
			defer mu.Unlock()
			seen[command]++
			if bad {
				failed++
			}
			if took < 0 {
				t.Errorf("%s took %v", command, took)
			}
		}})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	if _, err := s.GetService(t.Context(), 42); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetService: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["find"] == 0 || seen["createIndexes"] == 0 || failed != 0 {
		t.Errorf("observed %v (%d failed), want finds and createIndexes, none failed", seen, failed)
	}
}
