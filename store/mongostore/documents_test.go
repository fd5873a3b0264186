package mongostore_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gatehouse-oss/gatehouse/store"
)

// A database leak must yield nothing usable: the stored documents hold
// hashes, never a raw secret or ticket, and no field beyond the record's own
// and the store's bookkeeping.
func TestStoredDocumentsHoldNoSecrets(t *testing.T) {
	d := newTestDB(t)
	s := d.open(t)
	ctx := t.Context()
	hash := []byte("0123456789abcdef0123456789abcdef")
	if err := s.CreateService(ctx, store.Service{APIKey: 1, APISecretHash: hash}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateClient(ctx, store.Client{ServiceID: 1, ClientID: 2, ClientSecretHash: hash, ClientIDAlias: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTicket(ctx, store.Ticket{ServiceID: 1, Hash: "h", ExpiresAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConsumeTicket(ctx, 1, "h"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateCode(ctx, store.AuthorizationCode{ServiceID: 1, Hash: "c", GrantID: "g", ExpiresAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, store.Token{ServiceID: 1, Hash: "a", Kind: "access", GrantID: "g", ExpiresAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, coll := range []string{"services", "clients", "tickets", "claims", "codes", "tokens"} {
		var doc bson.M
		if err := d.DB.Collection(coll).FindOne(ctx, bson.D{}).Decode(&doc); err != nil {
			t.Fatalf("read %s: %v", coll, err)
		}
		for field := range doc {
			f := strings.ToLower(field)
			if strings.Contains(f, "secret") && !strings.HasSuffix(f, "hash") ||
				f == "ticket" || f == "code" || f == "token" {
				t.Errorf("%s document has field %q: store only hashes", coll, field)
			}
		}
		if id, ok := doc["_id"].(string); !ok || len(id) != 36 {
			t.Errorf("%s document _id = %v, want a UUID string", coll, doc["_id"])
		}
	}
}

// Consumption marks live in their own collection; the sweep and the service
// cascade must not leave them behind, or the collection would grow forever.
func TestClaimsAreRemoved(t *testing.T) {
	d := newTestDB(t)
	s := d.open(t)
	ctx := t.Context()
	now := time.Now()
	for _, tk := range []store.Ticket{
		{ServiceID: 1, Hash: "expired", ExpiresAt: now.Add(-time.Hour)},
		{ServiceID: 1, Hash: "live", ExpiresAt: now.Add(time.Hour)},
		{ServiceID: 2, Hash: "live", ExpiresAt: now.Add(time.Hour)},
	} {
		if err := s.CreateTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ConsumeTicket(ctx, tk.ServiceID, tk.Hash); err != nil {
			t.Fatal(err)
		}
	}
	claims := func() int64 {
		t.Helper()
		n, err := d.DB.Collection("claims").CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := claims(); n != 3 {
		t.Fatalf("%d claims after 3 consumptions", n)
	}
	if _, err := s.DeleteExpiredTickets(ctx, now); err != nil {
		t.Fatal(err)
	}
	if n := claims(); n != 2 {
		t.Fatalf("%d claims after the sweep, want 2", n)
	}
	if err := s.CreateService(ctx, store.Service{APIKey: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteService(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := claims(); n != 1 {
		t.Fatalf("%d claims after deleting service 1, want 1 (service 2's)", n)
	}
}

// Two stores on one database stand for two engine instances behind a load
// balancer: a ticket is consumed once across both.
func TestConsumeAcrossInstances(t *testing.T) {
	d := newTestDB(t)
	a, b := d.open(t), d.open(t)
	ctx := t.Context()
	if err := a.CreateTicket(ctx, store.Ticket{ServiceID: 1, Hash: "h", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() { _, errs[i] = s.ConsumeTicket(ctx, 1, "h") })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrConsumed):
			t.Errorf("ConsumeTicket: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d winners across two instances, want 1", won)
	}
}
