package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

func testClaimLifecycle(t *testing.T, s store.Store) {
	exp := base.Add(time.Hour)
	if used, err := s.Claimed(ctx(t), 1, "refresh", "k"); err != nil || used {
		t.Fatalf("Claimed before Claim = %v, %v", used, err)
	}
	mustNil(t, "Claim", s.Claim(ctx(t), 1, "refresh", "k", exp))
	wantErr(t, "Claim(again)", s.Claim(ctx(t), 1, "refresh", "k", exp), store.ErrConsumed)
	for _, tc := range []struct {
		service   int64
		kind, key string
		want      bool
	}{{1, "refresh", "k", true}, {2, "refresh", "k", false}, {1, "jti", "k", false}, {1, "refresh", "k2", false}} {
		if used, err := s.Claimed(ctx(t), tc.service, tc.kind, tc.key); err != nil || used != tc.want {
			t.Errorf("Claimed(%d, %s, %s) = %v, %v; want %v", tc.service, tc.kind, tc.key, used, err, tc.want)
		}
	}
	// Kind, key and service each make a different mark.
	mustNil(t, "Claim(other kind)", s.Claim(ctx(t), 1, "jti", "k", exp))
	mustNil(t, "Claim(other key)", s.Claim(ctx(t), 1, "refresh", "k2", exp))
	mustNil(t, "Claim(other service)", s.Claim(ctx(t), 2, "refresh", "k", exp))
	// A generic mark never collides with the store's own single-use marks.
	mustNil(t, "CreateTicket", s.CreateTicket(ctx(t), newTicket(1, "k", time.Hour)))
	mustNil(t, "Claim(kind ticket)", s.Claim(ctx(t), 1, "ticket", "k", exp))
	if _, err := s.ConsumeTicket(ctx(t), 1, "k"); err != nil {
		t.Fatalf("a Claim of kind %q blocked the ticket: %v", "ticket", err)
	}
}

func testClaimRace(t *testing.T, s store.Store) {
	raceOnce(t, "Claim", func(int) error {
		return s.Claim(ctx(t), 1, "refresh", "raced", base.Add(time.Hour))
	})
}

func testClaimDeleteExpired(t *testing.T, s store.Store) {
	mustNil(t, "Claim", s.Claim(ctx(t), 1, "jti", "old", base.Add(time.Minute)))
	mustNil(t, "Claim", s.Claim(ctx(t), 2, "jti", "fresh", base.Add(time.Hour)))
	// A consumed ticket's mark is not Claim's to sweep.
	mustNil(t, "CreateTicket", s.CreateTicket(ctx(t), newTicket(1, "t", time.Minute)))
	if _, err := s.ConsumeTicket(ctx(t), 1, "t"); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpiredClaims(ctx(t), base.Add(30*time.Minute))
	mustNil(t, "DeleteExpiredClaims", err)
	if n != 1 {
		t.Errorf("DeleteExpiredClaims removed %d, want 1", n)
	}
	mustNil(t, "Claim(swept)", s.Claim(ctx(t), 1, "jti", "old", base.Add(time.Hour)))
	wantErr(t, "Claim(fresh)", s.Claim(ctx(t), 2, "jti", "fresh", base.Add(time.Hour)), store.ErrConsumed)
	_, err = s.ConsumeTicket(ctx(t), 1, "t")
	wantErr(t, "ConsumeTicket(after claim sweep)", err, store.ErrConsumed)
}
