package service

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// tokenOutageStore fails every token read and revocation, as a store that
// went away between two calls.
type tokenOutageStore struct{ *memstore.Store }

func (tokenOutageStore) GetToken(context.Context, int64, string) (store.Token, error) {
	return store.Token{}, store.ErrUnavailable
}

func (tokenOutageStore) DeleteGrant(context.Context, int64, string) (int, error) {
	return 0, store.ErrUnavailable
}

// otherService creates a second tenant in the fixture's engine.
func (f *tokenFixture) otherService(t *testing.T) store.Service {
	t.Helper()
	in := testService()
	in.Issuer = "https://other.example.com"
	svc, _, err := f.e.CreateService(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestIntrospect(t *testing.T) {
	f := newTokenFixture(t, nil)
	live := f.redeem(t, "basic", f.code(t, "basic", "openid profile"))
	withProps, err := f.e.Token(context.Background(), f.svc, TokenRequest{
		Parameters: "grant_type=client_credentials&scope=profile", ClientID: "basic", ClientSecret: f.secrets["basic"],
		Properties: []store.Property{{Key: "shown", Value: "1"}, {Key: "secret", Value: "2", Hidden: true}},
	})
	if err != nil || withProps.Action != ActionOK {
		t.Fatalf("client_credentials: %+v %v", withProps, err)
	}
	revoked := f.redeem(t, "basic", f.code(t, "basic", "openid"))
	if _, err := f.st.DeleteGrant(context.Background(), f.svc.APIKey, grantOf(t, f, revoked.AccessToken)); err != nil {
		t.Fatal(err)
	}
	other := f.otherService(t)

	cases := []struct {
		name      string
		svc       store.Service
		req       IntrospectionRequest
		action    string
		challenge string // the start of responseContent
		code      string
	}{
		{"missing_token", f.svc, IntrospectionRequest{}, ActionBadRequest, `Bearer error="invalid_request", error_description="[G006201] `, "G006201"},
		{"I02_garbage", f.svc, IntrospectionRequest{Token: "garbage"}, ActionUnauthorized, `Bearer error="invalid_token", error_description="[G006301] `, "G006301"},
		{"I04_revoked", f.svc, IntrospectionRequest{Token: revoked.AccessToken}, ActionUnauthorized, `Bearer error="invalid_token"`, "G006301"},
		{"I05_refresh_token", f.svc, IntrospectionRequest{Token: live.RefreshToken}, ActionUnauthorized, `Bearer error="invalid_token"`, "G006303"},
		{"I06_other_tenant", other, IntrospectionRequest{Token: live.AccessToken}, ActionUnauthorized, `Bearer error="invalid_token"`, "G006301"},
		{"insufficient_scope", f.svc, IntrospectionRequest{Token: live.AccessToken, Scopes: []string{"profile", "admin"}}, ActionForbidden,
			`Bearer error="insufficient_scope", error_description="[G006304] the access token does not cover the required scopes (RFC 6750 section 3.1)", scope="profile admin"`, "G006304"},
		{"other_subject", f.svc, IntrospectionRequest{Token: live.AccessToken, Subject: "bob"}, ActionForbidden, `Bearer error="invalid_token"`, "G006305"},
		{"I08_active", f.svc, IntrospectionRequest{Token: live.AccessToken, Scopes: []string{"profile"}, Subject: "alice"}, ActionOK, "", "G006001"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := f.e.Introspect(context.Background(), tc.svc, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if r.Action != tc.action || r.ResultCode != tc.code || !strings.HasPrefix(r.ResponseContent, tc.challenge) {
				t.Fatalf("got %s %s %q", r.Action, r.ResultMessage, r.ResponseContent)
			}
			if tc.action == ActionOK && r.ResponseContent != "" {
				t.Errorf("OK carries responseContent %q", r.ResponseContent)
			}
		})
	}

	r, _ := f.e.Introspect(context.Background(), f.svc, IntrospectionRequest{Token: live.AccessToken, Subject: "alice"})
	want := IntrospectionResult{Action: ActionOK, ResultCode: r.ResultCode, ResultMessage: r.ResultMessage,
		ClientID: f.clients["basic"].ClientID, Subject: "alice", Scopes: []string{"openid", "profile"},
		ExpiresAt: live.AccessTokenExpiresAt, Existent: true, Usable: true, Sufficient: true, Refreshable: true}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("active token (-want +got):\n%s", diff)
	}
	r, _ = f.e.Introspect(context.Background(), f.svc, IntrospectionRequest{Token: withProps.AccessToken})
	if diff := cmp.Diff([]store.Property{{Key: "shown", Value: "1"}}, r.Properties); diff != "" || r.Subject != "" {
		t.Errorf("properties: hidden ones must not show (-want +got):\n%s", diff)
	}
	if r.Refreshable {
		t.Error("a client_credentials token, issued without a refresh token, is refreshable")
	}

	t.Run("I03_expired", func(t *testing.T) {
		f.clk.t = f.clk.t.Add(2 * time.Hour)
		t.Cleanup(func() { f.clk.t = testNow })
		r, err := f.e.Introspect(context.Background(), f.svc, IntrospectionRequest{Token: live.AccessToken})
		if err != nil || r.Action != ActionUnauthorized || r.ResultCode != "G006302" || !r.Existent || r.Usable || !r.Refreshable {
			t.Fatalf("expired = %+v %v", r, err)
		}
		// Past the refresh token's lifetime the grant is over.
		f.clk.t = testNow.Add(time.Duration(f.svc.RefreshTokenDuration+1) * time.Second)
		r, err = f.e.Introspect(context.Background(), f.svc, IntrospectionRequest{Token: live.AccessToken})
		if err != nil || r.Refreshable {
			t.Fatalf("after the refresh token expired = %+v %v", r, err)
		}
	})
}

// grantOf reads the grant of a raw token from the store.
func grantOf(t *testing.T, f *tokenFixture, raw string) string {
	t.Helper()
	tok, err := f.st.GetToken(context.Background(), f.svc.APIKey, hashToken(raw))
	if err != nil {
		t.Fatal(err)
	}
	return tok.GrantID
}

// TestIntrospectStandard runs the cases I02–I08 of SECURITY §6 against
// RFC 7662 introspection. I01 (no caller authentication) is the router's:
// the resource server reaches the engine only through its frontend's
// service credentials (api tests). I07 does not arise: the engine does not
// authenticate the resource server, its frontend does.
func TestIntrospectStandard(t *testing.T) {
	f := newTokenFixture(t, nil)
	first := f.redeem(t, "basic", f.code(t, "basic", "openid profile"))
	second := f.token(t, "basic", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}})
	if second.Action != ActionOK {
		t.Fatalf("refresh = %+v", second)
	}
	revoked := f.redeem(t, "basic", f.code(t, "basic", "openid"))
	if _, err := f.st.DeleteGrant(context.Background(), f.svc.APIKey, grantOf(t, f, revoked.AccessToken)); err != nil {
		t.Fatal(err)
	}
	kept := newTokenFixture(t, func(s *store.Service) { s.RefreshTokenKept = true })
	keptTokens := kept.redeem(t, "public", kept.code(t, "public", "openid"))
	other := f.otherService(t)

	cases := []struct {
		name       string
		f          *tokenFixture
		svc        store.Service
		parameters string
		want       map[string]any // nil: exactly {"active":false}
	}{
		{"I02_garbage", f, f.svc, "token=garbage", nil},
		{"I04_revoked_access_token", f, f.svc, "token=" + revoked.AccessToken, nil},
		{"I04_rotated_refresh_token", f, f.svc, "token=" + first.RefreshToken, nil},
		// The live refresh token of a rotating service is active; the one it
		// replaced (I04) is not.
		{"live_refresh_token_of_rotating_service", f, f.svc, "token=" + second.RefreshToken, map[string]any{
			"active": true, "scope": "openid profile", "client_id": itoa(f.clients["basic"].ClientID), "sub": "alice",
			"exp": float64(testNow.Add(30 * 24 * time.Hour).Unix()), "iat": float64(testNow.Unix()), "iss": "https://as.example.com",
		}},
		{"I05_authorization_code", f, f.svc, "token=" + f.code(t, "basic", "openid"), nil},
		{"I06_other_tenant", f, other, "token=" + second.AccessToken, nil},
		{"I08_access_token", f, f.svc, "token=" + second.AccessToken, map[string]any{
			"active": true, "scope": "openid profile", "client_id": itoa(f.clients["basic"].ClientID), "sub": "alice",
			"exp": float64(testNow.Add(time.Hour).Unix()), "iat": float64(testNow.Unix()), "iss": "https://as.example.com", "token_type": "Bearer",
		}},
		{"wrong_hint_ignored", f, f.svc, "token_type_hint=refresh_token&token=" + second.AccessToken, map[string]any{
			"active": true, "scope": "openid profile", "client_id": itoa(f.clients["basic"].ClientID), "sub": "alice",
			"exp": float64(testNow.Add(time.Hour).Unix()), "iat": float64(testNow.Unix()), "iss": "https://as.example.com", "token_type": "Bearer",
		}},
		{"kept_refresh_token", kept, kept.svc, "token=" + keptTokens.RefreshToken, map[string]any{
			"active": true, "scope": "openid", "client_id": itoa(kept.clients["public"].ClientID), "sub": "alice",
			"exp": float64(testNow.Add(time.Duration(kept.svc.RefreshTokenDuration) * time.Second).Unix()), "iat": float64(testNow.Unix()), "iss": "https://as.example.com",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.f.e.IntrospectStandard(context.Background(), tc.svc, tc.parameters)
			if err != nil {
				t.Fatal(err)
			}
			if r.Action != ActionOK || r.ResultCode != "G006002" {
				t.Fatalf("got %s %s", r.Action, r.ResultMessage)
			}
			if tc.want == nil {
				if r.ResponseContent != `{"active":false}` {
					t.Fatalf("responseContent = %s, want exactly {\"active\":false}", r.ResponseContent)
				}
				return
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(r.ResponseContent), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("introspection response (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("I03_expired", func(t *testing.T) {
		f.clk.t = f.clk.t.Add(time.Hour)
		t.Cleanup(func() { f.clk.t = testNow })
		r, err := f.e.IntrospectStandard(context.Background(), f.svc, "token="+second.AccessToken)
		if err != nil || r.ResponseContent != `{"active":false}` {
			t.Fatalf("expired = %+v %v", r, err)
		}
	})
	for _, params := range []string{"", "token_type_hint=access_token", "token=a&token=b", "token=%zz"} {
		t.Run("bad_request_"+params, func(t *testing.T) {
			r, err := f.e.IntrospectStandard(context.Background(), f.svc, params)
			var body struct{ Error string }
			_ = json.Unmarshal([]byte(r.ResponseContent), &body)
			if err != nil || r.Action != ActionBadRequest || body.Error != "invalid_request" || !strings.HasPrefix(r.ResultCode, "G0062") {
				t.Fatalf("got %+v %v", r, err)
			}
		})
	}
}

func TestIntrospectionStoreOutage(t *testing.T) {
	f := newTokenFixture(t, nil)
	e := mustNew(t, Config{Store: tokenOutageStore{f.st}, Now: f.clk.now})
	if _, err := e.Introspect(context.Background(), f.svc, IntrospectionRequest{Token: "x"}); kindOf(t, err) != KindUnavailable {
		t.Errorf("Introspect: %v", err)
	}
	_, err := e.IntrospectStandard(context.Background(), f.svc, "token=x")
	if !errors.Is(err, store.ErrUnavailable) || kindOf(t, err) != KindUnavailable {
		t.Errorf("IntrospectStandard: %v", err)
	}
}
