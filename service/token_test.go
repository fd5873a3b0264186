package service

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// tokenFixture is a service with a Basic client, a client_secret_post
// client and a public client, over a settable clock.
type tokenFixture struct {
	e       *Engine
	st      *memstore.Store
	clk     *clock
	svc     store.Service
	clients map[string]store.Client
	secrets map[string]string
}

const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

func newTokenFixture(t *testing.T, edit func(*store.Service)) *tokenFixture {
	t.Helper()
	f := &tokenFixture{st: memstore.New(), clk: &clock{t: testNow}, clients: map[string]store.Client{}, secrets: map[string]string{}}
	f.e = mustNew(t, Config{Store: f.st, Now: f.clk.now})
	in := testService()
	if edit != nil {
		edit(&in)
	}
	var err error
	if f.svc, _, err = f.e.CreateService(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	for name, method := range map[string]string{"basic": oauth.AuthClientSecretBasic, "post": oauth.AuthClientSecretPost, "public": oauth.AuthNone} {
		c := testClient(oauth.ClientConfidential)
		if method == oauth.AuthNone {
			c.ClientType = oauth.ClientPublic
		}
		c.ClientIDAlias, c.ClientIDAliasEnabled, c.TokenAuthMethod = name, true, method
		c.GrantTypes = []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken}
		if method != oauth.AuthNone {
			c.GrantTypes = append(c.GrantTypes, oauth.GrantClientCredentials)
		}
		created, secret, err := f.e.CreateClient(context.Background(), f.svc, c)
		if err != nil {
			t.Fatal(err)
		}
		f.clients[name], f.secrets[name] = created, secret
	}
	return f
}

// code runs the authorization APIs for client name and returns a code.
func (f *tokenFixture) code(t *testing.T, name, scope string) string {
	t.Helper()
	return f.codeWith(t, name, scope, nil)
}

// codeWith is code with extra authorization request parameters.
func (f *tokenFixture) codeWith(t *testing.T, name, scope string, extra url.Values) string {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {name}, "redirect_uri": {"https://app.example.com/cb"},
		"scope": {scope}, "nonce": {"n-1"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
	for k, v := range extra {
		q[k] = v
	}
	r, err := f.e.Authorization(context.Background(), f.svc, q.Encode())
	if err != nil || r.Ticket == "" {
		t.Fatalf("Authorization: %+v %v", r, err)
	}
	r, err = f.e.AuthorizationIssue(context.Background(), f.svc, AuthorizationIssue{Ticket: r.Ticket, Subject: "alice", AuthTime: testNow.Add(-time.Minute).Unix()})
	if err != nil || r.AuthorizationCode == "" {
		t.Fatalf("AuthorizationIssue: %+v %v", r, err)
	}
	return r.AuthorizationCode
}

// s256 is the S256 code challenge of a verifier (RFC 7636 §4.2).
func s256(v string) string {
	h := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// credentials authenticates a request as client name would: Basic for the
// Basic client, the secret in the body for the post client, the bare
// client_id for the public one. It returns the form body and the Basic
// credentials.
func (f *tokenFixture) credentials(name string, params url.Values) (body, basicID, basicSecret string) {
	switch name {
	case "basic":
		basicID, basicSecret = "basic", f.secrets["basic"]
	case "post":
		params.Set("client_id", "post")
		params.Set("client_secret", f.secrets["post"])
	case "public":
		params.Set("client_id", "public")
	}
	return params.Encode(), basicID, basicSecret
}

// token runs a token request as client name would send it.
func (f *tokenFixture) token(t *testing.T, name string, params url.Values) TokenResult {
	t.Helper()
	var req TokenRequest
	req.Parameters, req.ClientID, req.ClientSecret = f.credentials(name, params)
	r, err := f.e.Token(context.Background(), f.svc, req)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return r
}

func (f *tokenFixture) redeem(t *testing.T, name, code string) TokenResult {
	t.Helper()
	return f.token(t, name, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"https://app.example.com/cb"}, "code_verifier": {verifier}})
}

// wantError checks an OAuth error answer.
func wantError(t *testing.T, r TokenResult, action, oauthErr string) {
	t.Helper()
	var body oauth.Error
	_ = json.Unmarshal([]byte(r.ResponseContent), &body)
	if r.Action != action || body.Code != oauthErr || !strings.HasPrefix(r.ResultCode, "G005") {
		t.Fatalf("got %s %q (%s %s), want %s %s", r.Action, body.Code, r.ResultCode, r.ResultMessage, action, oauthErr)
	}
}

func (f *tokenFixture) active(t *testing.T, raw string) bool {
	t.Helper()
	_, err := f.st.GetToken(context.Background(), f.svc.APIKey, hashToken(raw))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func TestTokenAuthorizationCode(t *testing.T) {
	f := newTokenFixture(t, nil)
	for _, name := range []string{"basic", "post", "public"} {
		t.Run(name, func(t *testing.T) {
			r := f.redeem(t, name, f.code(t, name, "openid profile"))
			if r.Action != ActionOK || r.AccessToken == "" || r.RefreshToken == "" || r.IDToken == "" {
				t.Fatalf("redeem = %+v", r)
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(r.ResponseContent), &body); err != nil {
				t.Fatal(err)
			}
			if body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) || body["scope"] != "openid profile" || body["access_token"] != r.AccessToken {
				t.Errorf("token response %v", body)
			}
			_, claims := verify(t, publicKeys(t, f.e, f.svc), r.IDToken)
			if claims["nonce"] != "n-1" || claims["at_hash"] != halfHash(r.AccessToken) || claims["sub"] != "alice" ||
				claims["auth_time"] != float64(testNow.Add(-time.Minute).Unix()) {
				t.Errorf("ID token claims %v", claims)
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	f := newTokenFixture(t, nil)
	cases := []struct {
		name           string
		client         string
		params         func() url.Values
		action, oauthE string
	}{
		{"T02_no_grant_type", "basic", func() url.Values { return url.Values{"code": {"x"}} }, ActionBadRequest, "invalid_request"},
		{"T03_password_unsupported", "basic", func() url.Values { return url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}} }, ActionBadRequest, "unsupported_grant_type"},
		{"T03_unknown_grant", "basic", func() url.Values { return url.Values{"grant_type": {"magic"}} }, ActionBadRequest, "unsupported_grant_type"},
		{"T04_grant_not_registered", "public", func() url.Values { return url.Values{"grant_type": {"client_credentials"}} }, ActionBadRequest, "unauthorized_client"},
		{"T05_no_code", "basic", func() url.Values { return url.Values{"grant_type": {"authorization_code"}} }, ActionBadRequest, "invalid_request"},
		{"T06_garbage_code", "basic", func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {"garbage"}, "code_verifier": {verifier}}
		}, ActionBadRequest, "invalid_grant"},
		{"redirect_uri_mismatch", "basic", func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {f.code(t, "basic", "openid")}, "redirect_uri": {"https://app.example.com/other"}, "code_verifier": {verifier}}
		}, ActionBadRequest, "invalid_grant"},
		{"redirect_uri_missing", "basic", func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {f.code(t, "basic", "openid")}, "code_verifier": {verifier}}
		}, ActionBadRequest, "invalid_grant"},
		{"PKCE_verifier_missing", "basic", func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {f.code(t, "basic", "openid")}, "redirect_uri": {"https://app.example.com/cb"}}
		}, ActionBadRequest, "invalid_grant"},
		{"PKCE_verifier_wrong", "basic", func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {f.code(t, "basic", "openid")}, "redirect_uri": {"https://app.example.com/cb"}, "code_verifier": {strings.Repeat("a", 43)}}
		}, ActionBadRequest, "invalid_grant"},
		{"T10_code_of_another_client", "post", func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {f.code(t, "basic", "openid")}, "redirect_uri": {"https://app.example.com/cb"}, "code_verifier": {verifier}}
		}, ActionBadRequest, "invalid_grant"},
		{"duplicate_parameter", "basic", func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {"a", "b"}}
		}, ActionBadRequest, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, f.token(t, tc.client, tc.params()), tc.action, tc.oauthE)
		})
	}
}

func TestTokenClientAuthentication(t *testing.T) {
	f := newTokenFixture(t, nil)
	cc := "grant_type=client_credentials"
	cases := []struct {
		name string
		req  TokenRequest
		ok   bool
	}{
		{"basic", TokenRequest{Parameters: cc, ClientID: "basic", ClientSecret: f.secrets["basic"]}, true},
		{"basic by numeric id", TokenRequest{Parameters: cc, ClientID: itoa(f.clients["basic"].ClientID), ClientSecret: f.secrets["basic"]}, true},
		{"post", TokenRequest{Parameters: cc + "&client_id=post&client_secret=" + url.QueryEscape(f.secrets["post"])}, true},
		{"C02 wrong secret", TokenRequest{Parameters: cc, ClientID: "basic", ClientSecret: "wrong"}, false},
		{"C03 unknown client", TokenRequest{Parameters: cc, ClientID: "nobody", ClientSecret: "x"}, false},
		{"C01 no authentication", TokenRequest{Parameters: cc}, false},
		{"C05 two methods", TokenRequest{Parameters: cc + "&client_secret=" + url.QueryEscape(f.secrets["basic"]), ClientID: "basic", ClientSecret: f.secrets["basic"]}, false},
		{"C04 post by a basic client", TokenRequest{Parameters: cc + "&client_id=basic&client_secret=" + url.QueryEscape(f.secrets["basic"])}, false},
		{"C04 basic by a post client", TokenRequest{Parameters: cc, ClientID: "post", ClientSecret: f.secrets["post"]}, false},
		{"C08 confidential client without a secret", TokenRequest{Parameters: cc + "&client_id=basic"}, false},
		{"C02 secret of another client", TokenRequest{Parameters: cc, ClientID: "basic", ClientSecret: f.secrets["post"]}, false},
		{"C06 body client_id differs from Basic", TokenRequest{Parameters: cc + "&client_id=post", ClientID: "basic", ClientSecret: f.secrets["basic"]}, false},
		{"C10 bad percent-encoding in Basic", TokenRequest{Parameters: cc, ClientID: "%zz", ClientSecret: "x"}, false},
		{"client assertion of the wrong type", TokenRequest{Parameters: cc + "&client_id=basic&client_assertion_type=x&client_assertion=y"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := f.e.Token(context.Background(), f.svc, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if tc.ok && r.Action != ActionOK {
				t.Fatalf("got %s %s", r.Action, r.ResultMessage)
			}
			if !tc.ok {
				var body oauth.Error
				_ = json.Unmarshal([]byte(r.ResponseContent), &body)
				if (r.Action != ActionInvalidClient || body.Code != "invalid_client") && !(r.Action == ActionBadRequest && body.Code == "invalid_request") {
					t.Fatalf("got %s %s (%s)", r.Action, body.Code, r.ResultMessage)
				}
			}
		})
	}
	// RFC 6749 Appendix B: Basic credentials are form-urlencoded first.
	c := testClient(oauth.ClientConfidential)
	c.ClientIDAlias, c.ClientIDAliasEnabled, c.GrantTypes, c.ResponseTypes, c.RedirectURIs = "odd~id", true, []string{oauth.GrantClientCredentials}, []string{}, nil
	created, secret, err := f.e.CreateClient(context.Background(), f.svc, c)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := f.e.Token(context.Background(), f.svc, TokenRequest{Parameters: cc, ClientID: url.QueryEscape(created.ClientIDAlias), ClientSecret: url.QueryEscape(secret)})
	if r.Action != ActionOK {
		t.Errorf("form-urlencoded Basic credentials: %s %s", r.Action, r.ResultMessage)
	}
}

// TestCodeReuseRevokesItsTokens is SECURITY T08 and the atomic redemption of
// DESIGN §5: of concurrent redemptions one wins, and any reuse revokes the
// tokens the winner got.
func TestCodeReuseRevokesItsTokens(t *testing.T) {
	f := newTokenFixture(t, nil)
	code := f.code(t, "basic", "openid")
	first := f.redeem(t, "basic", code)
	if first.Action != ActionOK || !f.active(t, first.AccessToken) || !f.active(t, first.RefreshToken) {
		t.Fatalf("first redemption = %+v", first)
	}
	f.clk.t = f.clk.t.Add(30 * time.Second)
	wantError(t, f.redeem(t, "basic", code), ActionBadRequest, "invalid_grant")
	if f.active(t, first.AccessToken) || f.active(t, first.RefreshToken) {
		t.Error("the tokens of a reused code must be revoked")
	}

	code = f.code(t, "basic", "openid")
	var wg sync.WaitGroup
	results := make([]TokenResult, 20)
	for i := range results {
		wg.Go(func() { results[i] = f.redeem(t, "basic", code) })
	}
	wg.Wait()
	won := 0
	for _, r := range results {
		if r.Action == ActionOK {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("%d concurrent redemptions won, want exactly 1", won)
	}
}

func TestExpiredCode(t *testing.T) {
	f := newTokenFixture(t, nil)
	code := f.code(t, "basic", "openid")
	f.clk.t = f.clk.t.Add(10*time.Minute + time.Second)
	wantError(t, f.redeem(t, "basic", code), ActionBadRequest, "invalid_grant")
}

func TestRefreshToken(t *testing.T) {
	f := newTokenFixture(t, nil)
	first := f.redeem(t, "basic", f.code(t, "basic", "openid profile"))
	refresh := func(rt string, scope ...string) TokenResult {
		p := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
		if len(scope) > 0 {
			p.Set("scope", scope[0])
		}
		return f.token(t, "basic", p)
	}
	wantError(t, refresh("garbage"), ActionBadRequest, "invalid_grant")                                                                                     // R01
	wantError(t, f.token(t, "post", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}), ActionBadRequest, "invalid_grant") // R03
	wantError(t, refresh(first.RefreshToken, "openid admin"), ActionBadRequest, "invalid_scope")                                                            // R04

	// R05: narrower access token, the new refresh token keeps the scope.
	second := refresh(first.RefreshToken, "profile")
	if second.Action != ActionOK || strings.Join(second.Scopes, " ") != "profile" || second.IDToken != "" {
		t.Fatalf("narrowed refresh = %+v", second)
	}
	third := refresh(second.RefreshToken)
	if third.Action != ActionOK || strings.Join(third.Scopes, " ") != "openid profile" || third.IDToken == "" {
		t.Fatalf("refresh with the rotated token = %+v", third)
	}
	// R12: a refreshed ID token keeps sub and auth_time and has no nonce.
	_, claims := verify(t, publicKeys(t, f.e, f.svc), third.IDToken)
	if claims["sub"] != "alice" || claims["auth_time"] != float64(testNow.Add(-time.Minute).Unix()) || claims["nonce"] != nil {
		t.Errorf("refreshed ID token claims %v", claims)
	}
	// R06: the rotated-away token again revokes the whole family.
	wantError(t, refresh(first.RefreshToken), ActionBadRequest, "invalid_grant")
	for _, tok := range []string{third.AccessToken, third.RefreshToken, second.AccessToken} {
		if f.active(t, tok) {
			t.Error("a token of the family survived the reuse")
		}
	}
	wantError(t, refresh(third.RefreshToken), ActionBadRequest, "invalid_grant")

	// R02: expired.
	r := f.redeem(t, "basic", f.code(t, "basic", "openid"))
	f.clk.t = f.clk.t.Add(31 * 24 * time.Hour)
	wantError(t, refresh(r.RefreshToken), ActionBadRequest, "invalid_grant")
}

// TestParallelRefresh is SECURITY R07: two refreshes with one token, at most
// one wins, and the grant is revoked.
func TestParallelRefresh(t *testing.T) {
	f := newTokenFixture(t, nil)
	first := f.redeem(t, "basic", f.code(t, "basic", "openid"))
	var wg sync.WaitGroup
	results := make([]TokenResult, 2)
	for i := range results {
		wg.Go(func() {
			results[i] = f.token(t, "basic", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}})
		})
	}
	wg.Wait()
	ok := 0
	for _, r := range results {
		if r.Action == ActionOK {
			ok++
		}
	}
	if ok > 1 {
		t.Fatalf("%d parallel refreshes succeeded", ok)
	}
	if f.active(t, first.AccessToken) {
		t.Error("the reused grant must be revoked")
	}
}

func TestRefreshTokenKept(t *testing.T) {
	f := newTokenFixture(t, func(s *store.Service) { s.RefreshTokenKept = true })
	first := f.redeem(t, "basic", f.code(t, "basic", "openid"))
	for range 2 {
		r := f.token(t, "basic", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}})
		if r.Action != ActionOK || r.RefreshToken != first.RefreshToken {
			t.Fatalf("kept refresh = %+v", r)
		}
	}
}

// TestClientCredentials is SECURITY R13: confidential clients only, and no
// refresh token.
func TestClientCredentials(t *testing.T) {
	f := newTokenFixture(t, nil)
	r := f.token(t, "basic", url.Values{"grant_type": {"client_credentials"}, "scope": {"openid profile unknown"}})
	if r.Action != ActionOK || r.RefreshToken != "" || r.IDToken != "" || strings.Join(r.Scopes, " ") != "profile" || r.Subject != "" {
		t.Fatalf("client_credentials = %+v", r)
	}
	if strings.Contains(r.ResponseContent, "refresh_token") {
		t.Error("no refresh token for client credentials (RFC 6749 §4.4.3)")
	}
}

// TestTokenLifetimeOverride: DESIGN §5 — the request's lifetime, else the
// client's, else the service's.
func TestTokenLifetimeOverride(t *testing.T) {
	f := newTokenFixture(t, nil)
	run := func(at, rt int64) TokenResult {
		r, err := f.e.Token(context.Background(), f.svc, TokenRequest{
			Parameters: url.Values{"grant_type": {"authorization_code"}, "code": {f.code(t, "basic", "openid")},
				"redirect_uri": {"https://app.example.com/cb"}, "code_verifier": {verifier}}.Encode(),
			ClientID: "basic", ClientSecret: f.secrets["basic"], AccessTokenDuration: at, RefreshTokenDuration: rt,
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := run(120, 600)
	if r.Action != ActionOK || r.AccessTokenDuration != 120 || r.RefreshTokenDuration != 600 || !strings.Contains(r.ResponseContent, `"expires_in":120`) {
		t.Errorf("overridden lifetimes = %+v", r)
	}
	if r := run(0, 0); r.AccessTokenDuration != f.svc.AccessTokenDuration || r.RefreshTokenDuration != f.svc.RefreshTokenDuration {
		t.Errorf("default lifetimes = %d, %d", r.AccessTokenDuration, r.RefreshTokenDuration)
	}
	if r := run(-1, 0); r.Action != ActionBadRequest || r.ResultCode != "G005207" {
		t.Errorf("negative lifetime = %+v", r)
	}
}
