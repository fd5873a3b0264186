package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-oss/gatehouse/frontend-example/app"
)

// The frontend end-to-end tests run frontend-example (the example
// authorization server built on the SDK) in-process over a real engine, and
// drive it as relying parties and browsers do: golang.org/x/oauth2 and
// go-oidc for the protocol, a cookie jar for the pages.

// The resource server the tests' frontend lets call /introspect.
const (
	feRSID     = "orders-api"
	feRSSecret = "resource-server-secret-of-the-frontend-tests"
)

// frontendBed is an engine serving the demo tenant, re-pointed at the
// frontend under test, and frontend-example serving that tenant: the two
// commands of the quick start, on free ports.
type frontendBed struct {
	issuer string // the frontend's URL
	engine string // the engine's URL
}

// startFrontendBed starts the engine with a seed that is the demo tenant of
// demo.go, except that its issuer, endpoints and redirect URIs name the
// frontend's address (known before it serves), then frontend-example.
func startFrontendBed(t *testing.T) frontendBed {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	issuer := "http://" + srv.Listener.Addr().String()

	seed := map[string]any{"services": []any{map[string]any{
		"apiKey": demoAPIKey, "apiSecret": demoAPISecret, "serviceName": "Gatehouse demo", "issuer": issuer,
		"authorizationEndpoint": issuer + "/authorize", "tokenEndpoint": issuer + "/token",
		"userInfoEndpoint": issuer + "/userinfo", "jwksUri": issuer + "/jwks",
		"revocationEndpoint": issuer + "/revoke", "introspectionEndpoint": issuer + "/introspect",
		"clients": []any{
			map[string]any{
				"clientId": demoWebClientID, "clientSecret": demoWebClientSecret, "clientIdAlias": "demo-web",
				"clientName": "Demo Web App", "clientType": "CONFIDENTIAL", "redirectUris": []string{issuer + "/callback"},
				"grantTypes":      []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS"},
				"tokenAuthMethod": "CLIENT_SECRET_BASIC",
			},
			map[string]any{
				"clientId": demoSPAClientID, "clientIdAlias": "demo-spa", "clientName": "Demo Single-Page App",
				"clientType": "PUBLIC", "redirectUris": []string{issuer + "/"},
				"grantTypes": []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN"}, "pkceRequired": true, "pkceS256Required": true,
			},
		},
	}}}
	data, err := json.Marshal(seed)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	engine, _ := startEngine(t, config{MongoDB: "gatehouse", SeedFile: file, AdminKey: e2eAdminKey, AdminSecret: e2eAdminSecret, LogLevel: slog.LevelError})

	handler, err := app.New(app.Config{
		Issuer: issuer, EngineURL: engine, APIKey: fmt.Sprint(demoAPIKey), APISecret: demoAPISecret,
		ResourceServers: map[string]string{feRSID: feRSSecret},
		// A revoked token must be refused at once, not after the cache's
		// TTL: the tests check revocation through the API too.
		TokenCacheTTL: -1,
		Logger:        slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = handler
	srv.Start()
	return frontendBed{issuer: issuer, engine: engine}
}

// webClient is the demo's confidential web client, configured from
// discovery.
func (b frontendBed) webClient(provider *oidc.Provider, scopes ...string) *oauth2.Config {
	ep := provider.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader
	return &oauth2.Config{
		ClientID: "demo-web", ClientSecret: demoWebClientSecret, RedirectURL: b.issuer + "/callback",
		Scopes: scopes, Endpoint: ep,
	}
}

// userAgent is a browser: a cookie jar, and redirects taken one at a time
// so that each can be checked.
type userAgent struct {
	t      *testing.T
	issuer string
	c      *http.Client
}

func newUserAgent(t *testing.T, issuer string) *userAgent {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &userAgent{t: t, issuer: issuer, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is one answer the browser got.
type page struct {
	*http.Response
	body string
}

func (ua *userAgent) do(req *http.Request) page {
	ua.t.Helper()
	resp, err := ua.c.Do(req)
	if err != nil {
		ua.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		ua.t.Fatal(err)
	}
	return page{resp, string(body)}
}

func (ua *userAgent) get(target string) page {
	ua.t.Helper()
	req, err := http.NewRequest(http.MethodGet, ua.resolve(target), nil)
	if err != nil {
		ua.t.Fatal(err)
	}
	return ua.do(req)
}

func (ua *userAgent) post(target string, form url.Values) page {
	ua.t.Helper()
	req, err := http.NewRequest(http.MethodPost, ua.resolve(target), strings.NewReader(form.Encode()))
	if err != nil {
		ua.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return ua.do(req)
}

func (ua *userAgent) resolve(target string) string {
	if strings.HasPrefix(target, "/") {
		return ua.issuer + target
	}
	return target
}

// session is the frontend's session cookie as the browser holds it.
func (ua *userAgent) session() string {
	u, _ := url.Parse(ua.issuer)
	for _, c := range ua.c.Jar.Cookies(u) {
		if c.Name == "frontend-session" {
			return c.Value
		}
	}
	return ""
}

// setSession replaces the browser's session cookie (an attacker's or a
// stale one).
func (ua *userAgent) setSession(value string) {
	u, _ := url.Parse(ua.issuer)
	ua.c.Jar.SetCookies(u, []*http.Cookie{{Name: "frontend-session", Value: value, Path: "/"}})
}

// redirect checks that p redirects with status and returns where to.
func (p page) redirect(t *testing.T, status int) *url.URL {
	t.Helper()
	loc, err := url.Parse(p.Header.Get("Location"))
	if p.StatusCode != status || err != nil || p.Header.Get("Location") == "" {
		t.Fatalf("got %s (Location %q), want a %d redirect:\n%s", p.Status, p.Header.Get("Location"), status, p.body)
	}
	return loc
}

var (
	csrfField        = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	interactionField = regexp.MustCompile(`name="i" value="([^"]+)"`)
)

// form returns the hidden fields of the page's form: the CSRF token and
// the interaction the form is for.
func (p page) form(t *testing.T) (csrf, interaction string) {
	t.Helper()
	c, i := csrfField.FindStringSubmatch(p.body), interactionField.FindStringSubmatch(p.body)
	if c == nil || i == nil {
		t.Fatalf("no form with csrf and i on the page (%s):\n%s", p.Status, p.body)
	}
	return c[1], i[1]
}

// signIn runs an authorization request as a person does: the login page
// (when shown) with username and password, the consent page (when shown)
// with decision, and returns the redirect to the client.
func (ua *userAgent) signIn(authURL, username, password, decision string) *url.URL {
	ua.t.Helper()
	p := ua.get(authURL)
	for range 4 {
		if p.StatusCode != http.StatusFound && p.StatusCode != http.StatusSeeOther {
			ua.t.Fatalf("authorization: %s, want a redirect:\n%s", p.Status, p.body)
		}
		loc := p.redirect(ua.t, p.StatusCode)
		if !strings.HasPrefix(loc.String(), "/login?") && !strings.HasPrefix(loc.String(), "/consent?") {
			return loc
		}
		form := ua.get(loc.String())
		csrf, i := form.form(ua.t)
		if strings.HasPrefix(loc.String(), "/login?") {
			p = ua.post("/login", url.Values{"csrf": {csrf}, "i": {i}, "username": {username}, "password": {password}, "action": {"login"}})
		} else {
			p = ua.post("/consent", url.Values{"csrf": {csrf}, "i": {i}, "decision": {decision}})
		}
	}
	ua.t.Fatal("no redirect to the client after four pages")
	return nil
}

// callback checks an authorization response at the client (state and iss,
// RFC 9207) and returns its parameters.
func (b frontendBed) callback(t *testing.T, loc *url.URL, redirectURI, state string) url.Values {
	t.Helper()
	q := loc.Query()
	loc.RawQuery = ""
	if loc.String() != redirectURI || q.Get("state") != state || q.Get("iss") != b.issuer {
		t.Fatalf("authorization response %s?%s: want %s with state %s and iss %s", loc, q.Encode(), redirectURI, state, b.issuer)
	}
	return q
}

// introspect asks the frontend's RFC 7662 endpoint about token, as the
// demo resource server.
func (b frontendBed) introspect(t *testing.T, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.issuer+"/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(feRSID, feRSSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("introspection: %s, %v", resp.Status, err)
	}
	return out
}

// api calls a resource of the frontend with an access token ("" for none).
func (b frontendBed) api(t *testing.T, path, token string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.issuer+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return resp, out
}

// wantPageHeaders checks what every page of the frontend carries (SECURITY
// A52 and the house rules for pages).
func wantPageHeaders(t *testing.T, what string, p page) {
	t.Helper()
	h := p.Header
	for name, want := range map[string]string{
		"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %s %q, want %q", what, name, got, want)
		}
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("%s: Content-Security-Policy %q, want frame-ancestors 'none' and script-src 'self'", what, csp)
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("%s: Content-Type %q, want a page", what, h.Get("Content-Type"))
	}
}

// signInPage starts an authorization request of conf in the browser and
// returns the login page's address.
func (ua *userAgent) signInPage(t *testing.T, conf *oauth2.Config) string {
	t.Helper()
	return ua.get(conf.AuthCodeURL(rand.Text(), oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))).redirect(t, http.StatusSeeOther).String()
}

// silentSignIn runs the code flow in a browser that is signed in and has
// consented: no page, straight back to the client.
func (b frontendBed) silentSignIn(t *testing.T, ua *userAgent, conf *oauth2.Config) *oauth2.Token {
	t.Helper()
	pkce, state := oauth2.GenerateVerifier(), rand.Text()
	q := b.callback(t, ua.get(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(pkce))).redirect(t, http.StatusFound), conf.RedirectURL, state)
	tok, err := conf.Exchange(t.Context(), q.Get("code"), oauth2.VerifierOption(pkce))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

// janeIDToken signs jane in, in a browser of her own, and returns her ID
// token, for an id_token_hint that names her.
func (b frontendBed) janeIDToken(t *testing.T, conf *oauth2.Config) string {
	t.Helper()
	pkce, state := oauth2.GenerateVerifier(), rand.Text()
	jane := newUserAgent(t, b.issuer)
	q := b.callback(t, jane.signIn(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(pkce)), "jane", "jane", "approve"), conf.RedirectURL, state)
	tok, err := conf.Exchange(t.Context(), q.Get("code"), oauth2.VerifierOption(pkce))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok.Extra("id_token").(string)
}
