package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	gatehouse "github.com/gatehouse-oss/gatehouse/sdk"
)

// syncBuffer collects log lines written from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// secrets gathers every credential a run hands out or is handed, with a
// name for the failure message.
type secrets map[string]string

func (s secrets) add(name, value string) {
	if value != "" {
		s[name] = value
	}
}

// TestSecretsNeverLeak is issue 10's leak test: every flow runs with debug
// logging, then no secret, token, code, ticket, verifier, password or
// assertion may appear in the logs, in /metrics, or in any error answer
// (an error may name what was wrong, never echo the credential).
func TestSecretsNeverLeak(t *testing.T) {
	logs := &syncBuffer{}
	adminSecret := "leak-test-operator-secret-" + strings.Repeat("z", 16)
	e := launch(t, config{LogLevel: slog.LevelDebug, Logs: logs, AdminKey: "op", AdminSecret: adminSecret})
	t.Cleanup(func() {
		if err := e.stop(); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	ctx := context.Background()
	seen := secrets{"operator secret": adminSecret, "demo API secret": demoAPISecret, "demo client secret": demoWebClientSecret}
	var errorBodies []string
	// raw sends a call and keeps the body of any error answer.
	raw := func(method, path, key, secret, contentType, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, e.base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(key, secret)
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 400 {
			errorBodies = append(errorBodies, string(b))
		}
		return resp.StatusCode, string(b)
	}

	// keep keeps what a runtime answer says about a failure: its message
	// and the body the client would see.
	keep := func(r *gatehouse.Result) {
		if r != nil && r.Action != gatehouse.ActionOK && r.Action != gatehouse.ActionJSON {
			errorBodies = append(errorBodies, r.ResultMessage+" "+r.ResponseContent)
		}
	}

	admin := &gatehouse.Client{BaseURL: e.base, Key: "op", Secret: adminSecret}
	svc, err := admin.CreateService(ctx, gatehouse.Service{ServiceName: "Leak", Issuer: "https://leak.example"})
	if err != nil {
		t.Fatal(err)
	}
	seen.add("new API secret", svc.APISecret)
	engine := &gatehouse.Client{BaseURL: e.base, Key: fmt.Sprint(svc.APIKey), Secret: svc.APISecret}
	web, err := engine.CreateClient(ctx, gatehouse.OAuthClient{ClientName: "Web", ClientType: "CONFIDENTIAL", ClientIDAlias: "web",
		RedirectURIs: []string{"https://app.example/cb"}, GrantTypes: []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS"}})
	if err != nil {
		t.Fatal(err)
	}
	seen.add("client secret", web.ClientSecret)
	refreshed, err := engine.RefreshClientSecret(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	seen.add("refreshed client secret", refreshed.NewClientSecret)
	secret := refreshed.NewClientSecret

	// Authorization code flow with PKCE and OpenID Connect.
	verifier := "leak-test-verifier-" + strings.Repeat("v", 40)
	sum := sha256.Sum256([]byte(verifier))
	seen.add("code_verifier", verifier)
	q := url.Values{"response_type": {"code"}, "client_id": {"web"}, "redirect_uri": {"https://app.example/cb"},
		"scope": {"openid profile"}, "state": {"leak-state"}, "nonce": {"leak-nonce"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	az, err := engine.Authorization(ctx, gatehouse.AuthorizationRequest{Parameters: q.Encode()})
	if err != nil || az.Ticket == "" {
		t.Fatalf("authorization: %+v %v", az, err)
	}
	seen.add("ticket", az.Ticket)
	issued, err := engine.AuthorizationIssue(ctx, gatehouse.AuthorizationIssueRequest{Ticket: az.Ticket, Subject: "alice", Claims: `{"name":"Alice Leak"}`})
	if err != nil {
		t.Fatal(err)
	}
	seen.add("authorization code", issued.AuthorizationCode)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {issued.AuthorizationCode},
		"redirect_uri": {"https://app.example/cb"}, "code_verifier": {verifier}}
	tok, err := engine.Token(ctx, gatehouse.TokenRequest{Parameters: form.Encode(), ClientID: "web", ClientSecret: secret})
	if err != nil || tok.Action != gatehouse.ActionOK {
		t.Fatalf("token: %+v %v", tok, err)
	}
	seen.add("access token", tok.AccessToken)
	seen.add("refresh token", tok.RefreshToken)
	seen.add("ID token", tok.IDToken)

	// The code again (a replay), the refresh token, client credentials.
	replay, err := engine.Token(ctx, gatehouse.TokenRequest{Parameters: form.Encode(), ClientID: "web", ClientSecret: secret})
	if err != nil || replay.Action != gatehouse.ActionBadRequest {
		t.Fatalf("replayed code = %+v %v", replay, err)
	}
	keep(&replay.Result)
	ref, err := engine.Token(ctx, gatehouse.TokenRequest{Parameters: "grant_type=refresh_token&refresh_token=" + url.QueryEscape(tok.RefreshToken), ClientID: "web", ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	seen.add("refreshed access token", ref.AccessToken)
	seen.add("rotated refresh token", ref.RefreshToken)
	cc, err := engine.Token(ctx, gatehouse.TokenRequest{Parameters: "grant_type=client_credentials", ClientID: "web", ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	seen.add("client credentials token", cc.AccessToken)

	// Failures that carry credentials: wrong secrets (past the throttle),
	// an assertion, a password, garbage tokens.
	const wrongSecret = "leak-test-wrong-secret-0123456789"
	const assertion = "eyJhbGciOiJIUzI1NiJ9.eyJsZWFrIjoidGVzdCJ9.bGVhay10ZXN0LWFzc2VydGlvbi1zaWduYXR1cmU"
	const password = "leak-test-password-hunter2"
	seen.add("wrong secret", wrongSecret)
	seen.add("client assertion", assertion)
	seen.add("password", password)
	for range 25 {
		r, err := engine.Token(ctx, gatehouse.TokenRequest{Parameters: "grant_type=client_credentials", ClientID: "web", ClientSecret: wrongSecret})
		if err != nil || r.Action == gatehouse.ActionOK {
			t.Fatalf("a wrong secret = %+v %v", r, err)
		}
		keep(&r.Result)
	}
	assertionForm := url.Values{"grant_type": {"client_credentials"}, "client_id": {"web"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}
	for _, req := range []gatehouse.TokenRequest{
		{Parameters: assertionForm.Encode()},
		{Parameters: "grant_type=password&username=alice&password=" + password, ClientID: "web", ClientSecret: secret},
	} {
		r, err := engine.Token(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		keep(&r.Result)
	}
	raw(http.MethodPost, "/api/auth/token", "op", wrongSecret, "application/json", `{"parameters":"grant_type=client_credentials"}`)
	raw(http.MethodPost, "/api/service/create", "op", adminSecret+"x", "application/json", `{}`)
	raw(http.MethodPost, "/api/client/create", fmt.Sprint(svc.APIKey), svc.APISecret, "application/json", `{"clientSecret":"`+wrongSecret+`"}`)
	raw(http.MethodPost, "/api/auth/token/issue", fmt.Sprint(svc.APIKey), svc.APISecret, "application/json", `{"ticket":"`+az.Ticket+`","subject":"alice"}`)
	raw(http.MethodGet, "/api/auth/token/get/list?subject=alice", fmt.Sprint(svc.APIKey), svc.APISecret, "", "")
	raw(http.MethodDelete, "/api/auth/token/delete/"+url.PathEscape(wrongSecret), fmt.Sprint(svc.APIKey), svc.APISecret, "", "")

	// Resource APIs: introspection, userinfo, revocation, token management.
	for _, at := range []string{ref.AccessToken, tok.AccessToken, wrongSecret} {
		in, err1 := engine.Introspection(ctx, gatehouse.IntrospectionRequest{Token: at, Scopes: []string{"admin"}})
		ui, err2 := engine.UserInfo(ctx, gatehouse.UserInfoRequest{Token: at})
		uii, err3 := engine.UserInfoIssue(ctx, gatehouse.UserInfoIssueRequest{Token: at, Claims: `{"name":"Alice Leak"}`})
		if _, err := engine.StandardIntrospection(ctx, gatehouse.StandardIntrospectionRequest{Parameters: "token=" + url.QueryEscape(at)}); err != nil || err1 != nil || err2 != nil || err3 != nil {
			t.Fatal(err, err1, err2, err3)
		}
		keep(&in.Result)
		keep(&ui.Result)
		keep(&uii.Result)
	}
	minted, err := engine.CreateToken(ctx, gatehouse.TokenCreateRequest{GrantType: "AUTHORIZATION_CODE", ClientID: web.ClientID, Subject: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	seen.add("minted access token", minted.AccessToken)
	seen.add("minted refresh token", minted.RefreshToken)
	if _, err := engine.Revocation(ctx, gatehouse.RevocationRequest{Parameters: "token=" + url.QueryEscape(ref.RefreshToken), ClientID: "web", ClientSecret: secret}); err != nil {
		t.Fatal(err)
	}
	if err := engine.DeleteToken(ctx, minted.AccessToken); err != nil {
		t.Fatal(err)
	}

	_, metrics := raw(http.MethodGet, "/metrics", "", "", "", "")
	if !strings.Contains(logs.String(), `"level":"DEBUG"`) && !strings.Contains(logs.String(), `"request_id"`) {
		t.Fatalf("no logs were captured: %q", logs.String())
	}
	if len(errorBodies) < 30 {
		t.Fatalf("only %d error answers were collected", len(errorBodies))
	}
	for name, value := range seen {
		if strings.Contains(logs.String(), value) {
			t.Errorf("the %s appears in the logs", name)
		}
		if strings.Contains(metrics, value) {
			t.Errorf("the %s appears in /metrics", name)
		}
		for _, b := range errorBodies {
			if strings.Contains(b, value) {
				t.Errorf("the %s appears in an error answer: %.200s", name, b)
			}
		}
	}
	for _, b := range errorBodies {
		for _, internal := range []string{"goroutine ", ".go:", "panic", "mongo", "runtime error"} {
			if strings.Contains(b, internal) {
				t.Errorf("an error answer shows internals (%q): %.200s", internal, b)
			}
		}
	}
}
