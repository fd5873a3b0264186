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
		AuthTime:         base.Add(-time.Minute),
		ACR:              "urn:example:loa:2",
		IDTokenSubject:   "pairwise-1",
		GrantType:        "authorization_code",
		UserInfoClaims:   []string{"email", "address"},
		RefreshExpiresAt: base.Add(24 * time.Hour),
		CreatedAt:        base,
		ExpiresAt:        base.Add(ttl),
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

	// A grant thinned by expiry and by owner revocation still revokes
	// exactly what is left of it.
	thinned := []store.Token{
		newToken(1, "th-1", "g3", "access", time.Minute),
		newToken(1, "th-2", "g3", "refresh", 24*time.Hour),
		newToken(1, "th-3", "g3", "access", time.Hour),
	}
	thinned[2].Subject = "user-2"
	for _, tk := range thinned {
		mustNil(t, "CreateToken", s.CreateToken(ctx(t), tk))
	}
	if _, err := s.DeleteExpiredTokens(ctx(t), base.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteTokens(ctx(t), 1, store.TokenFilter{Subject: "user-2"}); err != nil {
		t.Fatal(err)
	}
	if n, err = s.DeleteGrant(ctx(t), 1, "g3"); err != nil || n != 1 {
		t.Errorf("DeleteGrant(thinned) = %d, %v; want 1", n, err)
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

// managedTokens stores tokens of two clients and two subjects in service 1,
// created a second apart in the order given, and a look-alike in service 2.
func managedTokens(t *testing.T, s store.Store) []store.Token {
	t.Helper()
	specs := []struct {
		hash    string
		client  int64
		subject string
	}{
		{"t0", 10, "alice"}, {"t1", 10, "bob"}, {"t2", 20, "alice"},
		{"t3", 10, "alice"}, {"t4", 20, ""}, {"t5", 10, "bob"},
	}
	var all []store.Token
	for i, sp := range specs {
		tk := newToken(1, sp.hash, "g-"+sp.hash, "access", time.Hour)
		tk.ClientID, tk.Subject = sp.client, sp.subject
		tk.CreatedAt = base.Add(time.Duration(i) * time.Second)
		mustNil(t, "CreateToken", s.CreateToken(ctx(t), tk))
		all = append(all, tk)
	}
	twin := newToken(2, "t0", "g-t0", "access", time.Hour)
	twin.ClientID, twin.Subject = 10, "alice"
	mustNil(t, "CreateToken(service 2)", s.CreateToken(ctx(t), twin))
	return all
}

func hashes(ts []store.Token) []string {
	out := make([]string, len(ts))
	for i, tk := range ts {
		out[i] = tk.Hash
	}
	return out
}

// testTokenList is the token management listing: filtered by client and/or
// subject, oldest first, paged, never another service's tokens.
func testTokenList(t *testing.T, s store.Store) {
	all := managedTokens(t, s)
	cases := []struct {
		name   string
		filter store.TokenFilter
		page   store.Page
		want   []string
		total  int
	}{
		{"everything", store.TokenFilter{}, store.Page{End: 100}, []string{"t0", "t1", "t2", "t3", "t4", "t5"}, 6},
		{"client", store.TokenFilter{ClientID: 10}, store.Page{End: 100}, []string{"t0", "t1", "t3", "t5"}, 4},
		{"subject", store.TokenFilter{Subject: "alice"}, store.Page{End: 100}, []string{"t0", "t2", "t3"}, 3},
		{"client and subject", store.TokenFilter{ClientID: 10, Subject: "bob"}, store.Page{End: 100}, []string{"t1", "t5"}, 2},
		{"second page", store.TokenFilter{ClientID: 10}, store.Page{Start: 1, End: 3}, []string{"t1", "t3"}, 4},
		{"past the end", store.TokenFilter{ClientID: 10}, store.Page{Start: 4, End: 9}, []string{}, 4},
		{"empty range", store.TokenFilter{}, store.Page{Start: 2, End: 2}, []string{}, 6},
		{"no match", store.TokenFilter{ClientID: 99}, store.Page{End: 100}, []string{}, 0},
		{"operator-looking subject is a string", store.TokenFilter{Subject: `{"$ne":""}`}, store.Page{End: 100}, []string{}, 0},
	}
	for _, tc := range cases {
		got, total, err := s.ListTokens(ctx(t), 1, tc.filter, tc.page)
		mustNil(t, "ListTokens("+tc.name+")", err)
		if d := diff(tc.want, hashes(got)); d != "" || total != tc.total {
			t.Errorf("ListTokens(%s) = %v (total %d), want %v (total %d)", tc.name, hashes(got), total, tc.want, tc.total)
		}
	}
	// Listed records are the stored records, whole.
	got, _, err := s.ListTokens(ctx(t), 1, store.TokenFilter{ClientID: 20, Subject: "alice"}, store.Page{End: 1})
	mustNil(t, "ListTokens(one)", err)
	if len(got) != 1 {
		t.Fatalf("ListTokens(one) returned %d tokens, want 1", len(got))
	}
	if d := diff(all[2], got[0]); d != "" {
		t.Errorf("ListTokens record mismatch (-want +got):\n%s", d)
	}
	other, total, err := s.ListTokens(ctx(t), 2, store.TokenFilter{}, store.Page{End: 100})
	mustNil(t, "ListTokens(service 2)", err)
	if total != 1 || len(other) != 1 || other[0].ServiceID != 2 {
		t.Errorf("ListTokens(service 2) = %v (total %d), want its one token", hashes(other), total)
	}
}

// testTokenDeleteMatching is bulk revocation by client and/or subject.
func testTokenDeleteMatching(t *testing.T, s store.Store) {
	managedTokens(t, s)
	steps := []struct {
		filter store.TokenFilter
		n      int
		left   []string
	}{
		{store.TokenFilter{ClientID: 10, Subject: "bob"}, 2, []string{"t0", "t2", "t3", "t4"}},
		{store.TokenFilter{Subject: "alice"}, 3, []string{"t4"}},
		{store.TokenFilter{ClientID: 10}, 0, []string{"t4"}},
		{store.TokenFilter{}, 1, []string{}},
	}
	for i, st := range steps {
		n, err := s.DeleteTokens(ctx(t), 1, st.filter)
		mustNil(t, "DeleteTokens", err)
		left, _, err := s.ListTokens(ctx(t), 1, store.TokenFilter{}, store.Page{End: 100})
		mustNil(t, "ListTokens", err)
		if n != st.n || diff(st.left, hashes(left)) != "" {
			t.Errorf("step %d: DeleteTokens(%+v) deleted %d, left %v; want %d, left %v", i, st.filter, n, hashes(left), st.n, st.left)
		}
	}
	// Service 2's look-alike survived service 1's "delete everything".
	if _, err := s.GetToken(ctx(t), 2, "t0"); err != nil {
		t.Fatalf("GetToken(service 2): %v", err)
	}
}
