package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// testTimeRoundTrip pins the time contract: any instant goes in, the same
// instant truncated to the millisecond comes out, in UTC.
func testTimeRoundTrip(t *testing.T, s store.Store) {
	tokyo := time.FixedZone("JST", 9*3600)
	in := time.Date(2026, 11, 22, 3, 4, 5, 678_912_345, tokyo)
	want := time.Date(2026, 11, 21, 18, 4, 5, 678_000_000, time.UTC)

	svc := newService(7, in)
	svc.ModifiedAt = in
	mustNil(t, "CreateService", s.CreateService(ctx(t), svc))
	gotSvc, err := s.GetService(ctx(t), 7)
	mustNil(t, "GetService", err)

	c := newClient(7, 8, "", in)
	mustNil(t, "CreateClient", s.CreateClient(ctx(t), c))
	gotClient, err := s.GetClient(ctx(t), 7, 8)
	mustNil(t, "GetClient", err)

	tk := newTicket(7, "t", 0)
	tk.CreatedAt, tk.ExpiresAt = in, in
	mustNil(t, "CreateTicket", s.CreateTicket(ctx(t), tk))
	gotTicket, err := s.ConsumeTicket(ctx(t), 7, "t")
	mustNil(t, "ConsumeTicket", err)

	code := newCode(7, "c", 0)
	code.AuthTime, code.CreatedAt, code.ExpiresAt = in, in, in
	mustNil(t, "CreateCode", s.CreateCode(ctx(t), code))
	gotCode, err := s.ConsumeCode(ctx(t), 7, "c")
	mustNil(t, "ConsumeCode", err)

	tok := newToken(7, "a", "g", "access", 0)
	tok.CreatedAt, tok.ExpiresAt = in, in
	mustNil(t, "CreateToken", s.CreateToken(ctx(t), tok))
	gotToken, err := s.GetToken(ctx(t), 7, "a")
	mustNil(t, "GetToken", err)

	for name, got := range map[string]time.Time{
		"service.CreatedAt":  gotSvc.CreatedAt,
		"service.ModifiedAt": gotSvc.ModifiedAt,
		"client.CreatedAt":   gotClient.CreatedAt,
		"ticket.ExpiresAt":   gotTicket.ExpiresAt,
		"code.AuthTime":      gotCode.AuthTime,
		"code.CreatedAt":     gotCode.CreatedAt,
		"code.ExpiresAt":     gotCode.ExpiresAt,
		"token.CreatedAt":    gotToken.CreatedAt,
		"token.ExpiresAt":    gotToken.ExpiresAt,
	} {
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s = %v (%v), want %v in UTC", name, got, got.Location(), want)
		}
	}
}

// testNoAliasing checks that neither the caller's input nor a returned record
// shares memory with what the store holds.
func testNoAliasing(t *testing.T, s store.Store) {
	svc := newService(3, base)
	mustNil(t, "CreateService", s.CreateService(ctx(t), svc))
	svc.SupportedScopes[0].Name = "mutated-input"
	svc.APISecretHash[0] ^= 0xff
	got, err := s.GetService(ctx(t), 3)
	mustNil(t, "GetService", err)
	if d := diff(newService(3, base), got); d != "" {
		t.Fatalf("mutating the input changed the stored service (-want +got):\n%s", d)
	}
	got.SupportedGrantTypes[0] = "mutated-output"
	got.SupportedScopes[0].Name = "mutated-output"
	listed, _, err := s.ListServices(ctx(t), store.Page{Start: 0, End: 1})
	mustNil(t, "ListServices", err)
	listed[0].SupportedResponseTypes[0] = "mutated-listing"
	got, err = s.GetService(ctx(t), 3)
	mustNil(t, "GetService", err)
	if d := diff(newService(3, base), got); d != "" {
		t.Fatalf("mutating a returned service changed the stored one (-want +got):\n%s", d)
	}

	c := newClient(3, 4, "alias", base)
	mustNil(t, "CreateClient", s.CreateClient(ctx(t), c))
	c.RedirectURIs[0] = "https://attacker.example/cb"
	c.ClientSecretHash[0] ^= 0xff
	gotC, err := s.GetClientByAlias(ctx(t), 3, "alias")
	mustNil(t, "GetClientByAlias", err)
	gotC.GrantTypes[0] = "password"
	gotC.Contacts[0] = "mutated"
	gotC2, err := s.GetClient(ctx(t), 3, 4)
	mustNil(t, "GetClient", err)
	if d := diff(newClient(3, 4, "alias", base), gotC2); d != "" {
		t.Fatalf("client shares memory with the caller (-want +got):\n%s", d)
	}

	tk := newTicket(3, "h", time.Hour)
	mustNil(t, "CreateTicket", s.CreateTicket(ctx(t), tk))
	tk.Payload[0] = 'X'
	gotT, err := s.ConsumeTicket(ctx(t), 3, "h")
	mustNil(t, "ConsumeTicket", err)
	if d := diff(newTicket(3, "h", time.Hour), gotT); d != "" {
		t.Fatalf("mutating the input changed the stored ticket (-want +got):\n%s", d)
	}
	gotT.Payload[0] = 'Y'
	gotT, _ = s.ConsumeTicket(ctx(t), 3, "h")
	if want := newTicket(3, "h", time.Hour); gotT.Payload != nil && string(gotT.Payload) != string(want.Payload) {
		t.Fatalf("mutating a returned ticket changed the stored one: %s", gotT.Payload)
	}

	code := newCode(3, "c", time.Hour)
	mustNil(t, "CreateCode", s.CreateCode(ctx(t), code))
	code.Scopes[0] = "admin"
	code.Claims[0] = '['
	code.Properties[0].Value = "mutated-input"
	gotCode, err := s.ConsumeCode(ctx(t), 3, "c")
	mustNil(t, "ConsumeCode", err)
	if d := diff(newCode(3, "c", time.Hour), gotCode); d != "" {
		t.Fatalf("mutating the input changed the stored code (-want +got):\n%s", d)
	}
	gotCode.Scopes[0] = "admin"
	gotCode.Claims[0] = '['
	gotCode.Properties[0].Value = "mutated-output"
	gotCode, _ = s.ConsumeCode(ctx(t), 3, "c")
	if d := diff(newCode(3, "c", time.Hour), gotCode); d != "" {
		t.Fatalf("mutating a returned code changed the stored one (-want +got):\n%s", d)
	}

	tok := newToken(3, "a", "g", "access", time.Hour)
	mustNil(t, "CreateToken", s.CreateToken(ctx(t), tok))
	tok.Scopes[0] = "admin"
	tok.Properties[0].Value = "mutated-input"
	gotTok, err := s.GetToken(ctx(t), 3, "a")
	mustNil(t, "GetToken", err)
	if d := diff(newToken(3, "a", "g", "access", time.Hour), gotTok); d != "" {
		t.Fatalf("mutating the input changed the stored token (-want +got):\n%s", d)
	}
	gotTok.Scopes[0] = "admin"
	gotTok.Properties[0].Value = "mutated-output"
	gotTok, err = s.GetToken(ctx(t), 3, "a")
	mustNil(t, "GetToken", err)
	if d := diff(newToken(3, "a", "g", "access", time.Hour), gotTok); d != "" {
		t.Fatalf("mutating a returned token changed the stored one (-want +got):\n%s", d)
	}
}
