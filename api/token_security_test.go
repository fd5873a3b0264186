package api

// TestTokenEndpoint drives /api/auth/token through the real router, as a
// frontend relays token requests, against the cases T01–T20, C01–C16 and
// R01–R14 of SECURITY.md §3–5. Subtests are named by case id.
//
// The engine answers the frontend; the frontend answers the client. So the
// tests assert what the engine provides: HTTP 200 with the action (the SDK
// maps BAD_REQUEST to 400, INVALID_CLIENT to 401 with a Basic challenge),
// the RFC 6749 §5.1/§5.2 JSON in responseContent, and the engine's own
// no-store headers. Every answer is held against openapi.yaml. Revocation is
// observed in the store, below any API that could hide it: a revoked token
// is one whose SHA-256 hash no longer finds a record.
//
// Policies chosen where SECURITY.md allows either:
//   - C04: strict, as fosite and Hydra: one registered tokenAuthMethod per
//     client (DESIGN §5); any other method is invalid_client.
//   - C05, C06: the engine answers invalid_client for two methods and
//     invalid_request for a body client_id that differs from Basic; both
//     are accepted here.
//   - R08: there is no grace window; even the previous refresh token is
//     refused at once (R06), and one two generations old (R08) likewise.
//   - T09, R07: "exactly one 200" is read as "at most one": of concurrent
//     uses exactly one spends the code or refresh token, but when a replay
//     gets in before that request has settled its tokens, the engine
//     revokes them and answers it invalid_grant too, rather than 200 with
//     tokens already dead. What must hold in every interleaving: never two
//     successes, every other answer invalid_grant, and no token issued
//     during the race surviving (checked on every token the store saw).
//
// Not applicable to the engine, or not yet:
//   - T01: 405 for GET /token is the frontend's answer; the engine never sees
//     the client's method. Tested: the engine's own API is POST only.
//   - T18, R09, R10: the end-user store, consents and sessions are the
//     frontend's; on such an event it revokes by subject (and client) with
//     /api/auth/token/revoke, which ends the tokens and the pending codes
//     (api/security_isolation_test.go TestEndUserEvents).
//   - C09: the engine receives only the form body (`parameters`) and the
//     Basic credentials; the frontend (SDK) must not merge the URL query
//     into `parameters`. Nothing for the engine to refuse.
//   - C10: parsing the Authorization header (base64, the colon, the scheme)
//     is the SDK's; tested here: what such a failure can hand the engine
//     (empty, half or undecodable credentials) is invalid_client, never 500.
//   - C11: generated secrets are base64url, so they hold no reserved
//     character and the "un-encoded variant fails" half cannot arise;
//     tested: the engine form-decodes Basic credentials exactly once.
//   - C12: secrets do not expire and have no grace period on rotation;
//     tested: a rotated-out secret fails at once, the new one works.
//   - C15: constant-time comparison is a property of the code, not of an
//     answer (service/credentials.go secretMatches: ConstantTimeCompare of
//     SHA-256 hashes; service/clientauth.go compares unknown clients against
//     a dummy hash). Tested: secrets and tokens are stored only as hashes.
//   - C16: the engine answers TOO_MANY_REQUESTS (Gatehouse's own action,
//     with retryAfter) past 20 failures a minute per client identifier; the
//     SDK turns it into 429 with Retry-After. The budget is per engine
//     instance (service/throttle.go says why).
//   - The password grant (in progress) and the JWT bearer grant are off for
//     this fixture's service: T03 checks they are unsupported_grant_type.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/routers"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

const (
	tsecIssuerA = "https://login.shop.example"
	tsecIssuerB = "https://login.other.example"
	tsecWebCB   = "https://client.example.com/cb"
	tsecWebCB2  = "https://client.example.com/cb2"
	tsecSPACB   = "https://spa.example.com/cb"
	tsecSubject = "alice"
	// tsecVerifier is a valid code_verifier (RFC 7636 §4.1).
	tsecVerifier      = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	tsecAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// tsecTenant is a service of the fixture and its API credentials.
type tsecTenant struct {
	apiKey      int64
	key, secret string
}

// tsecStore is a real memstore that records the hash of every token stored,
// so that a test can check that none issued during a race survives, and
// whose next CreateToken can be held, to force the interleaving in which a
// replay is answered before the winning request has stored its tokens
// (SECURITY T09, R07).
type tsecStore struct {
	*memstore.Store
	mu      sync.Mutex
	hold    *tsecHold
	created []string
}

// tsecHold is one held CreateToken: entered is closed when the call
// arrives; the call proceeds once let is called.
type tsecHold struct {
	entered, release chan struct{}
	once             sync.Once
}

func (h *tsecHold) let() { h.once.Do(func() { close(h.release) }) }

func (s *tsecStore) holdNextCreateToken(t *testing.T) *tsecHold {
	h := &tsecHold{entered: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	s.hold = h
	s.mu.Unlock()
	t.Cleanup(func() {
		s.mu.Lock()
		if s.hold == h {
			s.hold = nil
		}
		s.mu.Unlock()
		h.let()
	})
	return h
}

func (s *tsecStore) CreateToken(ctx context.Context, tok store.Token) error {
	s.mu.Lock()
	h := s.hold
	s.hold = nil
	s.mu.Unlock()
	if h != nil {
		close(h.entered)
		<-h.release
	}
	if err := s.Store.CreateToken(ctx, tok); err != nil {
		return err
	}
	s.mu.Lock()
	s.created = append(s.created, tok.Hash)
	s.mu.Unlock()
	return nil
}

// createdCount is how many tokens were stored so far.
func (s *tsecStore) createdCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.created)
}

// createdSince returns the hashes of the tokens stored after the first n.
func (s *tsecStore) createdSince(n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.created[n:])
}

// tsecFixture is the router over one store with two tenants. Tenant A has
// the clients web (Basic), post (client_secret_post), spa (public),
// codeonly (authorization_code only), jwt (private_key_jwt, ES256) and
// jwt-rsa (private_key_jwt, RS256); tenant B has a client with A's alias
// "web", kept here as b-web.
type tsecFixture struct {
	st       *tsecStore
	master   []byte
	e        *echo.Echo
	a, b     tsecTenant
	clients  map[string]clientJSON
	ecKey    *ecdsa.PrivateKey // jwt's key, kid ec1, alg ES256
	rsaKey   *rsa.PrivateKey   // jwt-rsa's key, kid rsa1, alg RS256
	stranger *ecdsa.PrivateKey // nobody's key
	authTime int64
}

func newTsecFixture(t *testing.T) *tsecFixture {
	t.Helper()
	f := &tsecFixture{
		st: &tsecStore{Store: memstore.New()}, master: make([]byte, service.MasterKeySize),
		clients: map[string]clientJSON{}, authTime: time.Now().Add(-time.Minute).Unix(),
	}
	if _, err := rand.Read(f.master); err != nil {
		t.Fatal(err)
	}
	f.e = f.router(t, 0)
	var err error
	if f.ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if f.stranger, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if f.rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}

	m := &mgmt{t: t, e: f.e}
	f.a = f.tenant(m, tsecIssuerA)
	f.b = f.tenant(m, tsecIssuerB)
	all := []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS"}
	f.newClient(t, f.a, "web", map[string]any{"clientName": "Web", "clientType": "CONFIDENTIAL", "clientIdAlias": "web",
		"redirectUris": []string{tsecWebCB, tsecWebCB2}, "grantTypes": all})
	f.newClient(t, f.a, "post", map[string]any{"clientName": "Post", "clientType": "CONFIDENTIAL", "clientIdAlias": "post",
		"tokenAuthMethod": "CLIENT_SECRET_POST", "redirectUris": []string{tsecWebCB}, "grantTypes": []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN"}})
	f.newClient(t, f.a, "spa", map[string]any{"clientName": "SPA", "clientType": "PUBLIC", "clientIdAlias": "spa",
		"redirectUris": []string{tsecSPACB}, "grantTypes": []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN"}})
	f.newClient(t, f.a, "codeonly", map[string]any{"clientName": "Code only", "clientType": "CONFIDENTIAL", "clientIdAlias": "codeonly",
		"redirectUris": []string{tsecWebCB}, "grantTypes": []string{"AUTHORIZATION_CODE"}})
	f.newClient(t, f.a, "jwt", map[string]any{"clientName": "JWT", "clientType": "CONFIDENTIAL", "clientIdAlias": "jwt",
		"tokenAuthMethod": "PRIVATE_KEY_JWT", "grantTypes": []string{"CLIENT_CREDENTIALS"}, "responseTypes": []string{},
		"jwks": tsecJWKS(t, jose.JSONWebKey{Key: &f.ecKey.PublicKey, KeyID: "ec1", Use: "sig", Algorithm: string(jose.ES256)})})
	f.newClient(t, f.a, "jwt-rsa", map[string]any{"clientName": "JWT RSA", "clientType": "CONFIDENTIAL", "clientIdAlias": "jwt-rsa",
		"tokenAuthMethod": "PRIVATE_KEY_JWT", "grantTypes": []string{"CLIENT_CREDENTIALS"}, "responseTypes": []string{},
		"jwks": tsecJWKS(t, jose.JSONWebKey{Key: &f.rsaKey.PublicKey, KeyID: "rsa1", Use: "sig", Algorithm: string(jose.RS256)})})
	f.newClient(t, f.b, "b-web", map[string]any{"clientName": "B web", "clientType": "CONFIDENTIAL", "clientIdAlias": "web",
		"redirectUris": []string{tsecWebCB}, "grantTypes": all})
	return f
}

// router is a router over the fixture's store whose engine clock runs
// offset ahead of the real one.
func (f *tsecFixture) router(t *testing.T, offset time.Duration) *echo.Echo {
	t.Helper()
	cfg := service.Config{Store: f.st, MasterKey: f.master}
	if offset != 0 {
		cfg.Now = func() time.Time { return time.Now().Add(offset) }
	}
	eng, err := service.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return New(Config{Engine: eng, AdminKey: mgmtAdminKey, AdminSecret: mgmtAdminSecret})
}

// tenant creates a service with the password grant off (the default) and
// returns its credentials.
func (f *tsecFixture) tenant(m *mgmt, issuer string) tsecTenant {
	m.t.Helper()
	var out serviceJSON
	m.expect(m.json(http.MethodPost, "/api/service/create", mgmtAdminKey, mgmtAdminSecret,
		`{"serviceName":"Shop","issuer":"`+issuer+`","supportedGrantTypes":["AUTHORIZATION_CODE","REFRESH_TOKEN","CLIENT_CREDENTIALS"]}`),
		http.StatusCreated, &out)
	return tsecTenant{apiKey: out.APIKey, key: fmt.Sprint(out.APIKey), secret: out.APISecret}
}

// newClient registers a client of tn through the management API and keeps
// it (with its secret) under name.
func (f *tsecFixture) newClient(t *testing.T, tn tsecTenant, name string, body map[string]any) clientJSON {
	t.Helper()
	m := &mgmt{t: t, e: f.e}
	c := m.newClient(tn.key, tn.secret, tsecJSON(body))
	f.clients[name] = c
	return c
}

// updateClient replaces the settings of a client of tenant A; its secret
// stays.
func (f *tsecFixture) updateClient(t *testing.T, name string, body map[string]any) {
	t.Helper()
	m := &mgmt{t: t, e: f.e}
	c := f.clients[name]
	var out clientJSON
	m.expect(m.json(http.MethodPost, fmt.Sprintf("/api/client/update/%d", c.ClientID), f.a.key, f.a.secret, tsecJSON(body)), http.StatusOK, &out)
	out.ClientSecret = c.ClientSecret
	f.clients[name] = out
}

func tsecJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func tsecJWKS(t *testing.T, keys ...jose.JSONWebKey) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tsecForm encodes name/value pairs in order as a form body.
func tsecForm(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(pairs[i]) + "=" + url.QueryEscape(pairs[i+1]))
	}
	return b.String()
}

func tsecS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func tsecRandom() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tsecTokenRequest is the body of /auth/token: the client's form body and,
// when it used Basic, the decoded credentials.
type tsecTokenRequest struct {
	Parameters   string `json:"parameters"`
	ClientID     string `json:"clientId,omitempty"`
	ClientSecret string `json:"clientSecret,omitempty"`
}

// tsecExchange is one runtime API call and its answer, kept so that calls
// sent concurrently are checked afterwards, on the test's goroutine.
type tsecExchange struct {
	req  *http.Request
	body []byte
	rec  *httptest.ResponseRecorder
}

// tsecSend posts a JSON body to a runtime API of tn. It touches no
// testing.T, so it may run on any goroutine.
func tsecSend(h http.Handler, tn tsecTenant, path string, in any) tsecExchange {
	body := []byte(tsecJSON(in))
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.SetBasicAuth(tn.key, tn.secret)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return tsecExchange{req: req, body: body, rec: rec}
}

// tsecAnswer is a decoded /auth/token answer and its responseContent, the
// RFC 6749 §5.1 or §5.2 JSON the frontend relays.
type tsecAnswer struct {
	tokenJSON
	content map[string]any
}

var tsecResultCode = regexp.MustCompile(`^G005[0-9]{3}$`)

// tsecDecode checks what every /auth/token answer owes — the contract,
// HTTP 200, no caching, a G005 result code, a JSON responseContent, and
// for errors the T20 checks — and decodes it.
func tsecDecode(t *testing.T, x tsecExchange) tsecAnswer {
	t.Helper()
	checkContract(t, x.req, x.body, x.rec)
	if x.rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200 (the OAuth outcome travels in action); body %s", x.rec.Code, x.rec.Body)
	}
	if x.rec.Header().Get("Cache-Control") != "no-store" || x.rec.Header().Get("Pragma") != "no-cache" {
		t.Errorf("Cache-Control %q, Pragma %q: token answers must not be cached (RFC 6749 §5.1)",
			x.rec.Header().Get("Cache-Control"), x.rec.Header().Get("Pragma"))
	}
	var a tsecAnswer
	if err := json.Unmarshal(x.rec.Body.Bytes(), &a.tokenJSON); err != nil {
		t.Fatalf("decode %s: %v", x.rec.Body, err)
	}
	if !tsecResultCode.MatchString(a.ResultCode) || !strings.HasPrefix(a.ResultMessage, "["+a.ResultCode+"] ") {
		t.Errorf("resultCode %q, resultMessage %q: want G005xxx and a message starting with it", a.ResultCode, a.ResultMessage)
	}
	if err := json.Unmarshal([]byte(a.ResponseContent), &a.content); err != nil || a.content == nil {
		t.Fatalf("responseContent %q is not a JSON object: %v", a.ResponseContent, err)
	}
	if a.Action != service.ActionOK {
		tsecCheckError(t, a)
	}
	return a
}

// tsecCheckError is T20 for every error answer: an error code, a
// description of RFC 6749 §5.2 characters only and no internals, no
// credentials, and INVALID_CLIENT exactly for invalid_client.
func tsecCheckError(t *testing.T, a tsecAnswer) {
	t.Helper()
	code, _ := a.content["error"].(string)
	desc, _ := a.content["error_description"].(string)
	if code == "" {
		t.Errorf("error answer without error: %s", a.ResponseContent)
	}
	for _, r := range desc {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			t.Errorf("error_description %q holds %q, outside RFC 6749 §5.2 (%%x20-21 / %%x23-5B / %%x5D-7E)", desc, r)
			break
		}
	}
	if strings.Contains(desc, "goroutine ") || strings.Contains(desc, ".go:") || strings.Contains(desc, "panic") {
		t.Errorf("error_description leaks internals: %q", desc)
	}
	for _, k := range []string{"access_token", "refresh_token", "id_token"} {
		if _, ok := a.content[k]; ok {
			t.Errorf("an error answer carries %s", k)
		}
	}
	if a.AccessToken != "" || a.RefreshToken != "" || a.IDToken != "" {
		t.Errorf("an error answer carries tokens: %+v", a.tokenJSON)
	}
	clientAction := a.Action == service.ActionInvalidClient || a.Action == service.ActionTooManyRequests
	if (code == "invalid_client") != clientAction {
		t.Errorf("error %s with action %s: INVALID_CLIENT (401) and TOO_MANY_REQUESTS (429) are for invalid_client only", code, a.Action)
	}
}

// tsecWantError checks an OAuth error answer: the action the SDK maps to
// 400 or 401, and the error code.
func tsecWantError(t *testing.T, a tsecAnswer, oauthErr string) {
	t.Helper()
	action := service.ActionBadRequest
	if oauthErr == "invalid_client" {
		action = service.ActionInvalidClient
	}
	if a.Action != action || a.content["error"] != oauthErr {
		t.Errorf("got %s %v (%s), want %s %s", a.Action, a.content["error"], a.ResultMessage, action, oauthErr)
	}
}

// tsecWantOneOf accepts any of the errors SECURITY.md allows.
func tsecWantOneOf(t *testing.T, a tsecAnswer, oauthErrs ...string) {
	t.Helper()
	code, _ := a.content["error"].(string)
	if a.Action == service.ActionOK || !slices.Contains(oauthErrs, code) {
		t.Errorf("got %s %q (%s), want one of %v", a.Action, code, a.ResultMessage, oauthErrs)
	}
}

// tsecWantOK checks a successful token response (RFC 6749 §5.1).
func tsecWantOK(t *testing.T, a tsecAnswer) {
	t.Helper()
	if a.Action != service.ActionOK {
		t.Fatalf("action %s (%s), want OK; %s", a.Action, a.ResultMessage, a.ResponseContent)
	}
	c := a.content
	if a.AccessToken == "" || c["access_token"] != a.AccessToken || c["token_type"] != "Bearer" {
		t.Errorf("token response %s: want the access token and token_type Bearer", a.ResponseContent)
	}
	if ei, _ := c["expires_in"].(float64); ei <= 0 || int64(ei) != a.AccessTokenDuration {
		t.Errorf("expires_in %v, accessTokenDuration %d", c["expires_in"], a.AccessTokenDuration)
	}
	if rt, _ := c["refresh_token"].(string); rt != a.RefreshToken {
		t.Errorf("refresh_token %q, refreshToken %q", rt, a.RefreshToken)
	}
	if idt, _ := c["id_token"].(string); idt != a.IDToken {
		t.Errorf("id_token %q, idToken %q", idt, a.IDToken)
	}
	if _, ok := c["error"]; ok {
		t.Errorf("a success carries an error: %s", a.ResponseContent)
	}
}

// send relays a token request to tenant tn through router h.
func (f *tsecFixture) send(t *testing.T, h http.Handler, tn tsecTenant, req tsecTokenRequest) tsecAnswer {
	t.Helper()
	return tsecDecode(t, tsecSend(h, tn, "/api/auth/token", req))
}

// request is the token request of client name with the given parameters,
// authenticated by the client's registered method.
func (f *tsecFixture) request(t *testing.T, name string, pairs ...string) tsecTokenRequest {
	t.Helper()
	c, ok := f.clients[name]
	if !ok {
		t.Fatalf("no client %s", name)
	}
	id := c.ClientIDAlias
	switch c.TokenAuthMethod {
	case "CLIENT_SECRET_BASIC":
		return tsecTokenRequest{Parameters: tsecForm(pairs...), ClientID: id, ClientSecret: c.ClientSecret}
	case "CLIENT_SECRET_POST":
		pairs = append(pairs, "client_id", id, "client_secret", c.ClientSecret)
	case "NONE":
		pairs = append(pairs, "client_id", id)
	case "PRIVATE_KEY_JWT":
		pairs = append(pairs, "client_assertion_type", tsecAssertionType, "client_assertion", f.assertion(t, name, f.assertionClaims(name)))
	default:
		t.Fatalf("client %s: method %s", name, c.TokenAuthMethod)
	}
	return tsecTokenRequest{Parameters: tsecForm(pairs...)}
}

// token sends a request of client name to tenant tn through router h.
func (f *tsecFixture) token(t *testing.T, h http.Handler, tn tsecTenant, name string, pairs ...string) tsecAnswer {
	t.Helper()
	return f.send(t, h, tn, f.request(t, name, pairs...))
}

// redeemPairs are the parameters of a correct code redemption.
func tsecRedeemPairs(code string) []string {
	return []string{"grant_type", "authorization_code", "code", code, "redirect_uri", tsecWebCB, "code_verifier", tsecVerifier}
}

func (f *tsecFixture) redeem(t *testing.T, h http.Handler, tn tsecTenant, name, code string) tsecAnswer {
	t.Helper()
	return f.token(t, h, tn, name, tsecRedeemPairs(code)...)
}

func (f *tsecFixture) refresh(t *testing.T, h http.Handler, name, rt string, extra ...string) tsecAnswer {
	t.Helper()
	return f.token(t, h, f.a, name, append([]string{"grant_type", "refresh_token", "refresh_token", rt}, extra...)...)
}

// tsecAuthzQuery is an authorization request for a code: state, nonce and,
// when pkce, an S256 challenge of tsecVerifier.
func tsecAuthzQuery(client, redirect, scope string, pkce bool) string {
	q := url.Values{"response_type": {"code"}, "client_id": {client}, "redirect_uri": {redirect},
		"scope": {scope}, "state": {"st"}, "nonce": {"n-1"}}
	if pkce {
		q.Set("code_challenge", tsecS256(tsecVerifier))
		q.Set("code_challenge_method", "S256")
	}
	return q.Encode()
}

// code runs /auth/authorization and /issue for alice, as a frontend does,
// and returns the code of the Location.
func (f *tsecFixture) code(t *testing.T, tn tsecTenant, query string) string {
	t.Helper()
	decode := func(x tsecExchange, want string) authorizationJSON {
		t.Helper()
		checkContract(t, x.req, x.body, x.rec)
		var got authorizationJSON
		if x.rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", x.rec.Code, x.rec.Body)
		}
		if err := json.Unmarshal(x.rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got.Action != want {
			t.Fatalf("action %s (%s), want %s", got.Action, got.ResultMessage, want)
		}
		return got
	}
	got := decode(tsecSend(f.e, tn, "/api/auth/authorization", map[string]string{"parameters": query}), service.ActionInteraction)
	got = decode(tsecSend(f.e, tn, "/api/auth/authorization/issue",
		map[string]any{"ticket": got.Ticket, "subject": tsecSubject, "authTime": f.authTime}), service.ActionLocation)
	loc, err := url.Parse(got.ResponseContent)
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("Location %q: no code (%v)", got.ResponseContent, err)
	}
	return loc.Query().Get("code")
}

// webCode is a code of tenant A's web client: openid profile, PKCE S256.
func (f *tsecFixture) webCode(t *testing.T) string {
	t.Helper()
	return f.code(t, f.a, tsecAuthzQuery("web", tsecWebCB, "openid profile", true))
}

// webTokens redeems a fresh code of the web client.
func (f *tsecFixture) webTokens(t *testing.T) tsecAnswer {
	t.Helper()
	a := f.redeem(t, f.e, f.a, "web", f.webCode(t))
	tsecWantOK(t, a)
	if a.RefreshToken == "" || a.IDToken == "" {
		t.Fatalf("redemption %s: want a refresh token and an ID token", a.ResponseContent)
	}
	return a
}

// stored reports whether a raw token of tn still has a record, found by
// its hash as the engine stores it (DESIGN §5: SHA-256, base64url).
func (f *tsecFixture) stored(t *testing.T, tn tsecTenant, raw string) bool {
	t.Helper()
	sum := sha256.Sum256([]byte(raw))
	_, err := f.st.GetToken(context.Background(), tn.apiKey, base64.RawURLEncoding.EncodeToString(sum[:]))
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrNotFound):
		return false
	default:
		t.Fatalf("GetToken: %v", err)
		return false
	}
}

// wantRevoked checks that none of the named tokens of tenant A survives.
func (f *tsecFixture) wantRevoked(t *testing.T, tokens map[string]string) {
	t.Helper()
	for name, raw := range tokens {
		if raw == "" {
			t.Errorf("%s: no token to check", name)
		} else if f.stored(t, f.a, raw) {
			t.Errorf("%s survived: every token of the grant must be revoked", name)
		}
	}
}

// wantGone checks that no token of the given hashes survives: what was
// issued during a race with a replay is revoked, whoever answered first.
func (f *tsecFixture) wantGone(t *testing.T, hashes []string) {
	t.Helper()
	if len(hashes) == 0 {
		t.Error("no token was stored: nothing was checked")
	}
	survived := 0
	for _, h := range hashes {
		_, err := f.st.GetToken(context.Background(), f.a.apiKey, h)
		switch {
		case err == nil:
			survived++
		case !errors.Is(err, store.ErrNotFound):
			t.Fatalf("GetToken: %v", err)
		}
	}
	if survived > 0 {
		t.Errorf("%d of the %d tokens stored during the race survived: a replay must revoke every token of the grant", survived, len(hashes))
	}
}

// race sends req n times at once. At most one answer is OK — the request
// that spent the credential; it too is refused when a replay got in before
// its tokens were settled — every other is invalid_grant, and no token
// stored meanwhile survives.
func (f *tsecFixture) race(t *testing.T, req tsecTokenRequest, n int) {
	t.Helper()
	from := f.st.createdCount()
	xs := make([]tsecExchange, n)
	var wg sync.WaitGroup
	for i := range xs {
		wg.Go(func() { xs[i] = tsecSend(f.e, f.a, "/api/auth/token", req) })
	}
	wg.Wait()
	won := 0
	for _, x := range xs {
		a := tsecDecode(t, x)
		if a.Action == service.ActionOK {
			won++
			tsecWantOK(t, a)
		} else {
			tsecWantError(t, a, "invalid_grant")
		}
	}
	if won > 1 {
		t.Errorf("%d of %d parallel requests got tokens, want at most 1", won, n)
	}
	f.wantGone(t, f.st.createdSince(from))
}

// assertionClaims are valid private_key_jwt claims of client name of
// tenant A (RFC 7523 §3).
func (f *tsecFixture) assertionClaims(name string) map[string]any {
	id := fmt.Sprint(f.clients[name].ClientID)
	now := time.Now()
	return map[string]any{"iss": id, "sub": id, "aud": tsecIssuerA, "iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(), "jti": tsecRandom()}
}

// assertion signs claims with client name's registered key.
func (f *tsecFixture) assertion(t *testing.T, name string, claims map[string]any) string {
	t.Helper()
	if name == "jwt-rsa" {
		return tsecSign(t, jose.RS256, f.rsaKey, "rsa1", claims)
	}
	return tsecSign(t, jose.ES256, f.ecKey, "ec1", claims)
}

func tsecSign(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	if kid != "" {
		key = jose.JSONWebKey{Key: key, KeyID: kid}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// tsecAssertionRequest is a client_credentials request authenticated by an
// assertion, plus extra parameters.
func tsecAssertionRequest(assertion string, extra ...string) tsecTokenRequest {
	pairs := append([]string{"grant_type", "client_credentials", "client_assertion_type", tsecAssertionType, "client_assertion", assertion}, extra...)
	return tsecTokenRequest{Parameters: tsecForm(pairs...)}
}

// idClaims verifies an ID token against tenant A's JWK Set and returns its
// claims.
func (f *tsecFixture) idClaims(t *testing.T, raw string) map[string]any {
	t.Helper()
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		t.Fatalf("id_token %q: %v", raw, err)
	}
	m := &mgmt{t: t, e: f.e}
	var set jose.JSONWebKeySet
	m.expect(m.call(http.MethodGet, "/api/service/jwks/get", f.a.key, f.a.secret, "", ""), http.StatusOK, &set)
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		t.Fatalf("id_token kid %q: %d keys", jws.Signatures[0].Header.KeyID, len(keys))
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		t.Fatalf("id_token signature: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// replayDuringIssue sends req, holds it when it stores its first token,
// sends req again meanwhile, then lets the first finish: the interleaving
// in which the replay is answered before the winner's tokens exist. The
// replay must be invalid_grant; the first may be OK or invalid_grant; no
// token it stored may survive.
func (f *tsecFixture) replayDuringIssue(t *testing.T, req tsecTokenRequest) {
	t.Helper()
	from := f.st.createdCount()
	hold := f.st.holdNextCreateToken(t)
	done := make(chan tsecExchange, 1)
	go func() { done <- tsecSend(f.e, f.a, "/api/auth/token", req) }()
	select {
	case <-hold.entered:
	case x := <-done:
		t.Fatalf("the first request finished without storing a token: %s", x.rec.Body)
	case <-time.After(10 * time.Second):
		t.Fatal("the first request never stored a token")
	}
	tsecWantError(t, f.send(t, f.e, f.a, req), "invalid_grant")
	hold.let()
	winner := tsecDecode(t, <-done)
	if winner.Action == service.ActionOK {
		tsecWantOK(t, winner)
	} else {
		tsecWantError(t, winner, "invalid_grant")
	}
	f.wantGone(t, f.st.createdSince(from))
}

func TestTokenEndpoint(t *testing.T) {
	f := newTsecFixture(t)
	cases := []struct {
		id  string
		run func(*testing.T, *tsecFixture)
	}{
		// §3 authorization_code grant.
		{"T01_engine_api_is_post_only", tsecT01},
		{"T02_grant_type_missing", tsecT02},
		{"T03_grant_type_unsupported", tsecT03},
		{"T04_grant_type_not_registered_for_client", tsecT04},
		{"T05_code_missing", tsecT05},
		{"T06_code_unknown", tsecT06},
		{"T07_code_expired", tsecT07},
		{"T08_code_reused_revokes_tokens", tsecT08},
		{"T09_code_redeemed_in_parallel", tsecT09},
		{"T10_code_of_another_client", tsecT10},
		{"T11_code_of_another_tenant", tsecT11},
		{"T12_redirect_uri_differs", tsecT12},
		{"T13_redirect_uri_omitted", tsecT13},
		{"T14_code_verifier_missing", tsecT14},
		{"T15_code_verifier_wrong", tsecT15},
		{"T16_code_verifier_malformed", tsecT16},
		{"T17_code_verifier_without_challenge", tsecT17},
		{"T19_success_response", tsecT19},
		{"T20_error_description_charset", tsecT20},

		// §4 client authentication.
		{"C01_no_credentials", tsecC01},
		{"C02_wrong_secret", tsecC02},
		{"C03_unknown_client_indistinguishable", tsecC03},
		{"C04_other_auth_method_than_registered", tsecC04},
		{"C05_two_auth_methods", tsecC05},
		{"C06_body_client_id_differs_from_basic", tsecC06},
		{"C07_public_client_sends_secret", tsecC07},
		{"C08_confidential_client_without_secret", tsecC08},
		{"C10_broken_basic_credentials", tsecC10},
		{"C11_basic_credentials_form_decoded_once", tsecC11},
		{"C12_rotated_out_secret", tsecC12},
		{"C13_private_key_jwt_bad_assertions", tsecC13},
		{"C14_assertion_jti_replayed", tsecC14},
		{"C15_secrets_and_tokens_stored_hashed", tsecC15},
		{"C16_failed_authentication_throttled", tsecC16},

		// §5 refresh_token and client_credentials.
		{"R01_refresh_token_unknown", tsecR01},
		{"R02_refresh_token_expired", tsecR02},
		{"R03_refresh_token_of_another_client", tsecR03},
		{"R04_refresh_scope_widened", tsecR04},
		{"R05_refresh_scope_narrowed", tsecR05},
		{"R06_rotated_refresh_reuse_revokes_family", tsecR06},
		{"R07_parallel_refresh", tsecR07},
		{"R08_no_grace_window_two_generations_old", tsecR08},
		{"R11_client_no_longer_allowed", tsecR11},
		{"R12_refreshed_id_token", tsecR12},
		{"R13_client_credentials", tsecR13},
		{"R14_client_credentials_has_no_subject", tsecR14},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) { tc.run(t, f) })
	}
}

// T01: the client's GET is refused by the frontend; the engine's own API
// accepts only POST, and the contract agrees.
func tsecT01(t *testing.T, f *tsecFixture) {
	req := httptest.NewRequest(http.MethodGet, "/api/auth/token?"+url.Values{"parameters": {"grant_type=client_credentials"}}.Encode(), nil)
	req.SetBasicAuth(f.a.key, f.a.secret)
	rec := httptest.NewRecorder()
	f.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed || !strings.Contains(rec.Header().Get("Allow"), http.MethodPost) {
		t.Errorf("GET /api/auth/token: %d, Allow %q; want 405 allowing POST", rec.Code, rec.Header().Get("Allow"))
	}
	if strings.Contains(rec.Body.String(), "ccessToken") {
		t.Errorf("GET issued something: %s", rec.Body)
	}
	if err := contractError(req, nil, rec); !errors.Is(err, routers.ErrMethodNotAllowed) {
		t.Errorf("openapi.yaml should have no GET /api/auth/token: %v", err)
	}
}

func tsecT02(t *testing.T, f *tsecFixture) {
	for _, params := range []string{"", "grant_type=", "code=abc&redirect_uri=" + url.QueryEscape(tsecWebCB)} {
		a := f.send(t, f.e, f.a, tsecTokenRequest{Parameters: params, ClientID: "web", ClientSecret: f.clients["web"].ClientSecret})
		tsecWantError(t, a, "invalid_request")
	}
}

// T03: the password grant is off unless enabled; the JWT bearer grant is
// not enabled either; anything else is unknown.
func tsecT03(t *testing.T, f *tsecFixture) {
	for _, pairs := range [][]string{
		{"grant_type", "password", "username", tsecSubject, "password", "secret"},
		{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion", "x.y.z"},
		{"grant_type", "implicit"},
		{"grant_type", "AUTHORIZATION_CODE", "code", "x"},
		{"grant_type", "magic"},
	} {
		a := f.token(t, f.e, f.a, "web", pairs...)
		tsecWantError(t, a, "unsupported_grant_type")
	}
}

func tsecT04(t *testing.T, f *tsecFixture) {
	tsecWantError(t, f.token(t, f.e, f.a, "codeonly", "grant_type", "client_credentials"), "unauthorized_client")
	tsecWantError(t, f.token(t, f.e, f.a, "codeonly", "grant_type", "refresh_token", "refresh_token", "x"), "unauthorized_client")
	tsecWantError(t, f.token(t, f.e, f.a, "spa", "grant_type", "client_credentials"), "unauthorized_client")
}

func tsecT05(t *testing.T, f *tsecFixture) {
	tsecWantError(t, f.token(t, f.e, f.a, "web", "grant_type", "authorization_code", "redirect_uri", tsecWebCB, "code_verifier", tsecVerifier), "invalid_request")
	tsecWantError(t, f.token(t, f.e, f.a, "web", "grant_type", "authorization_code", "code", "", "redirect_uri", tsecWebCB), "invalid_request")
}

func tsecT06(t *testing.T, f *tsecFixture) {
	at := f.webTokens(t).AccessToken
	for _, code := range []string{"garbage", tsecRandom() + tsecRandom(), at} {
		tsecWantError(t, f.redeem(t, f.e, f.a, "web", code), "invalid_grant")
	}
}

// T07: codes live 10 minutes (the service default).
func tsecT07(t *testing.T, f *tsecFixture) {
	tsecWantError(t, f.redeem(t, f.router(t, 10*time.Minute+time.Second), f.a, "web", f.webCode(t)), "invalid_grant")
	tsecWantOK(t, f.redeem(t, f.router(t, 9*time.Minute), f.a, "web", f.webCode(t)))
}

// T08: a second redemption fails and revokes every token of the code's
// grant, those of later refreshes included.
func tsecT08(t *testing.T, f *tsecFixture) {
	for name, delay := range map[string]time.Duration{"immediately": 0, "after_30s": 30 * time.Second} {
		t.Run(name, func(t *testing.T) {
			code := f.webCode(t)
			first := f.redeem(t, f.e, f.a, "web", code)
			tsecWantOK(t, first)
			refreshed := f.refresh(t, f.e, "web", first.RefreshToken)
			tsecWantOK(t, refreshed)
			tsecWantError(t, f.redeem(t, f.router(t, delay), f.a, "web", code), "invalid_grant")
			f.wantRevoked(t, map[string]string{"first access token": first.AccessToken, "first refresh token": first.RefreshToken,
				"refreshed access token": refreshed.AccessToken, "refreshed refresh token": refreshed.RefreshToken})
			tsecWantError(t, f.refresh(t, f.e, "web", refreshed.RefreshToken), "invalid_grant")
		})
	}
}

// T09: of N parallel redemptions at most one gets tokens, and those are
// revoked too (as in T08), even when a replay is answered before they are
// stored.
func tsecT09(t *testing.T, f *tsecFixture) {
	t.Run("50_parallel", func(t *testing.T) {
		f.race(t, f.request(t, "web", tsecRedeemPairs(f.webCode(t))...), 50)
	})
	t.Run("replay_before_the_winner_stores_its_tokens", func(t *testing.T) {
		f.replayDuringIssue(t, f.request(t, "web", tsecRedeemPairs(f.webCode(t))...))
	})
}

// T10: a code presented by another client of the tenant fails, and is
// burned: its own client cannot redeem it afterwards.
func tsecT10(t *testing.T, f *tsecFixture) {
	code := f.webCode(t)
	tsecWantError(t, f.redeem(t, f.e, f.a, "post", code), "invalid_grant")
	tsecWantError(t, f.redeem(t, f.e, f.a, "web", code), "invalid_grant")
}

// T11: tenant B's client with the same client_id string cannot redeem A's
// code, nor burn it.
func tsecT11(t *testing.T, f *tsecFixture) {
	code := f.webCode(t)
	tsecWantError(t, f.redeem(t, f.e, f.b, "b-web", code), "invalid_grant")
	tsecWantOK(t, f.redeem(t, f.e, f.a, "web", code))
}

func tsecT12(t *testing.T, f *tsecFixture) {
	for _, uri := range []string{tsecWebCB2, tsecWebCB + "/", "https://CLIENT.example.com/cb", "https://attacker.example/cb"} {
		a := f.token(t, f.e, f.a, "web", "grant_type", "authorization_code", "code", f.webCode(t), "redirect_uri", uri, "code_verifier", tsecVerifier)
		tsecWantError(t, a, "invalid_grant")
	}
}

func tsecT13(t *testing.T, f *tsecFixture) {
	a := f.token(t, f.e, f.a, "web", "grant_type", "authorization_code", "code", f.webCode(t), "code_verifier", tsecVerifier)
	tsecWantOneOf(t, a, "invalid_grant", "invalid_request")
}

func tsecT14(t *testing.T, f *tsecFixture) {
	a := f.token(t, f.e, f.a, "web", "grant_type", "authorization_code", "code", f.webCode(t), "redirect_uri", tsecWebCB)
	tsecWantError(t, a, "invalid_grant")
}

func tsecT15(t *testing.T, f *tsecFixture) {
	for _, v := range []string{strings.Repeat("a", 43), tsecVerifier[:42] + "X", tsecS256(tsecVerifier)} {
		a := f.token(t, f.e, f.a, "web", "grant_type", "authorization_code", "code", f.webCode(t), "redirect_uri", tsecWebCB, "code_verifier", v)
		tsecWantError(t, a, "invalid_grant")
	}
}

// T16: RFC 7636 §4.1: 43 to 128 of [A-Z a-z 0-9 - . _ ~].
func tsecT16(t *testing.T, f *tsecFixture) {
	for _, v := range []string{
		tsecVerifier[:42], strings.Repeat("a", 129), tsecVerifier[:42] + "+", tsecVerifier[:42] + "/",
		tsecVerifier[:42] + "=", tsecVerifier[:42] + " ", tsecVerifier[:42] + "é", tsecVerifier + "\n",
	} {
		a := f.token(t, f.e, f.a, "web", "grant_type", "authorization_code", "code", f.webCode(t), "redirect_uri", tsecWebCB, "code_verifier", v)
		tsecWantOneOf(t, a, "invalid_grant", "invalid_request")
	}
}

// T17: a verifier for a code issued without a challenge is a downgrade
// (RFC 9700 §2.1.1); the code is burned.
func tsecT17(t *testing.T, f *tsecFixture) {
	code := f.code(t, f.a, tsecAuthzQuery("web", tsecWebCB, "openid profile", false))
	tsecWantError(t, f.redeem(t, f.e, f.a, "web", code), "invalid_grant")
	tsecWantError(t, f.token(t, f.e, f.a, "web", "grant_type", "authorization_code", "code", code, "redirect_uri", tsecWebCB), "invalid_grant")
}

// T19: the engine's answer is not cacheable (checked on every answer by
// tsecDecode) and the token response says Bearer, with its lifetime and
// scope.
func tsecT19(t *testing.T, f *tsecFixture) {
	x := tsecSend(f.e, f.a, "/api/auth/token", f.request(t, "web", tsecRedeemPairs(f.webCode(t))...))
	a := tsecDecode(t, x)
	tsecWantOK(t, a)
	if x.rec.Header().Get("Cache-Control") != "no-store" || x.rec.Header().Get("Pragma") != "no-cache" {
		t.Errorf("headers %v", x.rec.Header())
	}
	if a.content["token_type"] != "Bearer" || a.content["expires_in"] != float64(3600) || a.content["scope"] != "openid profile" {
		t.Errorf("token response %s", a.ResponseContent)
	}
	if a.GrantType != "AUTHORIZATION_CODE" || a.Subject != tsecSubject || a.ClientID != f.clients["web"].ClientID {
		t.Errorf("answer %+v", a.tokenJSON)
	}
}

// T20: hostile input reaches no error_description unfiltered (tsecDecode
// checks the character set of every error answer).
func tsecT20(t *testing.T, f *tsecFixture) {
	hostile := "x\r\nSet-Cookie: a=b\t\"\\é<script>"
	rt := f.webTokens(t).RefreshToken
	for _, req := range []tsecTokenRequest{
		f.request(t, "web", "grant_type", hostile),
		f.request(t, "web", "grant_type", "refresh_token", "refresh_token", rt, "scope", "openid\r\nprofile"),
		f.request(t, "web", "grant_type", "refresh_token", "refresh_token", rt, "scope", "openid "+hostile),
		{Parameters: tsecForm("grant_type", "client_credentials", hostile, "1", hostile, "2"), ClientID: "web", ClientSecret: f.clients["web"].ClientSecret},
		{Parameters: "grant_type=client_credentials&client_id=%zz", ClientID: "web"},
		{Parameters: tsecForm("grant_type", "client_credentials"), ClientID: hostile, ClientSecret: hostile},
		{Parameters: tsecForm("grant_type", "client_credentials", "client_id", hostile, "client_secret", hostile)},
	} {
		a := f.send(t, f.e, f.a, req)
		if a.Action == service.ActionOK {
			t.Errorf("%q: hostile input got tokens", req.Parameters)
		}
		if strings.ContainsAny(a.ResponseContent, "\r\n\t") {
			t.Errorf("responseContent holds raw control characters: %q", a.ResponseContent)
		}
	}
}

func tsecC01(t *testing.T, f *tsecFixture) {
	tsecWantError(t, f.send(t, f.e, f.a, tsecTokenRequest{Parameters: "grant_type=client_credentials"}), "invalid_client")
	tsecWantError(t, f.send(t, f.e, f.a, tsecTokenRequest{Parameters: tsecForm(tsecRedeemPairs(f.webCode(t))...)}), "invalid_client")
}

// C02: the SDK answers INVALID_CLIENT with 401 and, because the client used
// Basic (clientId was given), WWW-Authenticate: Basic.
func tsecC02(t *testing.T, f *tsecFixture) {
	for _, secret := range []string{"wrong", f.clients["post"].ClientSecret, f.clients["web"].ClientSecret + "x", f.clients["b-web"].ClientSecret} {
		a := f.send(t, f.e, f.a, tsecTokenRequest{Parameters: "grant_type=client_credentials", ClientID: "web", ClientSecret: secret})
		tsecWantError(t, a, "invalid_client")
	}
}

// C03: an unknown client — by number, by alias, or another tenant's — gets
// the answer of a wrong secret, byte for byte.
func tsecC03(t *testing.T, f *tsecFixture) {
	ask := func(id, secret string) tsecAnswer {
		return f.send(t, f.e, f.a, tsecTokenRequest{Parameters: "grant_type=client_credentials", ClientID: id, ClientSecret: secret})
	}
	wrong := ask("web", "wrong")
	tsecWantError(t, wrong, "invalid_client")
	for _, unknown := range []tsecAnswer{
		ask("4503599627370495", "wrong"),
		ask("nobody", "wrong"),
		ask(fmt.Sprint(f.clients["b-web"].ClientID), f.clients["b-web"].ClientSecret),
		f.send(t, f.e, f.a, tsecTokenRequest{Parameters: "grant_type=client_credentials&client_id=nobody&client_secret=wrong"}),
	} {
		tsecWantError(t, unknown, "invalid_client")
		if unknown.ResponseContent != wrong.ResponseContent || unknown.ResultCode != wrong.ResultCode || unknown.ResultMessage != wrong.ResultMessage {
			t.Errorf("unknown client answer differs from a wrong secret's:\n%s %s\n%s %s",
				unknown.ResultMessage, unknown.ResponseContent, wrong.ResultMessage, wrong.ResponseContent)
		}
	}
}

// C16: a burst of wrong secrets for one client is throttled; its right
// secret still works, and neither another client nor the same alias in
// another tenant is affected.
func tsecC16(t *testing.T, f *tsecFixture) {
	cc := map[string]any{"clientType": "CONFIDENTIAL", "clientIdAlias": "burst", "grantTypes": []string{"CLIENT_CREDENTIALS"}, "responseTypes": []string{}}
	cc["clientName"] = "Burst"
	burst := f.newClient(t, f.a, "burst", cc)
	cc["clientName"], cc["clientIdAlias"] = "Bystander", "bystander"
	f.newClient(t, f.a, "bystander", cc)
	cc["clientName"], cc["clientIdAlias"] = "B burst", "burst"
	f.newClient(t, f.b, "b-burst", cc)
	try := func(tn tsecTenant, id, secret string) tsecAnswer {
		return f.send(t, f.e, tn, tsecTokenRequest{Parameters: "grant_type=client_credentials", ClientID: id, ClientSecret: secret})
	}
	var last tsecAnswer
	for range 25 {
		last = try(f.a, "burst", "wrong")
	}
	if last.Action != "TOO_MANY_REQUESTS" || last.RetryAfter < 1 || last.RetryAfter > 60 || last.ResultCode != "G005327" {
		t.Fatalf("25th failure = %s %s retryAfter %d", last.Action, last.ResultMessage, last.RetryAfter)
	}
	if ok := try(f.a, "burst", burst.ClientSecret); ok.Action != "OK" {
		t.Errorf("the right secret while throttled = %s %s", ok.Action, ok.ResultMessage)
	}
	for _, other := range []tsecAnswer{try(f.a, "bystander", "wrong"), try(f.b, "burst", "wrong")} {
		if other.Action != "INVALID_CLIENT" {
			t.Errorf("an unrelated client is throttled: %s", other.Action)
		}
	}
}

// C04: strict: the registered method and no other.
func tsecC04(t *testing.T, f *tsecFixture) {
	web, post, jwtc := f.clients["web"], f.clients["post"], f.clients["jwt"]
	for name, req := range map[string]tsecTokenRequest{
		"basic client by post": {Parameters: tsecForm("grant_type", "client_credentials", "client_id", "web", "client_secret", web.ClientSecret)},
		"post client by basic": {Parameters: tsecForm("grant_type", "refresh_token", "refresh_token", "x"), ClientID: "post", ClientSecret: post.ClientSecret},
		"jwt client by basic":  {Parameters: "grant_type=client_credentials", ClientID: "jwt", ClientSecret: jwtc.ClientSecret},
		"jwt client by post":   {Parameters: tsecForm("grant_type", "client_credentials", "client_id", "jwt", "client_secret", jwtc.ClientSecret)},
		"basic client by assertion": tsecAssertionRequest(tsecSign(t, jose.ES256, f.ecKey, "ec1", map[string]any{
			"iss": "web", "sub": "web", "aud": tsecIssuerA, "exp": time.Now().Add(time.Minute).Unix(), "jti": tsecRandom()})),
	} {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			tsecWantError(t, f.send(t, f.e, f.a, req), "invalid_client")
		})
	}
}

func tsecC05(t *testing.T, f *tsecFixture) {
	web, post := f.clients["web"], f.clients["post"]
	for name, req := range map[string]tsecTokenRequest{
		"basic and body secret": {Parameters: tsecForm("grant_type", "client_credentials", "client_secret", web.ClientSecret),
			ClientID: "web", ClientSecret: web.ClientSecret},
		"basic and body id and secret": {Parameters: tsecForm("grant_type", "refresh_token", "refresh_token", "x", "client_id", "post", "client_secret", post.ClientSecret),
			ClientID: "post", ClientSecret: post.ClientSecret},
		"assertion and body secret": tsecAssertionRequest(f.assertion(t, "jwt", f.assertionClaims("jwt")), "client_secret", f.clients["jwt"].ClientSecret),
		"assertion and basic": {Parameters: tsecAssertionRequest(f.assertion(t, "jwt", f.assertionClaims("jwt"))).Parameters,
			ClientID: "jwt", ClientSecret: f.clients["jwt"].ClientSecret},
	} {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			tsecWantOneOf(t, f.send(t, f.e, f.a, req), "invalid_client", "invalid_request")
		})
	}
}

func tsecC06(t *testing.T, f *tsecFixture) {
	web := f.clients["web"]
	for _, other := range []string{"post", fmt.Sprint(f.clients["post"].ClientID), fmt.Sprint(web.ClientID + 1)} {
		a := f.send(t, f.e, f.a, tsecTokenRequest{Parameters: tsecForm("grant_type", "client_credentials", "client_id", other),
			ClientID: "web", ClientSecret: web.ClientSecret})
		tsecWantOneOf(t, a, "invalid_client", "invalid_request")
	}
}

func tsecC07(t *testing.T, f *tsecFixture) {
	code := func() string { return f.code(t, f.a, tsecAuthzQuery("spa", tsecSPACB, "openid", true)) }
	redeem := []string{"grant_type", "authorization_code", "redirect_uri", tsecSPACB, "code_verifier", tsecVerifier}
	a := f.send(t, f.e, f.a, tsecTokenRequest{Parameters: tsecForm(append(redeem, "code", code(), "client_id", "spa", "client_secret", "anything")...)})
	tsecWantError(t, a, "invalid_client")
	a = f.send(t, f.e, f.a, tsecTokenRequest{Parameters: tsecForm(append(redeem, "code", code())...), ClientID: "spa", ClientSecret: "anything"})
	tsecWantError(t, a, "invalid_client")
	// The same request without the secret is the public client's right way.
	a = f.send(t, f.e, f.a, tsecTokenRequest{Parameters: tsecForm(append(redeem, "code", code(), "client_id", "spa")...)})
	tsecWantOK(t, a)
}

func tsecC08(t *testing.T, f *tsecFixture) {
	for _, name := range []string{"web", "post"} {
		a := f.send(t, f.e, f.a, tsecTokenRequest{Parameters: tsecForm(append(tsecRedeemPairs(f.webCode(t)), "client_id", name)...)})
		tsecWantError(t, a, "invalid_client")
	}
	a := f.send(t, f.e, f.a, tsecTokenRequest{Parameters: tsecForm("grant_type", "client_credentials", "client_id", "web", "client_secret", "")})
	tsecWantError(t, a, "invalid_client")
}

// C10: what a broken Authorization header can hand the engine is refused as
// invalid_client, never a 500.
func tsecC10(t *testing.T, f *tsecFixture) {
	secret := f.clients["web"].ClientSecret
	for _, creds := range [][2]string{
		{"%zz", secret}, {"web", "%zz"}, {"web", ""}, {"", secret}, {"web:" + secret, ""},
		{"we\x00b", secret}, {"web\r\n", secret}, {strings.Repeat("w", 10000), secret},
	} {
		a := f.send(t, f.e, f.a, tsecTokenRequest{Parameters: "grant_type=client_credentials", ClientID: creds[0], ClientSecret: creds[1]})
		tsecWantError(t, a, "invalid_client")
	}
}

// C11: Basic credentials are form-urlencoded before base64 (RFC 6749
// §2.3.1, Appendix B); the engine decodes them exactly once.
func tsecC11(t *testing.T, f *tsecFixture) {
	secret := f.clients["web"].ClientSecret
	everyByte := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
		return b.String()
	}
	ask := func(id, secret string) tsecAnswer {
		return f.send(t, f.e, f.a, tsecTokenRequest{Parameters: "grant_type=client_credentials", ClientID: id, ClientSecret: secret})
	}
	tsecWantOK(t, ask(url.QueryEscape("web"), url.QueryEscape(secret)))
	tsecWantOK(t, ask(everyByte("web"), everyByte(secret)))
	tsecWantError(t, ask(url.QueryEscape(everyByte("web")), secret), "invalid_client")
	tsecWantError(t, ask("web", url.QueryEscape(everyByte(secret))), "invalid_client")
}

func tsecC12(t *testing.T, f *tsecFixture) {
	c := f.newClient(t, f.a, "rotating", map[string]any{"clientName": "Rotating", "clientType": "CONFIDENTIAL", "clientIdAlias": "rotating",
		"grantTypes": []string{"CLIENT_CREDENTIALS"}, "responseTypes": []string{}})
	ask := func(secret string) tsecAnswer {
		return f.send(t, f.e, f.a, tsecTokenRequest{Parameters: "grant_type=client_credentials", ClientID: "rotating", ClientSecret: secret})
	}
	tsecWantOK(t, ask(c.ClientSecret))
	m := &mgmt{t: t, e: f.e}
	var refreshed secretRefreshJSON
	m.expect(m.call(http.MethodGet, fmt.Sprintf("/api/client/secret/refresh/%d", c.ClientID), f.a.key, f.a.secret, "", ""), http.StatusOK, &refreshed)
	tsecWantError(t, ask(c.ClientSecret), "invalid_client")
	tsecWantOK(t, ask(refreshed.NewClientSecret))
}

// C13: every malformed, misaddressed, expired, wrongly signed or wrongly
// typed private_key_jwt assertion is invalid_client.
func tsecC13(t *testing.T, f *tsecFixture) {
	t.Run("valid_assertions_work", func(t *testing.T) {
		tsecWantOK(t, f.token(t, f.e, f.a, "jwt", "grant_type", "client_credentials"))
		tsecWantOK(t, f.token(t, f.e, f.a, "jwt-rsa", "grant_type", "client_credentials"))
		byAlias := f.assertionClaims("jwt")
		byAlias["iss"], byAlias["sub"] = "jwt", "jwt"
		tsecWantOK(t, f.send(t, f.e, f.a, tsecAssertionRequest(f.assertion(t, "jwt", byAlias), "client_id", "jwt")))
	})
	claims := func(edit func(map[string]any)) map[string]any {
		c := f.assertionClaims("jwt")
		edit(c)
		return c
	}
	without := func(k string) map[string]any { return claims(func(c map[string]any) { delete(c, k) }) }
	with := func(k string, v any) map[string]any { return claims(func(c map[string]any) { c[k] = v }) }
	ec := func(c map[string]any) string { return f.assertion(t, "jwt", c) }
	rsaID := fmt.Sprint(f.clients["jwt-rsa"].ClientID)
	tampered := strings.Split(ec(f.assertionClaims("jwt")), ".")
	tampered[1] = base64.RawURLEncoding.EncodeToString([]byte(tsecJSON(with("exp", time.Now().Add(50*time.Minute).Unix()))))
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(tsecJSON(f.assertionClaims("jwt")))) + "."
	past := time.Now().Add(-10 * time.Minute)

	cases := map[string]tsecTokenRequest{
		"no_exp":                              tsecAssertionRequest(ec(without("exp"))),
		"no_aud":                              tsecAssertionRequest(ec(without("aud"))),
		"no_jti":                              tsecAssertionRequest(ec(without("jti"))),
		"no_iss":                              tsecAssertionRequest(ec(without("iss"))),
		"no_sub":                              tsecAssertionRequest(ec(without("sub"))),
		"iss_not_the_client_id":               tsecAssertionRequest(ec(with("iss", "mallory"))),
		"iss_and_sub_another_client":          tsecAssertionRequest(ec(claims(func(c map[string]any) { c["iss"], c["sub"] = rsaID, rsaID }))),
		"aud_another_tenant":                  tsecAssertionRequest(ec(with("aud", tsecIssuerB))),
		"aud_list_without_the_issuer":         tsecAssertionRequest(ec(with("aud", []string{"https://rp.example", tsecIssuerA + "/x"}))),
		"exp_5_minutes_in_the_past":           tsecAssertionRequest(ec(claims(func(c map[string]any) { c["iat"], c["exp"] = past.Unix(), past.Add(5*time.Minute).Unix() }))),
		"signed_by_an_unregistered_key":       tsecAssertionRequest(tsecSign(t, jose.ES256, f.stranger, "ec1", f.assertionClaims("jwt"))),
		"payload_tampered":                    tsecAssertionRequest(strings.Join(tampered, ".")),
		"rs256_where_es256_registered":        tsecAssertionRequest(tsecSign(t, jose.RS256, f.rsaKey, "ec1", f.assertionClaims("jwt"))),
		"rs256_no_kid_where_es256_registered": tsecAssertionRequest(tsecSign(t, jose.RS256, f.rsaKey, "", f.assertionClaims("jwt"))),
		"ps256_where_rs256_registered":        tsecAssertionRequest(tsecSign(t, jose.PS256, f.rsaKey, "rsa1", f.assertionClaims("jwt-rsa"))),
		"alg_none":                            tsecAssertionRequest(none),
		"hs256_with_the_client_secret":        tsecAssertionRequest(tsecSign(t, jose.HS256, []byte(f.clients["jwt"].ClientSecret), "", f.assertionClaims("jwt"))),
		"not_a_jwt":                           tsecAssertionRequest("not-a-jwt"),
		"wrong_assertion_type": {Parameters: tsecForm("grant_type", "client_credentials",
			"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer", "client_assertion", ec(f.assertionClaims("jwt")))},
		"assertion_type_without_assertion": {Parameters: tsecForm("grant_type", "client_credentials", "client_assertion_type", tsecAssertionType, "client_id", "jwt")},
		"body_client_id_differs_from_sub":  tsecAssertionRequest(ec(f.assertionClaims("jwt")), "client_id", "jwt-rsa"),
	}
	for name, req := range cases {
		t.Run(name, func(t *testing.T) {
			tsecWantError(t, f.send(t, f.e, f.a, req), "invalid_client")
		})
	}
}

// C14: an assertion is single use (RFC 7523 §3 item 7), and so is its jti.
func tsecC14(t *testing.T, f *tsecFixture) {
	c := f.assertionClaims("jwt")
	first := tsecAssertionRequest(f.assertion(t, "jwt", c))
	tsecWantOK(t, f.send(t, f.e, f.a, first))
	tsecWantError(t, f.send(t, f.e, f.a, first), "invalid_client")
	c["exp"] = time.Now().Add(4 * time.Minute).Unix()
	tsecWantError(t, f.send(t, f.e, f.a, tsecAssertionRequest(f.assertion(t, "jwt", c))), "invalid_client")
}

// C15: the store holds the SHA-256 of client secrets and tokens, never the
// raw values; so the comparison runs on equal-length hashes.
func tsecC15(t *testing.T, f *tsecFixture) {
	web := f.clients["web"]
	rec, err := f.st.GetClient(context.Background(), f.a.apiKey, web.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(web.ClientSecret))
	if !bytes.Equal(rec.ClientSecretHash, sum[:]) || strings.Contains(fmt.Sprintf("%+v", rec), web.ClientSecret) {
		t.Errorf("client record: want only the SHA-256 of the secret: %+v", rec)
	}
	a := f.webTokens(t)
	for _, raw := range []string{a.AccessToken, a.RefreshToken} {
		if _, err := f.st.GetToken(context.Background(), f.a.apiKey, raw); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a token is found under its raw value: %v", err)
		}
		sum := sha256.Sum256([]byte(raw))
		tok, err := f.st.GetToken(context.Background(), f.a.apiKey, base64.RawURLEncoding.EncodeToString(sum[:]))
		if err != nil || strings.Contains(fmt.Sprintf("%+v", tok), raw) {
			t.Errorf("token record %+v (%v): want it under the hash, without the raw value", tok, err)
		}
	}
}

func tsecR01(t *testing.T, f *tsecFixture) {
	a := f.webTokens(t)
	for _, rt := range []string{"garbage", tsecRandom() + tsecRandom(), a.AccessToken, f.webCode(t)} {
		tsecWantError(t, f.refresh(t, f.e, "web", rt), "invalid_grant")
	}
}

// R02: refresh tokens live 30 days (the service default).
func tsecR02(t *testing.T, f *tsecFixture) {
	a := f.webTokens(t)
	tsecWantError(t, f.refresh(t, f.router(t, 30*24*time.Hour+time.Second), "web", a.RefreshToken), "invalid_grant")
}

func tsecR03(t *testing.T, f *tsecFixture) {
	a := f.webTokens(t)
	tsecWantError(t, f.refresh(t, f.e, "post", a.RefreshToken), "invalid_grant")
	tsecWantError(t, f.token(t, f.e, f.b, "b-web", "grant_type", "refresh_token", "refresh_token", a.RefreshToken), "invalid_grant")
}

func tsecR04(t *testing.T, f *tsecFixture) {
	a := f.webTokens(t)
	for _, scope := range []string{"openid profile email", "admin", "openid offline_access"} {
		tsecWantError(t, f.refresh(t, f.e, "web", a.RefreshToken, "scope", scope), "invalid_scope")
	}
}

// R05: a narrower access token; the rotated refresh token keeps the
// original scope; no ID token without openid.
func tsecR05(t *testing.T, f *tsecFixture) {
	a := f.webTokens(t)
	narrow := f.refresh(t, f.e, "web", a.RefreshToken, "scope", "profile")
	tsecWantOK(t, narrow)
	if narrow.content["scope"] != "profile" || !slices.Equal(narrow.Scopes, []string{"profile"}) || narrow.IDToken != "" || narrow.RefreshToken == "" {
		t.Fatalf("narrowed refresh %s, scopes %v", narrow.ResponseContent, narrow.Scopes)
	}
	sum := sha256.Sum256([]byte(narrow.RefreshToken))
	rt, err := f.st.GetToken(context.Background(), f.a.apiKey, base64.RawURLEncoding.EncodeToString(sum[:]))
	if err != nil || !slices.Equal(rt.Scopes, []string{"openid", "profile"}) {
		t.Errorf("rotated refresh token scopes %v (%v), want the original openid profile", rt.Scopes, err)
	}
	sum = sha256.Sum256([]byte(narrow.AccessToken))
	if at, err := f.st.GetToken(context.Background(), f.a.apiKey, base64.RawURLEncoding.EncodeToString(sum[:])); err != nil || !slices.Equal(at.Scopes, []string{"profile"}) {
		t.Errorf("narrowed access token scopes %v (%v)", at.Scopes, err)
	}
	full := f.refresh(t, f.e, "web", narrow.RefreshToken)
	tsecWantOK(t, full)
	if full.content["scope"] != "openid profile" || full.IDToken == "" {
		t.Errorf("refresh with the rotated token %s: want the original scope and an ID token", full.ResponseContent)
	}
}

// R06: RT1 → (AT2, RT2); RT1 again revokes the family.
func tsecR06(t *testing.T, f *tsecFixture) {
	first := f.webTokens(t)
	second := f.refresh(t, f.e, "web", first.RefreshToken)
	tsecWantOK(t, second)
	if second.RefreshToken == first.RefreshToken {
		t.Fatal("the refresh token was not rotated")
	}
	tsecWantError(t, f.refresh(t, f.e, "web", first.RefreshToken), "invalid_grant")
	f.wantRevoked(t, map[string]string{"AT1": first.AccessToken, "AT2": second.AccessToken, "RT2": second.RefreshToken})
	tsecWantError(t, f.refresh(t, f.e, "web", second.RefreshToken), "invalid_grant")
}

// R07: at most one of two parallel refreshes wins, and the grant ends up
// revoked — the winner's new tokens too, even when the loser is answered
// before they are stored.
func tsecR07(t *testing.T, f *tsecFixture) {
	for _, n := range []int{2, 50} {
		t.Run(fmt.Sprintf("%d_parallel", n), func(t *testing.T) {
			first := f.webTokens(t)
			f.race(t, f.request(t, "web", "grant_type", "refresh_token", "refresh_token", first.RefreshToken), n)
			f.wantRevoked(t, map[string]string{"AT1": first.AccessToken, "RT1": first.RefreshToken})
		})
	}
	t.Run("replay_before_the_winner_stores_its_tokens", func(t *testing.T) {
		first := f.webTokens(t)
		f.replayDuringIssue(t, f.request(t, "web", "grant_type", "refresh_token", "refresh_token", first.RefreshToken))
		f.wantRevoked(t, map[string]string{"AT1": first.AccessToken, "RT1": first.RefreshToken})
	})
}

// R08: no grace window: a refresh token two generations old revokes the
// family as R06 does.
func tsecR08(t *testing.T, f *tsecFixture) {
	first := f.webTokens(t)
	second := f.refresh(t, f.e, "web", first.RefreshToken)
	tsecWantOK(t, second)
	third := f.refresh(t, f.e, "web", second.RefreshToken)
	tsecWantOK(t, third)
	tsecWantError(t, f.refresh(t, f.e, "web", first.RefreshToken), "invalid_grant")
	f.wantRevoked(t, map[string]string{"AT2": second.AccessToken, "AT3": third.AccessToken, "RT3": third.RefreshToken})
	tsecWantError(t, f.refresh(t, f.e, "web", third.RefreshToken), "invalid_grant")
}

// R11: a refresh token outlives no change of the client's registration: a
// client no longer registered for refresh_token, or no longer allowed the
// offline_access scope it holds, cannot refresh.
func tsecR11(t *testing.T, f *tsecFixture) {
	body := func(alias string, grants, scopes []string) map[string]any {
		return map[string]any{"clientName": alias, "clientType": "CONFIDENTIAL", "clientIdAlias": alias, "redirectUris": []string{tsecWebCB},
			"grantTypes": grants, "extension": map[string]any{"requestableScopesEnabled": true, "requestableScopes": scopes}}
	}
	codeAndRefresh := []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN"}
	offline := []string{"openid", "profile", "offline_access"}
	tokens := func(t *testing.T, alias string) tsecAnswer {
		a := f.redeem(t, f.e, f.a, alias, f.code(t, f.a, tsecAuthzQuery(alias, tsecWebCB, "openid offline_access", true)))
		tsecWantOK(t, a)
		if a.RefreshToken == "" {
			t.Fatalf("no refresh token: %s", a.ResponseContent)
		}
		return a
	}
	t.Run("refresh_token_grant_withdrawn", func(t *testing.T) {
		f.newClient(t, f.a, "r11-grant", body("r11-grant", codeAndRefresh, offline))
		a := tokens(t, "r11-grant")
		f.updateClient(t, "r11-grant", body("r11-grant", []string{"AUTHORIZATION_CODE"}, offline))
		tsecWantError(t, f.refresh(t, f.e, "r11-grant", a.RefreshToken), "unauthorized_client")
	})
	t.Run("offline_access_withdrawn", func(t *testing.T) {
		f.newClient(t, f.a, "r11-scope", body("r11-scope", codeAndRefresh, offline))
		a := tokens(t, "r11-scope")
		f.updateClient(t, "r11-scope", body("r11-scope", codeAndRefresh, []string{"openid", "profile"}))
		tsecWantError(t, f.refresh(t, f.e, "r11-scope", a.RefreshToken), "invalid_scope")
	})
}

// R12: OIDC Core §12.2: same iss, sub, aud and auth_time; a fresh iat; no
// nonce.
func tsecR12(t *testing.T, f *tsecFixture) {
	a := f.webTokens(t)
	before := f.idClaims(t, a.IDToken)
	r := f.refresh(t, f.router(t, 2*time.Minute), "web", a.RefreshToken)
	tsecWantOK(t, r)
	if r.IDToken == "" {
		t.Fatalf("no ID token on refresh: %s", r.ResponseContent)
	}
	after := f.idClaims(t, r.IDToken)
	if before["nonce"] != "n-1" {
		t.Errorf("first ID token nonce %v", before["nonce"])
	}
	for _, k := range []string{"iss", "sub", "aud", "auth_time"} {
		if fmt.Sprint(after[k]) != fmt.Sprint(before[k]) {
			t.Errorf("%s: %v after refresh, %v before", k, after[k], before[k])
		}
	}
	if after["iss"] != tsecIssuerA || after["sub"] != tsecSubject || after["aud"] != "web" ||
		after["auth_time"] != float64(f.authTime) {
		t.Errorf("refreshed ID token claims %v", after)
	}
	if iat, _ := after["iat"].(float64); before["iat"] == nil || iat <= before["iat"].(float64) {
		t.Errorf("iat %v, want later than %v", after["iat"], before["iat"])
	}
	if _, ok := after["nonce"]; ok {
		t.Errorf("a refreshed ID token carries nonce %v", after["nonce"])
	}
}

// R13: client_credentials is the confidential client's own; its answer has
// no refresh token and no ID token, even for a client registered for
// refresh_token and asking for openid offline_access.
func tsecR13(t *testing.T, f *tsecFixture) {
	tsecWantError(t, f.token(t, f.e, f.a, "spa", "grant_type", "client_credentials"), "unauthorized_client")
	a := f.token(t, f.e, f.a, "web", "grant_type", "client_credentials", "scope", "openid profile offline_access")
	tsecWantOK(t, a)
	if _, ok := a.content["refresh_token"]; ok || a.RefreshToken != "" || a.IDToken != "" {
		t.Errorf("client_credentials answered %s", a.ResponseContent)
	}
	if a.content["scope"] != "profile" || a.GrantType != "CLIENT_CREDENTIALS" {
		t.Errorf("client_credentials answered %s, %+v", a.ResponseContent, a.tokenJSON)
	}
}

// R14: a client cannot pass for an end-user: it cannot choose its client
// ID, and a client_credentials token has no subject at all, even for a
// client whose alias equals a user's sub.
func tsecR14(t *testing.T, f *tsecFixture) {
	c := f.newClient(t, f.a, tsecSubject, map[string]any{"clientId": 4242, "clientName": "Impostor", "clientType": "CONFIDENTIAL",
		"clientIdAlias": tsecSubject, "grantTypes": []string{"CLIENT_CREDENTIALS"}, "responseTypes": []string{}})
	if c.ClientID == 4242 {
		t.Error("the client chose its own client ID")
	}
	a := f.token(t, f.e, f.a, tsecSubject, "grant_type", "client_credentials")
	tsecWantOK(t, a)
	if a.Subject != "" {
		t.Errorf("client_credentials token has subject %q", a.Subject)
	}
	sum := sha256.Sum256([]byte(a.AccessToken))
	tok, err := f.st.GetToken(context.Background(), f.a.apiKey, base64.RawURLEncoding.EncodeToString(sum[:]))
	if err != nil || tok.Subject != "" || tok.ClientID != c.ClientID {
		t.Errorf("stored token %+v (%v): want no subject, client %d", tok, err, c.ClientID)
	}
}
