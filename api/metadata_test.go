package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// relay is a minimal frontend: it republishes the engine's discovery
// document and JWK Set of one service, exactly as a real frontend would.
type relay struct {
	*httptest.Server
	engine      http.Handler
	key, secret string
}

func newRelay(t *testing.T, engine http.Handler) *relay {
	r := &relay{engine: engine}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		paths := map[string]string{
			"/.well-known/openid-configuration": "/api/service/configuration",
			"/jwks":                             "/api/service/jwks/get",
		}
		path, ok := paths[req.URL.Path]
		if !ok {
			http.NotFound(w, req)
			return
		}
		call := httptest.NewRequest(http.MethodGet, path, nil)
		call.SetBasicAuth(r.key, r.secret)
		rec := httptest.NewRecorder()
		r.engine.ServeHTTP(rec, call)
		checkContract(t, call, nil, rec)
		w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
		w.WriteHeader(rec.Code)
		_, _ = io.Copy(w, rec.Body)
	}))
	t.Cleanup(r.Close)
	return r
}

// oidcFixture is an engine, its router, and a service whose issuer is a
// relaying frontend.
type oidcFixture struct {
	m      *mgmt
	engine *service.Engine
	relay  *relay
	svc    store.Service
}

func newOIDCFixture(t *testing.T, st store.Store, engine *service.Engine) *oidcFixture {
	t.Helper()
	e := New(Config{Engine: engine, AdminKey: mgmtAdminKey, AdminSecret: mgmtAdminSecret})
	f := &oidcFixture{m: &mgmt{t: t, e: e}, engine: engine, relay: newRelay(t, e)}
	var out serviceJSON
	body := fmt.Sprintf(`{"serviceName":"Shop","issuer":%q,"jwksUri":%q,"tokenEndpoint":%q,"authorizationEndpoint":%q}`,
		f.relay.URL, f.relay.URL+"/jwks", f.relay.URL+"/token", f.relay.URL+"/authorize")
	f.m.expect(f.m.json(http.MethodPost, "/api/service/create", mgmtAdminKey, mgmtAdminSecret, body), http.StatusCreated, &out)
	f.relay.key, f.relay.secret = fmt.Sprint(out.APIKey), out.APISecret
	var err error
	if f.svc, err = engine.GetService(context.Background(), out.APIKey); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *oidcFixture) sign(t *testing.T, alg, nonce string) string {
	t.Helper()
	c := store.Client{ClientID: 4242, IDTokenSignAlg: alg}
	raw, err := f.engine.SignIDToken(context.Background(), f.svc, c, service.IDToken{Subject: "alice", Nonce: nonce, Claims: map[string]any{"email": "alice@example.com"}})
	if err != nil {
		t.Fatalf("SignIDToken: %v", err)
	}
	return raw
}

// verifier configures go-oidc from nothing but the relay's discovery
// document, as a relying party would.
func (f *oidcFixture) verifier(t *testing.T, clientID string) *oidc.IDTokenVerifier {
	t.Helper()
	p, err := oidc.NewProvider(context.Background(), f.relay.URL)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return p.Verifier(&oidc.Config{ClientID: clientID, SupportedSigningAlgs: []string{"RS256", "ES256"}})
}

// TestIDTokensVerifyWithGoOIDC is the proof: an ID token from the
// builder verifies with go-oidc configured only from the discovery document
// and the JWK Set a frontend relays (issuer, audience, expiry and signature
// checked by go-oidc; the nonce compared as its documentation asks).
func TestIDTokensVerifyWithGoOIDC(t *testing.T) {
	st := memstore.New()
	master := make([]byte, service.MasterKeySize)
	now, err := service.New(service.Config{Store: st, MasterKey: master})
	if err != nil {
		t.Fatal(err)
	}
	f := newOIDCFixture(t, st, now)
	ctx := context.Background()
	for _, alg := range []string{"RS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			tok, err := f.verifier(t, "4242").Verify(ctx, f.sign(t, alg, "n-0S6"))
			if err != nil {
				t.Fatalf("go-oidc refused the token: %v", err)
			}
			var claims struct {
				Email string `json:"email"`
			}
			if err := tok.Claims(&claims); err != nil || tok.Subject != "alice" || tok.Nonce != "n-0S6" || claims.Email != "alice@example.com" {
				t.Errorf("token = %+v, claims %+v, %v", tok, claims, err)
			}
			if _, err := f.verifier(t, "9999").Verify(ctx, f.sign(t, alg, "")); err == nil || !strings.Contains(err.Error(), "audience") {
				t.Errorf("a token for another client must fail on its audience: %v", err)
			}
		})
	}

	// Expiry is go-oidc's check too: a token signed two hours ago is refused.
	past, err := service.New(service.Config{Store: st, MasterKey: master, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	old := &oidcFixture{engine: past, svc: f.svc}
	if _, err := f.verifier(t, "4242").Verify(ctx, old.sign(t, "RS256", "")); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired token must be refused: %v", err)
	}
}

// TestRotationKeepsOldTokensVerifiable: after POST /api/service/keys/rotate a
// token signed before still verifies against the published JWK Set, and new
// tokens carry a new kid.
func TestRotationKeepsOldTokensVerifiable(t *testing.T) {
	st := memstore.New()
	f := newOIDCFixture(t, st, testEngine(t, st))
	ctx := context.Background()
	before := f.sign(t, "RS256", "")

	var rotated struct {
		ResultCode string
		ActiveKeys []struct{ KID, Alg string }
	}
	f.m.expect(f.m.call(http.MethodPost, "/api/service/keys/rotate", f.relay.key, f.relay.secret, "", ""), http.StatusOK, &rotated)
	if rotated.ResultCode != "G003001" || len(rotated.ActiveKeys) != 2 {
		t.Fatalf("rotate = %+v", rotated)
	}
	after := f.sign(t, "RS256", "")
	v := f.verifier(t, "4242")
	for name, raw := range map[string]string{"before": before, "after": after} {
		if _, err := v.Verify(ctx, raw); err != nil {
			t.Errorf("token signed %s the rotation: %v", name, err)
		}
	}
	kid := func(raw string) string {
		var h struct{ Kid string }
		seg, _ := decodeSegment(strings.Split(raw, ".")[0])
		_ = json.Unmarshal(seg, &h)
		return h.Kid
	}
	if kid(before) == kid(after) {
		t.Fatal("the new token carries the old kid")
	}
	if got := kid(after); got != rotated.ActiveKeys[0].KID && got != rotated.ActiveKeys[1].KID {
		t.Errorf("new token kid %s is not among the reported active keys %+v", got, rotated.ActiveKeys)
	}
}

// TestTokenOfAnotherServiceFails is SECURITY M06: per-tenant issuers and keys.
func TestTokenOfAnotherServiceFails(t *testing.T) {
	st := memstore.New()
	engine := testEngine(t, st)
	a := newOIDCFixture(t, st, engine)
	b := newOIDCFixture(t, st, engine)
	if _, err := b.verifier(t, "4242").Verify(context.Background(), a.sign(t, "ES256", "")); err == nil {
		t.Fatal("service A's ID token verified against service B's metadata")
	}
}

func TestJWKSAndConfigurationAnswers(t *testing.T) {
	st := memstore.New()
	f := newOIDCFixture(t, st, testEngine(t, st))
	key, secret := f.relay.key, f.relay.secret

	rec := f.m.call(http.MethodGet, "/api/service/jwks/get?includePrivateKeys=true", key, secret, "", "")
	var body errorBody
	f.m.expect(rec, http.StatusBadRequest, &body)
	if body.ResultCode != "G003202" {
		t.Errorf("includePrivateKeys=true: %+v", body)
	}
	rec = f.m.call(http.MethodGet, "/api/service/jwks/get?pretty=true", key, secret, "", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "\n  \"keys\"") {
		t.Errorf("pretty JWK Set: %d %s", rec.Code, rec.Body)
	}
	for _, member := range []string{`"d"`, `"p"`, `"q"`, `"dp"`, `"dq"`, `"qi"`} {
		if strings.Contains(rec.Body.String(), member) {
			t.Errorf("the JWK Set holds %s", member)
		}
	}
	var meta map[string]any
	f.m.expect(f.m.call(http.MethodGet, "/api/service/configuration", key, secret, "", ""), http.StatusOK, &meta)
	if meta["issuer"] != f.relay.URL || meta["jwks_uri"] != f.relay.URL+"/jwks" || meta["authorization_response_iss_parameter_supported"] != true {
		t.Errorf("configuration = %v", meta)
	}
	if _, ok := meta["userinfo_endpoint"]; ok {
		t.Error("an endpoint the service did not set is advertised")
	}
	f.m.expect(f.m.call(http.MethodGet, "/api/service/configuration?pretty=maybe", key, secret, "", ""), http.StatusBadRequest, &body)
	if body.ResultCode != "G000207" {
		t.Errorf("pretty=maybe: %+v", body)
	}
	// Service credentials only: the operator's are refused here.
	f.m.expect(f.m.call(http.MethodGet, "/api/service/configuration", mgmtAdminKey, mgmtAdminSecret, "", ""), http.StatusUnauthorized, nil)
}

func decodeSegment(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
