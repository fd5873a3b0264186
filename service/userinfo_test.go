package service

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
)

// U02 (a lower-case "bearer" scheme is accepted) is the frontend's parsing
// of the Authorization header: the engine receives the bare token, so it
// has nothing to test here. U03 (no token in the URL query) is likewise the
// frontend's.

func TestUserInfo(t *testing.T) {
	f := newTokenFixture(t, nil)
	live := f.redeem(t, "basic", f.code(t, "basic", "openid profile email"))
	noOpenID := f.redeem(t, "basic", f.code(t, "basic", "profile"))
	revoked := f.redeem(t, "basic", f.code(t, "basic", "openid"))
	if _, err := f.st.DeleteGrant(context.Background(), f.svc.APIKey, grantOf(t, f, revoked.AccessToken)); err != nil {
		t.Fatal(err)
	}
	other := f.otherService(t)

	type tc struct {
		name, token, action, challenge, code string
		other                                bool
	}
	for _, c := range []tc{
		{"missing_token", "", ActionBadRequest, `Bearer error="invalid_request", error_description="[G008201] `, "G008201", false},
		{"U01_garbage", "garbage", ActionUnauthorized, `Bearer error="invalid_token", error_description="[G008301] `, "G008301", false},
		{"U01_revoked", revoked.AccessToken, ActionUnauthorized, `Bearer error="invalid_token"`, "G008301", false},
		{"U01_other_tenant", live.AccessToken, ActionUnauthorized, `Bearer error="invalid_token"`, "G008301", true},
		{"refresh_token", live.RefreshToken, ActionUnauthorized, `Bearer error="invalid_token"`, "G008303", false},
		{"insufficient_scope", noOpenID.AccessToken, ActionForbidden, `Bearer error="insufficient_scope", error_description="[G008304] `, "G008304", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc := f.svc
			if c.other {
				svc = other
			}
			r, err := f.e.UserInfo(context.Background(), svc, c.token)
			if err != nil {
				t.Fatal(err)
			}
			if r.Action != c.action || r.ResultCode != c.code || !strings.HasPrefix(r.ResponseContent, c.challenge) || r.Subject != "" || r.Claims != nil {
				t.Fatalf("UserInfo = %+v", r)
			}
			if c.action == ActionForbidden && !strings.HasSuffix(r.ResponseContent, `, scope="openid"`) {
				t.Errorf("FORBIDDEN must name the openid scope: %q", r.ResponseContent)
			}
			// /issue answers the same for the same token.
			ir, err := f.e.UserInfoIssue(context.Background(), svc, UserInfoIssueRequest{Token: c.token, Claims: `{"name":"Alice"}`})
			if err != nil || ir.Action != r.Action || ir.ResultCode != r.ResultCode || ir.ResponseContent != r.ResponseContent {
				t.Fatalf("UserInfoIssue = %+v %v, want as %+v", ir, err, r)
			}
		})
	}

	r, err := f.e.UserInfo(context.Background(), f.svc, live.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	want := UserInfoResult{Action: ActionOK, ResultCode: "G008001", ResultMessage: r.ResultMessage,
		ClientID: f.clients["basic"].ClientID, Subject: "alice", Scopes: []string{"openid", "profile", "email"},
		Claims: requestedClaims(f.svc, []string{"profile", "email"}, nil)}
	if diff := cmp.Diff(want, r); diff != "" || len(r.Claims) == 0 || !strings.Contains(r.ResultMessage, "OIDC Core §5.3") {
		t.Errorf("OK (-want +got):\n%s", diff)
	}

	t.Run("U01_expired", func(t *testing.T) {
		f.clk.t = f.clk.t.Add(2 * time.Hour)
		t.Cleanup(func() { f.clk.t = testNow })
		r, err := f.e.UserInfo(context.Background(), f.svc, live.AccessToken)
		if err != nil || r.Action != ActionUnauthorized || r.ResultCode != "G008302" ||
			!strings.HasPrefix(r.ResponseContent, `Bearer error="invalid_token"`) {
			t.Fatalf("expired = %+v %v", r, err)
		}
		ir, err := f.e.UserInfoIssue(context.Background(), f.svc, UserInfoIssueRequest{Token: live.AccessToken})
		if err != nil || ir.Action != ActionUnauthorized || ir.ResultCode != "G008302" {
			t.Fatalf("expired issue = %+v %v", ir, err)
		}
	})

	t.Run("store_outage", func(t *testing.T) {
		e := mustNew(t, Config{Store: tokenOutageStore{f.st}, Now: f.clk.now})
		if _, err := e.UserInfo(context.Background(), f.svc, live.AccessToken); err == nil {
			t.Error("UserInfo: a store outage must be an error, never an answer")
		}
		if _, err := e.UserInfoIssue(context.Background(), f.svc, UserInfoIssueRequest{Token: live.AccessToken}); err == nil {
			t.Error("UserInfoIssue: a store outage must be an error, never an answer")
		}
	})
}

func TestUserInfoIssue(t *testing.T) {
	f := newTokenFixture(t, nil)
	profile := f.redeem(t, "basic", f.code(t, "basic", "openid profile")).AccessToken
	bare := f.redeem(t, "basic", f.code(t, "basic", "openid")).AccessToken

	issue := func(t *testing.T, req UserInfoIssueRequest) (UserInfoIssueResult, map[string]any) {
		t.Helper()
		r, err := f.e.UserInfoIssue(context.Background(), f.svc, req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if r.Action == ActionJSON {
			if err := json.Unmarshal([]byte(r.ResponseContent), &body); err != nil {
				t.Fatalf("responseContent %q: %v", r.ResponseContent, err)
			}
		}
		return r, body
	}
	collected := `{"name":"Alice","name#ja-Kana-JP":"アリス","email":"alice@example.com","phone_number":"+1 555"}`

	t.Run("claims_filtered_by_scope", func(t *testing.T) {
		r, body := issue(t, UserInfoIssueRequest{Token: profile, Claims: collected})
		want := map[string]any{"sub": "alice", "name": "Alice", "name#ja-Kana-JP": "アリス"}
		if diff := cmp.Diff(want, body); diff != "" || r.ResultCode != "G008002" {
			t.Errorf("%+v (-want +got):\n%s", r, diff)
		}
		_, body = issue(t, UserInfoIssueRequest{Token: bare, Claims: collected})
		if diff := cmp.Diff(map[string]any{"sub": "alice"}, body); diff != "" {
			t.Errorf("openid alone releases only sub (-want +got):\n%s", diff)
		}
	})
	t.Run("sub_override", func(t *testing.T) {
		_, body := issue(t, UserInfoIssueRequest{Token: profile, Claims: `{"name":"Alice"}`, Sub: "pairwise-7"})
		if diff := cmp.Diff(map[string]any{"sub": "pairwise-7", "name": "Alice"}, body); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		r, _ := issue(t, UserInfoIssueRequest{Token: profile, Sub: strings.Repeat("x", 256)})
		if r.Action != ActionBadRequest || r.ResultCode != "G008204" {
			t.Errorf("long sub = %+v", r)
		}
	})
	t.Run("no_claims", func(t *testing.T) {
		_, body := issue(t, UserInfoIssueRequest{Token: profile})
		if diff := cmp.Diff(map[string]any{"sub": "alice"}, body); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	for _, c := range []struct{ name, claims, code string }{
		{"bad_claims_json", `{"name":`, "G008202"},
		{"claims_not_object", `["name"]`, "G008202"},
		{"claims_null", `null`, "G008202"},
		{"reserved_claim", `{"sub":"mallory"}`, "G008203"},
		{"custom_claim", `{"shoe_size":42}`, "G008203"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := issue(t, UserInfoIssueRequest{Token: profile, Claims: c.claims})
			if r.Action != ActionBadRequest || r.ResultCode != c.code || !strings.HasPrefix(r.ResponseContent, `Bearer error="invalid_request"`) {
				t.Errorf("got %+v", r)
			}
		})
	}
}

// TestUserInfoClaimsRequest: the userinfo member of the OIDC claims request
// (OIDC Core §5.5) releases claims beyond the scopes', for the tokens of
// the authorization and of its refreshes; the id_token member does not.
func TestUserInfoClaimsRequest(t *testing.T) {
	f := newTokenFixture(t, nil)
	claimsParam := `{"userinfo":{"email":{"essential":true},"no_such_claim":null},"id_token":{"name":null}}`
	first := f.redeem(t, "basic", f.codeWith(t, "basic", "openid", url.Values{"claims": {claimsParam}}))
	refreshed := f.token(t, "basic", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}})
	if refreshed.Action != ActionOK {
		t.Fatalf("refresh = %+v", refreshed)
	}
	collected := `{"name":"Alice","email":"alice@example.com"}`
	for name, token := range map[string]string{"code": first.AccessToken, "refresh": refreshed.AccessToken} {
		r, err := f.e.UserInfo(context.Background(), f.svc, token)
		if err != nil || r.Action != ActionOK || !slices.Equal(r.Claims, []string{"email"}) {
			t.Errorf("%s: UserInfo = %+v %v, want claims [email]", name, r, err)
		}
		ir, err := f.e.UserInfoIssue(context.Background(), f.svc, UserInfoIssueRequest{Token: token, Claims: collected})
		if err != nil || ir.ResponseContent != `{"email":"alice@example.com","sub":"alice"}` {
			t.Errorf("%s: UserInfoIssue = %+v %v", name, ir, err)
		}
	}
}

// TestUserInfoSigned: a client that registered userInfoSignedResponseAlg
// gets a JWT signed with the service's published key for that algorithm,
// with iss and aud (OIDC Core §5.3.2).
func TestUserInfoSigned(t *testing.T) {
	f := newTokenFixture(t, nil)
	c := f.clients["basic"]
	c.UserInfoSignedResponseAlg = oauth.AlgES256
	if _, _, err := f.e.UpdateClient(context.Background(), f.svc, c.ClientID, c); err != nil {
		t.Fatal(err)
	}
	token := f.redeem(t, "basic", f.code(t, "basic", "openid profile")).AccessToken
	r, err := f.e.UserInfoIssue(context.Background(), f.svc, UserInfoIssueRequest{Token: token, Claims: `{"name":"Alice","email":"a@example.com"}`})
	if err != nil || r.Action != ActionJWT || r.ResultCode != "G008002" {
		t.Fatalf("UserInfoIssue = %+v %v", r, err)
	}
	tok, err := jwt.ParseSigned(r.ResponseContent, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("not an ES256 JWS: %v", err)
	}
	_, claims := verify(t, publicKeys(t, f.e, f.svc), r.ResponseContent)
	want := map[string]any{"sub": "alice", "name": "Alice", "iss": f.svc.Issuer, "aud": "basic"} // the alias the authorization request used
	if diff := cmp.Diff(want, claims); diff != "" || tok.Headers[0].Algorithm != "ES256" {
		t.Errorf("signed UserInfo (-want +got):\n%s", diff)
	}

	// Another client of the service still gets JSON.
	plain := f.redeem(t, "post", f.code(t, "post", "openid")).AccessToken
	if r, _ := f.e.UserInfoIssue(context.Background(), f.svc, UserInfoIssueRequest{Token: plain}); r.Action != ActionJSON {
		t.Errorf("client without the setting got %s", r.Action)
	}
}
