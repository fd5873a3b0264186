package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// newToken returns a token of serviceID with every field set, issued at base
// and expiring ttl later.
func newToken(serviceID int64, hash, grantID, kind string, ttl time.Duration) store.Token {
	return store.Token{
		ServiceID: serviceID,
		Hash:      hash,
		Kind:      kind,
		GrantID:   grantID,
		ClientID:  4242,
		Subject:   "user-1",
		Scopes:    []string{"openid", "profile"},
		Properties: []store.Property{
			{Key: "plan", Value: "gold"},
			{Key: "internal", Value: "x", Hidden: true},
		},
		AuthTime:       base.Add(-time.Minute),
		ACR:            "urn:example:loa:2",
		IDTokenSubject: "pairwise-1",
		CreatedAt:      base,
		ExpiresAt:      base.Add(ttl),
	}
}

func testTokenLifecycle(t *testing.T, s store.Store) {
	access := newToken(1, "at-1", "g1", "access", time.Hour)
	refresh := newToken(1, "rt-1", "g1", "refresh", 24*time.Hour)
	// A client-credentials token has no subject and may carry no properties.
	cc := store.Token{
		ServiceID: 1,
		Hash:      "at-cc",
		Kind:      "access",
		GrantID:   "g2",
		ClientID:  7,
		Scopes:    []string{"read"},
		CreatedAt: base,
		ExpiresAt: base.Add(time.Hour),
	}
	for _, tk := range []store.Token{access, refresh, cc} {
		mustNil(t, "CreateToken", s.CreateToken(ctx(t), tk))
	}
	wantErr(t, "CreateToken(duplicate)", s.CreateToken(ctx(t), access), store.ErrAlreadyExists)
	// The hash alone is the key: a refresh token cannot take an access token's hash.
	other := newToken(1, "at-1", "g9", "refresh", time.Hour)
	wantErr(t, "CreateToken(hash taken by another kind)", s.CreateToken(ctx(t), other), store.ErrAlreadyExists)

	for _, want := range []store.Token{access, refresh, cc} {
		got, err := s.GetToken(ctx(t), 1, want.Hash)
		mustNil(t, "GetToken", err)
		if d := diff(want, got); d != "" {
			t.Fatalf("GetToken(%s) mismatch (-want +got):\n%s", want.Hash, d)
		}
	}
	// Reading is not consuming.
	got, err := s.GetToken(ctx(t), 1, "at-1")
	mustNil(t, "GetToken(again)", err)
	if d := diff(access, got); d != "" {
		t.Fatalf("GetToken(again) mismatch (-want +got):\n%s", d)
	}
	_, err = s.GetToken(ctx(t), 1, "no-such-hash")
	wantErr(t, "GetToken(unknown)", err, store.ErrNotFound)
}

func testTokenTenantIsolation(t *testing.T, s store.Store) {
	a := newToken(1, "h", "g", "access", time.Hour)
	b := newToken(2, "h", "g", "refresh", time.Hour)
	b.Subject = "service two's user"
	mustNil(t, "CreateToken(A)", s.CreateToken(ctx(t), a))
	_, err := s.GetToken(ctx(t), 2, "h")
	wantErr(t, "GetToken(other tenant)", err, store.ErrNotFound)
	mustNil(t, "CreateToken(B, same hash)", s.CreateToken(ctx(t), b))

	for _, want := range []store.Token{a, b} {
		got, err := s.GetToken(ctx(t), want.ServiceID, "h")
		mustNil(t, "GetToken", err)
		if d := diff(want, got); d != "" {
			t.Errorf("GetToken(service %d) (-want +got):\n%s", want.ServiceID, d)
		}
	}
	_, err = s.GetToken(ctx(t), 3, "h")
	wantErr(t, "GetToken(service 3)", err, store.ErrNotFound)
	n, err := s.DeleteGrant(ctx(t), 3, "g")
	mustNil(t, "DeleteGrant(service 3)", err)
	if n != 0 {
		t.Fatalf("DeleteGrant(service 3) deleted %d tokens, want 0", n)
	}

	n, err = s.DeleteGrant(ctx(t), 1, "g")
	mustNil(t, "DeleteGrant(A)", err)
	if n != 1 {
		t.Fatalf("DeleteGrant(A) deleted %d tokens, want 1", n)
	}
	got, err := s.GetToken(ctx(t), 2, "h")
	mustNil(t, "GetToken(B)", err)
	if d := diff(b, got); d != "" {
		t.Fatalf("service two's token changed (-want +got):\n%s", d)
	}
}

// testTokenDeleteGrant is family revocation (RFC 9700 §4.14.2): every token
// of the grant goes, nothing else does.
func testTokenDeleteGrant(t *testing.T, s store.Store) {
	family := []store.Token{
		newToken(1, "at-1", "g1", "access", time.Hour),
		newToken(1, "rt-1", "g1", "refresh", 24*time.Hour),
		newToken(1, "at-2", "g1", "access", time.Hour),
	}
	others := []store.Token{
		newToken(1, "at-3", "g2", "access", time.Hour),
		newToken(2, "at-1", "g1", "access", time.Hour), // same hash and grant id, other service
		newToken(2, "rt-9", "g1", "refresh", time.Hour),
	}
	for _, tk := range append(append([]store.Token{}, family...), others...) {
		mustNil(t, "CreateToken", s.CreateToken(ctx(t), tk))
	}

	n, err := s.DeleteGrant(ctx(t), 1, "g1")
	mustNil(t, "DeleteGrant", err)
	if n != len(family) {
		t.Errorf("DeleteGrant deleted %d tokens, want %d", n, len(family))
	}
	for _, tk := range family {
		_, err := s.GetToken(ctx(t), 1, tk.Hash)
		wantErr(t, "GetToken(revoked "+tk.Hash+")", err, store.ErrNotFound)
	}
	for _, want := range others {
		got, err := s.GetToken(ctx(t), want.ServiceID, want.Hash)
		mustNil(t, "GetToken(untouched)", err)
		if d := diff(want, got); d != "" {
			t.Errorf("GetToken(service %d, %s) changed (-want +got):\n%s", want.ServiceID, want.Hash, d)
		}
	}

	// Revoking again, or a grant with no tokens, is not an error.
	for _, grant := range []string{"g1", "no-such-grant"} {
		n, err = s.DeleteGrant(ctx(t), 1, grant)
		mustNil(t, "DeleteGrant("+grant+")", err)
		if n != 0 {
			t.Errorf("DeleteGrant(%s) deleted %d tokens, want 0", grant, n)
		}
	}
}

func testTokenDeleteExpired(t *testing.T, s store.Store) {
	mustNil(t, "CreateToken", s.CreateToken(ctx(t), newToken(1, "old", "g", "access", time.Minute)))
	mustNil(t, "CreateToken", s.CreateToken(ctx(t), newToken(2, "old", "g", "refresh", time.Minute)))
	mustNil(t, "CreateToken", s.CreateToken(ctx(t), newToken(1, "fresh", "g", "refresh", time.Hour)))

	cut := base.Add(30 * time.Minute)
	n, err := s.DeleteExpiredTokens(ctx(t), cut)
	mustNil(t, "DeleteExpiredTokens", err)
	if n != 2 {
		t.Errorf("DeleteExpiredTokens removed %d tokens, want 2", n)
	}
	for _, service := range []int64{1, 2} {
		_, err = s.GetToken(ctx(t), service, "old")
		wantErr(t, "GetToken(swept)", err, store.ErrNotFound)
	}
	if _, err := s.GetToken(ctx(t), 1, "fresh"); err != nil {
		t.Fatalf("GetToken(fresh): %v", err)
	}
	n, err = s.DeleteExpiredTokens(ctx(t), cut)
	mustNil(t, "DeleteExpiredTokens(again)", err)
	if n != 0 {
		t.Errorf("DeleteExpiredTokens(again) removed %d tokens, want 0", n)
	}
	mustNil(t, "CreateToken(reuse swept hash)", s.CreateToken(ctx(t), newToken(1, "old", "g", "access", time.Hour)))
}
