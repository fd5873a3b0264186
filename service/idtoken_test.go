package service

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

func TestIDTokenClaims(t *testing.T) {
	e := newTestEngine(t)
	svc, _ := mustCreateService(t, e)
	for _, alg := range []string{oauth.AlgRS256, oauth.AlgES256} {
		t.Run(alg, func(t *testing.T) {
			c := idClient(alg)
			raw, err := e.SignIDToken(context.Background(), svc, c, IDToken{
				Subject:     "alice",
				Nonce:       "n-0S6_WzA2Mj",
				AuthTime:    testNow.Add(-time.Minute),
				ACR:         "urn:mace:incommon:iap:silver",
				AMR:         []string{"pwd", "otp"},
				SessionID:   "sess-1",
				AccessToken: "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y",
				Code:        "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk",
				State:       "af0ifjsldkj",
				Claims:      map[string]any{"name": "Alice", "email_verified": true, "name#ja-Kana-JP": "アリス"},
			})
			if err != nil {
				t.Fatal(err)
			}
			_, got := verify(t, publicKeys(t, e, svc), raw)
			// The left half of SHA-256, base64url: OIDC Core §3.1.3.6 for
			// RS256 and ES256 alike.
			half := func(s string) string {
				h := sha256.Sum256([]byte(s))
				return base64.RawURLEncoding.EncodeToString(h[:16])
			}
			want := map[string]any{
				"iss": svc.Issuer, "sub": "alice", "aud": "4242",
				"iat": float64(testNow.Unix()), "exp": float64(testNow.Unix() + svc.IDTokenDuration),
				"nonce": "n-0S6_WzA2Mj", "auth_time": float64(testNow.Add(-time.Minute).Unix()),
				"acr": "urn:mace:incommon:iap:silver", "amr": []any{"pwd", "otp"}, "sid": "sess-1",
				"at_hash": half("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
				"c_hash":  half("Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"),
				"s_hash":  half("af0ifjsldkj"),
				"name":    "Alice", "email_verified": true, "name#ja-Kana-JP": "アリス",
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("claims\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestIDTokenOptionalClaimsAreLeftOut(t *testing.T) {
	e := newTestEngine(t)
	svc, _ := mustCreateService(t, e)
	raw, err := e.SignIDToken(context.Background(), svc, idClient(oauth.AlgES256), IDToken{Subject: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	_, got := verify(t, publicKeys(t, e, svc), raw)
	for _, claim := range []string{"nonce", "auth_time", "acr", "amr", "sid", "azp", "at_hash", "c_hash", "s_hash"} {
		if _, ok := got[claim]; ok {
			t.Errorf("claim %s present without a value: %v", claim, got[claim])
		}
	}
}

func TestIDTokenAudiencesAndLifetime(t *testing.T) {
	e := newTestEngine(t)
	svc, _ := mustCreateService(t, e)
	c := idClient(oauth.AlgRS256)
	c.IDTokenDuration = 120
	raw, err := e.SignIDToken(context.Background(), svc, c, IDToken{Subject: "s", Audiences: []string{"https://api.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	_, got := verify(t, publicKeys(t, e, svc), raw)
	if fmt.Sprint(got["aud"]) != "[4242 https://api.example.com]" || got["azp"] != "4242" {
		t.Errorf("aud = %v, azp = %v; with several audiences azp names the client", got["aud"], got["azp"])
	}
	if got["exp"] != float64(testNow.Unix()+120) {
		t.Errorf("exp = %v: the client's idTokenDuration comes first", got["exp"])
	}
}

func TestIDTokenClaimRules(t *testing.T) {
	e := newTestEngine(t)
	svc, _ := mustCreateService(t, e)
	custom := svc
	custom.CustomClaimsAllowed = true
	cases := []struct {
		name   string
		svc    store.Service
		claims map[string]any
		bad    []string
	}{
		{"standard claims", svc, map[string]any{"email": "a@example.com", "address": map[string]any{"country": "JP"}}, nil},
		{"language-tagged standard claim", svc, map[string]any{"family_name#ja-Hani-JP": "山田"}, nil},
		{"custom claim refused by default", svc, map[string]any{"role": "admin"}, []string{"claims.role"}},
		{"custom claim allowed", custom, map[string]any{"role": "admin"}, nil},
		{"language tag on a custom claim", svc, map[string]any{"role#en": "x"}, []string{"claims.role#en"}},
		{"nested too deep", custom, map[string]any{"deep": map[string]any{"a": []any{map[string]any{"b": []any{map[string]any{"c": []any{1}}}}}}}, []string{"claims.deep"}},
		{"too many claims", custom, manyClaims(maxClaims + 1), []string{"claims"}},
		{"as many claims as allowed", custom, manyClaims(maxClaims), nil},
	}
	for _, claim := range reservedClaims {
		cases = append(cases, struct {
			name   string
			svc    store.Service
			claims map[string]any
			bad    []string
		}{"override of " + claim, custom, map[string]any{claim: "forged"}, []string{"claims." + claim}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.SignIDToken(context.Background(), tc.svc, idClient(oauth.AlgRS256), IDToken{Subject: "s", Claims: tc.claims})
			if tc.bad == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ee *Error
			if !errors.As(err, &ee) || ee.Code != "G003201" || ee.Kind != KindInvalid {
				t.Fatalf("error = %v, want G003201", err)
			}
			var fields []string
			for _, f := range ee.Fields {
				fields = append(fields, f.Field)
			}
			if !slices.Equal(fields, tc.bad) {
				t.Errorf("refused fields %v, want %v", fields, tc.bad)
			}
		})
	}
	if _, err := e.SignIDToken(context.Background(), svc, idClient(oauth.AlgRS256), IDToken{}); err == nil {
		t.Error("an ID token needs a subject")
	}
}

// manyClaims is n custom claims.
func manyClaims(n int) map[string]any {
	m := make(map[string]any, n)
	for i := range n {
		m[fmt.Sprintf("c%d", i)] = i
	}
	return m
}

// TestIDTokenAudienceIsTheClientIDUsed: aud is the client_id the
// authorization request used — the alias when it named the client so, the
// number otherwise — for the code's ID token and for refreshed ones, so a
// relying party checks aud against the client_id it sends.
func TestIDTokenAudienceIsTheClientIDUsed(t *testing.T) {
	f := newTokenFixture(t, nil)
	number := fmt.Sprint(f.clients["basic"].ClientID)
	for _, tc := range []struct{ clientID, aud string }{{"basic", "basic"}, {number, number}} {
		code := f.codeWith(t, "basic", "openid", url.Values{"client_id": {tc.clientID}})
		issued := f.redeem(t, "basic", code)
		refreshed := f.token(t, "basic", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {issued.RefreshToken}})
		set := publicKeys(t, f.e, f.svc)
		for name, raw := range map[string]string{"code": issued.IDToken, "refresh": refreshed.IDToken} {
			if _, claims := verify(t, set, raw); claims["aud"] != tc.aud {
				t.Errorf("client_id %s, %s: aud %v, want %s", tc.clientID, name, claims["aud"], tc.aud)
			}
		}
	}
}
