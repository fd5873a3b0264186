package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

func testTicketLifecycle(t *testing.T, s store.Store) {
	tk := newTicket(1, "hash-1", time.Hour)
	mustNil(t, "CreateTicket", s.CreateTicket(ctx(t), tk))
	wantErr(t, "CreateTicket(duplicate)", s.CreateTicket(ctx(t), tk), store.ErrAlreadyExists)

	got, err := s.ConsumeTicket(ctx(t), 1, "hash-1")
	mustNil(t, "ConsumeTicket", err)
	if d := diff(tk, got); d != "" {
		t.Fatalf("ConsumeTicket mismatch (-want +got):\n%s", d)
	}

	// A replay is told apart from a guess: the record comes back with ErrConsumed.
	for range 2 {
		got, err = s.ConsumeTicket(ctx(t), 1, "hash-1")
		wantErr(t, "ConsumeTicket(again)", err, store.ErrConsumed)
		spent := tk
		spent.Payload = got.Payload // a backend may drop it once spent
		if d := diff(spent, got); d != "" {
			t.Fatalf("ConsumeTicket(again) record mismatch (-want +got):\n%s", d)
		}
	}

	_, err = s.ConsumeTicket(ctx(t), 1, "no-such-hash")
	wantErr(t, "ConsumeTicket(unknown)", err, store.ErrNotFound)
}

func testTicketTenantIsolation(t *testing.T, s store.Store) {
	mustNil(t, "CreateTicket(A)", s.CreateTicket(ctx(t), newTicket(1, "h", time.Hour)))
	// Another service never sees, consumes or blocks service 1's ticket.
	_, err := s.ConsumeTicket(ctx(t), 2, "h")
	wantErr(t, "ConsumeTicket(other tenant)", err, store.ErrNotFound)
	mustNil(t, "CreateTicket(B, same hash)", s.CreateTicket(ctx(t), newTicket(2, "h", time.Hour)))
	if _, err := s.ConsumeTicket(ctx(t), 2, "h"); err != nil {
		t.Fatalf("ConsumeTicket(B): %v", err)
	}
	if _, err := s.ConsumeTicket(ctx(t), 1, "h"); err != nil {
		t.Fatalf("ConsumeTicket(A) after B consumed its own: %v", err)
	}
}

// testTicketConsumeRace is the single-use guarantee: of 50 concurrent
// consumers exactly one wins and every other one is told the ticket was
// consumed. A backend built on a non-atomic read-modify-write fails it.
func testTicketConsumeRace(t *testing.T, s store.Store) {
	for round := range 2 {
		hash := fmt.Sprintf("race-%d", round)
		mustNil(t, "CreateTicket", s.CreateTicket(ctx(t), newTicket(1, hash, time.Hour)))
		raceOnce(t, fmt.Sprintf("ConsumeTicket round %d", round), func(int) error {
			_, err := s.ConsumeTicket(ctx(t), 1, hash)
			return err
		})
	}
}

func testTicketDeleteExpired(t *testing.T, s store.Store) {
	mustNil(t, "CreateTicket", s.CreateTicket(ctx(t), newTicket(1, "old", time.Minute)))
	mustNil(t, "CreateTicket", s.CreateTicket(ctx(t), newTicket(2, "old-consumed", time.Minute)))
	mustNil(t, "CreateTicket", s.CreateTicket(ctx(t), newTicket(1, "fresh", time.Hour)))
	if _, err := s.ConsumeTicket(ctx(t), 2, "old-consumed"); err != nil {
		t.Fatalf("ConsumeTicket: %v", err)
	}

	n, err := s.DeleteExpiredTickets(ctx(t), base.Add(30*time.Minute))
	mustNil(t, "DeleteExpiredTickets", err)
	if n != 2 {
		t.Errorf("DeleteExpiredTickets removed %d tickets, want 2", n)
	}
	_, err = s.ConsumeTicket(ctx(t), 1, "old")
	wantErr(t, "ConsumeTicket(swept)", err, store.ErrNotFound)
	_, err = s.ConsumeTicket(ctx(t), 2, "old-consumed")
	wantErr(t, "ConsumeTicket(swept consumed)", err, store.ErrNotFound)
	if _, err := s.ConsumeTicket(ctx(t), 1, "fresh"); err != nil {
		t.Fatalf("ConsumeTicket(fresh): %v", err)
	}
	// A swept hash can be issued again (its consumption mark went with it).
	mustNil(t, "CreateTicket(reuse swept hash)", s.CreateTicket(ctx(t), newTicket(2, "old-consumed", time.Hour)))
	if _, err := s.ConsumeTicket(ctx(t), 2, "old-consumed"); err != nil {
		t.Fatalf("ConsumeTicket(reissued): %v", err)
	}
}
