package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// newCode returns an authorization code of serviceID with every field set,
// issued at base and expiring ttl later.
func newCode(serviceID int64, hash string, ttl time.Duration) store.AuthorizationCode {
	return store.AuthorizationCode{
		ServiceID:           serviceID,
		Hash:                hash,
		GrantID:             "grant-" + hash,
		ClientID:            4242,
		RedirectURI:         "https://client.example.com/cb",
		Scopes:              []string{"openid", "profile"},
		Subject:             "user-1",
		IDTokenSubject:      "pairwise-user-1",
		AuthTime:            base.Add(-time.Minute),
		ACR:                 "urn:example:acr:mfa",
		Nonce:               "n-0S6_WzA2Mj",
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		Claims:              []byte(`{"name":"Jane Doe","email":"jane@example.com"}`),
		UserInfoClaims:      []string{"phone_number"},
		Properties: []store.Property{
			{Key: "plan", Value: "gold"},
			{Key: "internal", Value: "x", Hidden: true},
		},
		CreatedAt: base,
		ExpiresAt: base.Add(ttl),
	}
}

func testCodeLifecycle(t *testing.T, s store.Store) {
	c := newCode(1, "hash-1", 10*time.Minute)
	mustNil(t, "CreateCode", s.CreateCode(ctx(t), c))
	wantErr(t, "CreateCode(duplicate)", s.CreateCode(ctx(t), c), store.ErrAlreadyExists)

	got, err := s.ConsumeCode(ctx(t), 1, "hash-1")
	mustNil(t, "ConsumeCode", err)
	if d := diff(c, got); d != "" {
		t.Fatalf("ConsumeCode mismatch (-want +got):\n%s", d)
	}

	// A replay comes back with the record, so the engine can revoke the
	// grant it names (RFC 6749 §4.1.2).
	for range 2 {
		got, err = s.ConsumeCode(ctx(t), 1, "hash-1")
		wantErr(t, "ConsumeCode(again)", err, store.ErrConsumed)
		if d := diff(c, got); d != "" {
			t.Fatalf("ConsumeCode(again) record mismatch (-want +got):\n%s", d)
		}
	}
	wantErr(t, "CreateCode(consumed hash)", s.CreateCode(ctx(t), c), store.ErrAlreadyExists)

	_, err = s.ConsumeCode(ctx(t), 1, "no-such-hash")
	wantErr(t, "ConsumeCode(unknown)", err, store.ErrNotFound)

	// The optional fields may be empty: no redirect_uri, PKCE, nonce, claims
	// or properties, and "sub" is the subject.
	bare := store.AuthorizationCode{
		ServiceID: 1,
		Hash:      "bare",
		GrantID:   "grant-bare",
		ClientID:  7,
		Scopes:    []string{"read"},
		Subject:   "user-2",
		AuthTime:  base,
		CreatedAt: base,
		ExpiresAt: base.Add(time.Minute),
	}
	mustNil(t, "CreateCode(bare)", s.CreateCode(ctx(t), bare))
	got, err = s.ConsumeCode(ctx(t), 1, "bare")
	mustNil(t, "ConsumeCode(bare)", err)
	if d := diff(bare, got); d != "" {
		t.Fatalf("ConsumeCode(bare) mismatch (-want +got):\n%s", d)
	}

	// A ticket with the same hash is another record: consuming one does not
	// consume the other.
	mustNil(t, "CreateTicket(same hash)", s.CreateTicket(ctx(t), newTicket(1, "shared", time.Hour)))
	mustNil(t, "CreateCode(same hash)", s.CreateCode(ctx(t), newCode(1, "shared", time.Hour)))
	if _, err := s.ConsumeTicket(ctx(t), 1, "shared"); err != nil {
		t.Fatalf("ConsumeTicket(shared): %v", err)
	}
	if _, err := s.ConsumeCode(ctx(t), 1, "shared"); err != nil {
		t.Fatalf("ConsumeCode(shared) after the ticket was consumed: %v", err)
	}
}

func testCodeTenantIsolation(t *testing.T, s store.Store) {
	a := newCode(1, "h", time.Hour)
	b := newCode(2, "h", time.Hour)
	b.ClientID = 99
	b.Subject = "service two's user"
	mustNil(t, "CreateCode(A)", s.CreateCode(ctx(t), a))
	// Another service never sees, consumes or blocks service 1's code.
	_, err := s.ConsumeCode(ctx(t), 2, "h")
	wantErr(t, "ConsumeCode(other tenant)", err, store.ErrNotFound)
	mustNil(t, "CreateCode(B, same hash)", s.CreateCode(ctx(t), b))
	got, err := s.ConsumeCode(ctx(t), 2, "h")
	mustNil(t, "ConsumeCode(B)", err)
	if d := diff(b, got); d != "" {
		t.Fatalf("ConsumeCode(B) (-want +got):\n%s", d)
	}
	got, err = s.ConsumeCode(ctx(t), 1, "h")
	if err != nil {
		t.Fatalf("ConsumeCode(A) after B consumed its own: %v", err)
	}
	if d := diff(a, got); d != "" {
		t.Fatalf("ConsumeCode(A) (-want +got):\n%s", d)
	}
	_, err = s.ConsumeCode(ctx(t), 3, "h")
	wantErr(t, "ConsumeCode(service 3)", err, store.ErrNotFound)
}

// testCodeConsumeRace is the single-use guarantee of RFC 6749 §4.1.2: of 50
// concurrent redemptions exactly one wins and every other one is told the
// code was consumed (and gets the record, to revoke its grant).
func testCodeConsumeRace(t *testing.T, s store.Store) {
	for round := range 2 {
		hash := fmt.Sprintf("race-%d", round)
		want := newCode(1, hash, time.Hour)
		mustNil(t, "CreateCode", s.CreateCode(ctx(t), want))
		recs := make([]store.AuthorizationCode, racers)
		raceOnce(t, fmt.Sprintf("ConsumeCode round %d", round), func(i int) error {
			var err error
			recs[i], err = s.ConsumeCode(ctx(t), 1, hash)
			return err
		})
		// Winner and losers alike get the record, whose grant a replay
		// revokes.
		for _, r := range recs {
			if r.GrantID != want.GrantID {
				t.Errorf("ConsumeCode returned grant %q, want %q", r.GrantID, want.GrantID)
			}
		}
	}
}

func testCodeDeleteExpired(t *testing.T, s store.Store) {
	mustNil(t, "CreateCode", s.CreateCode(ctx(t), newCode(1, "old", time.Minute)))
	mustNil(t, "CreateCode", s.CreateCode(ctx(t), newCode(2, "old-consumed", time.Minute)))
	mustNil(t, "CreateCode", s.CreateCode(ctx(t), newCode(1, "fresh", time.Hour)))
	if _, err := s.ConsumeCode(ctx(t), 2, "old-consumed"); err != nil {
		t.Fatalf("ConsumeCode: %v", err)
	}
	// An expired, consumed ticket of the same hash: the code sweep must leave
	// its consumption mark alone, and the ticket sweep the code's.
	mustNil(t, "CreateTicket", s.CreateTicket(ctx(t), newTicket(2, "old-consumed", time.Minute)))
	if _, err := s.ConsumeTicket(ctx(t), 2, "old-consumed"); err != nil {
		t.Fatalf("ConsumeTicket: %v", err)
	}

	cut := base.Add(30 * time.Minute)
	n, err := s.DeleteExpiredTickets(ctx(t), cut)
	mustNil(t, "DeleteExpiredTickets", err)
	if n != 1 {
		t.Errorf("DeleteExpiredTickets removed %d tickets, want 1", n)
	}
	_, err = s.ConsumeCode(ctx(t), 2, "old-consumed")
	wantErr(t, "ConsumeCode(consumed, after the ticket sweep)", err, store.ErrConsumed)

	n, err = s.DeleteExpiredCodes(ctx(t), cut)
	mustNil(t, "DeleteExpiredCodes", err)
	if n != 2 {
		t.Errorf("DeleteExpiredCodes removed %d codes, want 2", n)
	}
	_, err = s.ConsumeCode(ctx(t), 1, "old")
	wantErr(t, "ConsumeCode(swept)", err, store.ErrNotFound)
	_, err = s.ConsumeCode(ctx(t), 2, "old-consumed")
	wantErr(t, "ConsumeCode(swept consumed)", err, store.ErrNotFound)
	if _, err := s.ConsumeCode(ctx(t), 1, "fresh"); err != nil {
		t.Fatalf("ConsumeCode(fresh): %v", err)
	}
	n, err = s.DeleteExpiredCodes(ctx(t), cut)
	mustNil(t, "DeleteExpiredCodes(again)", err)
	if n != 0 {
		t.Errorf("DeleteExpiredCodes(again) removed %d codes, want 0", n)
	}
	// A swept hash can be issued again (its consumption mark went with it).
	mustNil(t, "CreateCode(reuse swept hash)", s.CreateCode(ctx(t), newCode(2, "old-consumed", time.Hour)))
	if _, err := s.ConsumeCode(ctx(t), 2, "old-consumed"); err != nil {
		t.Fatalf("ConsumeCode(reissued): %v", err)
	}

	// And the other way round: the code sweep leaves a ticket's mark alone.
	mustNil(t, "CreateTicket", s.CreateTicket(ctx(t), newTicket(1, "t-old", time.Minute)))
	if _, err := s.ConsumeTicket(ctx(t), 1, "t-old"); err != nil {
		t.Fatalf("ConsumeTicket: %v", err)
	}
	_, err = s.DeleteExpiredCodes(ctx(t), cut)
	mustNil(t, "DeleteExpiredCodes", err)
	_, err = s.ConsumeTicket(ctx(t), 1, "t-old")
	wantErr(t, "ConsumeTicket(consumed, after the code sweep)", err, store.ErrConsumed)
}

// testCodeDeleteMatching: pending codes of an owner go, others stay.
func testCodeDeleteMatching(t *testing.T, s store.Store) {
	mine := newCode(1, "mine", time.Hour)
	theirs := newCode(1, "theirs", time.Hour)
	theirs.Subject = "user-2"
	otherClient := newCode(1, "other-client", time.Hour)
	otherClient.ClientID = 99
	otherService := newCode(2, "mine", time.Hour)
	for _, c := range []store.AuthorizationCode{mine, theirs, otherClient, otherService} {
		mustNil(t, "CreateCode", s.CreateCode(ctx(t), c))
	}
	n, err := s.DeleteCodes(ctx(t), 1, store.TokenFilter{ClientID: mine.ClientID, Subject: mine.Subject})
	mustNil(t, "DeleteCodes", err)
	if n != 1 {
		t.Errorf("DeleteCodes deleted %d codes, want 1", n)
	}
	_, err = s.ConsumeCode(ctx(t), 1, "mine")
	wantErr(t, "ConsumeCode(deleted)", err, store.ErrNotFound)
	for _, c := range []store.AuthorizationCode{theirs, otherClient, otherService} {
		if _, err := s.ConsumeCode(ctx(t), c.ServiceID, c.Hash); err != nil {
			t.Errorf("ConsumeCode(%d, %s) after another owner's deletion: %v", c.ServiceID, c.Hash, err)
		}
	}
}
