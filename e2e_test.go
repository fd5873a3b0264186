package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	gatehouse "github.com/gatehouse-oss/gatehouse/sdk"
	"github.com/gatehouse-oss/gatehouse/store/mongostore/mongotest"
)

// The end-to-end tests drive the real engine, through a real frontend, with
// the OAuth 2.0 and OpenID Connect client libraries applications use.

// frontend is the smallest Gatehouse frontend, built on the SDK: it owns
// the OAuth endpoints of one service and relays each request to the engine.
// Its only user, already signed in, is user; there is no login or consent
// page: every interaction is approved at once.
type frontend struct {
	fe   *gatehouse.Frontend
	user string
}

func (f *frontend) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/authorize", f.fe.AuthorizationHandler(f))
	mux.Handle("/token", f.fe.TokenHandler(gatehouse.TokenOptions{}))
	mux.Handle("/.well-known/openid-configuration", f.fe.DiscoveryHandler())
	mux.Handle("/jwks", f.fe.JWKSHandler())
	return mux
}

// Interaction implements gatehouse.Interactor: the user has a session, so
// sign them in without a page.
func (f *frontend) Interaction(w http.ResponseWriter, r *http.Request, res *gatehouse.AuthorizationResponse) {
	f.fe.Issue(w, r, gatehouse.AuthorizationIssueRequest{Ticket: res.Ticket, Subject: f.user, AuthTime: time.Now().Unix()})
}

// NoInteraction implements gatehouse.Interactor, as Interaction.
func (f *frontend) NoInteraction(w http.ResponseWriter, r *http.Request, res *gatehouse.AuthorizationResponse) {
	f.Interaction(w, r, res)
}

// testbed is an engine, a service created on it by the operator, and the
// service's frontend, whose URL is the service's issuer.
type testbed struct {
	issuer  string
	apiKey  int64
	service *gatehouse.Client
}

// The operator's credentials of the test engines.
const (
	e2eAdminKey    = "op"
	e2eAdminSecret = "operator-secret-of-the-e2e-tests"
)

func newTestbed(t *testing.T, cfg config) testbed {
	t.Helper()
	cfg.AdminKey, cfg.AdminSecret, cfg.LogLevel = e2eAdminKey, e2eAdminSecret, slog.LevelError
	base, out := startEngine(t, cfg)
	if strings.Contains(out.String(), "Demo service") {
		t.Fatalf("the demo tenant is on:\n%s", out)
	}
	// The frontend's address is known before it serves, so that the service
	// can name it as its issuer.
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	issuer := "http://" + srv.Listener.Addr().String()
	admin := &gatehouse.Client{BaseURL: base, Key: e2eAdminKey, Secret: e2eAdminSecret}
	var svc struct {
		APIKey    int64  `json:"apiKey"`
		APISecret string `json:"apiSecret"`
	}
	body := map[string]any{
		"serviceName":           "End to end",
		"issuer":                issuer,
		"authorizationEndpoint": issuer + "/authorize",
		"tokenEndpoint":         issuer + "/token",
		"jwksUri":               issuer + "/jwks",
		"supportedScopes": []map[string]any{
			{"name": "openid"}, {"name": "profile"}, {"name": "orders.read"},
		},
	}
	if err := admin.Do(t.Context(), http.MethodPost, "/api/service/create", body, &svc); err != nil {
		t.Fatalf("create service: %v", err)
	}
	service := &gatehouse.Client{BaseURL: base, Key: fmt.Sprint(svc.APIKey), Secret: svc.APISecret}
	srv.Config.Handler = (&frontend{fe: &gatehouse.Frontend{Client: service}, user: "alice"}).routes()
	srv.Start()
	return testbed{issuer: issuer, apiKey: svc.APIKey, service: service}
}

// noDemo is a config whose empty seed keeps the demo tenant off memstore.
func noDemo(t *testing.T) config {
	seed := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seed, []byte(`{"services":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return config{MongoDB: "gatehouse", SeedFile: seed}
}

// newClient registers a client and returns its ID and secret.
func (b testbed) newClient(t *testing.T, body map[string]any) (id, secret string) {
	t.Helper()
	var c struct {
		ClientID     int64  `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	if err := b.service.Do(t.Context(), http.MethodPost, "/api/client/create", body, &c); err != nil {
		t.Fatalf("create client %v: %v", body["clientName"], err)
	}
	return fmt.Sprint(c.ClientID), c.ClientSecret
}

const redirectURI = "http://127.0.0.1/callback"

// webClient registers a confidential web client with the code, refresh and
// client credentials grants.
func (b testbed) webClient(t *testing.T, scopes ...string) *oauth2.Config {
	t.Helper()
	id, secret := b.newClient(t, map[string]any{
		"clientName": "Web", "clientType": "CONFIDENTIAL", "redirectUris": []string{redirectURI},
		"grantTypes": []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS"},
	})
	return &oauth2.Config{
		ClientID: id, ClientSecret: secret, RedirectURL: redirectURI, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: b.issuer + "/authorize", TokenURL: b.issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
}

// authorize plays the user agent: it follows the authorization request
// until the redirect to the client, and returns the code of that redirect.
func (b testbed) authorize(t *testing.T, conf *oauth2.Config, opts ...oauth2.AuthCodeOption) string {
	t.Helper()
	ua := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), conf.RedirectURL) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	state := rand.Text()
	resp, err := ua.Get(conf.AuthCodeURL(state, opts...))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorization: %s %s, want a redirect to the client", resp.Status, body)
	}
	q := loc.Query()
	loc.RawQuery = ""
	switch {
	case loc.String() != conf.RedirectURL:
		t.Fatalf("redirected to %s, want %s", loc, conf.RedirectURL)
	case q.Get("error") != "":
		t.Fatalf("authorization error: %s: %s", q.Get("error"), q.Get("error_description"))
	case q.Get("state") != state, q.Get("iss") != b.issuer, q.Get("code") == "":
		t.Fatalf("authorization response %v: want the state, iss %s (RFC 9207) and a code", q, b.issuer)
	}
	return q.Get("code")
}

// refresh exchanges a refresh token through a TokenSource, as a client
// whose access token has expired does.
func refresh(t *testing.T, conf *oauth2.Config, refreshToken string) (*oauth2.Token, error) {
	return conf.TokenSource(t.Context(), &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Now().Add(-time.Minute)}).Token()
}

// wantOAuthError checks that err is the token endpoint's error answer.
func wantOAuthError(t *testing.T, what string, err error, code string, status int) *oauth2.RetrieveError {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("%s: %v, want %s", what, err, code)
	}
	if re.ErrorCode != code || re.Response.StatusCode != status {
		t.Fatalf("%s: HTTP %d %q (%s), want %d %s", what, re.Response.StatusCode, re.ErrorCode, re.ErrorDescription, status, code)
	}
	if cc := re.Response.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", what, cc)
	}
	return re
}

func TestOAuth2ClientEndToEnd(t *testing.T) {
	b := newTestbed(t, noDemo(t))
	ctx := t.Context()

	// The relying party configures itself from the discovery document.
	provider, err := oidc.NewProvider(ctx, b.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	conf := b.webClient(t, oidc.ScopeOpenID, "profile")
	if ep := provider.Endpoint(); ep.AuthURL != conf.Endpoint.AuthURL || ep.TokenURL != conf.Endpoint.TokenURL {
		t.Fatalf("discovered endpoints %+v, want %+v", ep, conf.Endpoint)
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: conf.ClientID})

	t.Run("authorization code with PKCE", func(t *testing.T) {
		// A code is bound to its challenge (RFC 7636 §4.6).
		bound := b.authorize(t, conf, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
		_, err := conf.Exchange(ctx, bound, oauth2.VerifierOption(oauth2.GenerateVerifier()))
		wantOAuthError(t, "a code with another verifier", err, "invalid_grant", http.StatusBadRequest)

		pkce, nonce := oauth2.GenerateVerifier(), rand.Text()
		code := b.authorize(t, conf, oauth2.S256ChallengeOption(pkce), oidc.Nonce(nonce))
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		rawID, _ := tok.Extra("id_token").(string)
		if tok.AccessToken == "" || tok.RefreshToken == "" || rawID == "" || tok.TokenType != "Bearer" {
			t.Fatalf("token response %+v: want access, refresh and ID tokens", tok)
		}
		idt, err := verifier.Verify(ctx, rawID)
		if err != nil {
			t.Fatalf("ID token: %v", err)
		}
		if idt.Nonce != nonce || idt.Subject != "alice" {
			t.Errorf("ID token nonce %q sub %q, want %q alice", idt.Nonce, idt.Subject, nonce)
		}
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			t.Errorf("at_hash: %v", err)
		}

		// The access token has expired: the TokenSource refreshes, and the
		// refresh token is rotated.
		old := tok.RefreshToken
		tok.Expiry = time.Now().Add(-time.Minute)
		fresh, err := conf.TokenSource(ctx, tok).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == "" || fresh.RefreshToken == old {
			t.Fatalf("refresh answered %+v: want a new access token and a rotated refresh token", fresh)
		}
		if rawID, _ := fresh.Extra("id_token").(string); rawID != "" {
			if idt, err := verifier.Verify(ctx, rawID); err != nil || idt.Subject != "alice" {
				t.Errorf("refreshed ID token: %v, %v", idt, err)
			}
		}

		// Reuse of the rotated-out token is a theft signal: refused, and
		// the whole family revoked (RFC 9700 §4.14.2).
		_, err = refresh(t, conf, old)
		wantOAuthError(t, "reuse of a rotated refresh token", err, "invalid_grant", http.StatusBadRequest)
		_, err = refresh(t, conf, fresh.RefreshToken)
		wantOAuthError(t, "the current refresh token after a reuse", err, "invalid_grant", http.StatusBadRequest)
	})

	t.Run("client credentials", func(t *testing.T) {
		cc := clientcredentials.Config{
			ClientID: conf.ClientID, ClientSecret: conf.ClientSecret, TokenURL: conf.Endpoint.TokenURL,
			Scopes: []string{"orders.read"}, AuthStyle: oauth2.AuthStyleInHeader,
		}
		tok, err := cc.Token(ctx)
		if err != nil {
			t.Fatalf("client credentials: %v", err)
		}
		if tok.AccessToken == "" || tok.RefreshToken != "" || tok.Extra("scope") != "orders.read" || tok.Extra("id_token") != nil {
			t.Errorf("client credentials answered %+v, scope %v: want an access token for orders.read only", tok, tok.Extra("scope"))
		}
		cc.ClientSecret += "x"
		_, err = cc.Token(ctx)
		re := wantOAuthError(t, "a wrong secret", err, "invalid_client", http.StatusUnauthorized)
		if got := re.Response.Header.Get("WWW-Authenticate"); got != `Basic realm="gatehouse"` {
			t.Errorf("WWW-Authenticate %q, want a Basic challenge", got)
		}
	})

	t.Run("private_key_jwt", func(t *testing.T) {
		// The key set is registered inline: the engine fetches a jwksUri
		// only from public addresses, and this test has none.
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		public := jose.JSONWebKey{Key: &key.PublicKey, KeyID: "batch-1", Algorithm: string(jose.ES256), Use: "sig"}
		jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{public}})
		if err != nil {
			t.Fatal(err)
		}
		id, _ := b.newClient(t, map[string]any{
			"clientName": "Batch", "clientType": "CONFIDENTIAL", "grantTypes": []string{"CLIENT_CREDENTIALS"},
			"tokenAuthMethod": "PRIVATE_KEY_JWT", "jwks": string(jwks),
		})
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: public.KeyID}},
			(&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		assertion, err := jwt.Signed(signer).Claims(jwt.Claims{
			Issuer: id, Subject: id, Audience: jwt.Audience{b.issuer}, ID: rand.Text(),
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute)),
		}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		cc := clientcredentials.Config{
			ClientID: id, TokenURL: conf.Endpoint.TokenURL, Scopes: []string{"orders.read"}, AuthStyle: oauth2.AuthStyleInParams,
			EndpointParams: url.Values{
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
				"client_assertion":      {assertion},
			},
		}
		tok, err := cc.Token(ctx)
		if err != nil {
			t.Fatalf("client credentials with private_key_jwt: %v", err)
		}
		if tok.AccessToken == "" || tok.Extra("scope") != "orders.read" {
			t.Errorf("answered %+v", tok)
		}
		// An assertion is single use (RFC 7523 §3 item 7).
		_, err = cc.Token(ctx)
		wantOAuthError(t, "a replayed client assertion", err, "invalid_client", http.StatusUnauthorized)
	})
}

// tokenHash is how the engine stores a token: base64url SHA-256 of it.
func tokenHash(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// stored reports whether the raw token is in the tokens collection, that
// is, not revoked.
func (b testbed) stored(t *testing.T, db mongotest.Database, raw string) bool {
	t.Helper()
	n, err := db.DB.Collection("tokens").CountDocuments(t.Context(),
		bson.D{{Key: "serviceId", Value: b.apiKey}, {Key: "hash", Value: tokenHash(raw)}})
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// TestRevocationOnMongo shows the single-use rules on the production backend:
// a replayed code or refresh token revokes what came from it, and a code
// redeemed concurrently is redeemed once.
func TestRevocationOnMongo(t *testing.T) {
	db := mongotest.New(t)
	b := newTestbed(t, config{MongoURI: db.URI, MongoDB: db.Name, MasterKey: make([]byte, 32)})
	ctx := t.Context()
	conf := b.webClient(t, oidc.ScopeOpenID)
	// login runs the code flow to the token response; replay redeems the
	// code once more.
	login := func(t *testing.T) (tok *oauth2.Token, replay func() error) {
		t.Helper()
		pkce := oauth2.GenerateVerifier()
		code := b.authorize(t, conf, oauth2.S256ChallengeOption(pkce))
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		if !b.stored(t, db, tok.AccessToken) || !b.stored(t, db, tok.RefreshToken) {
			t.Fatal("issued tokens are not stored under their hash")
		}
		return tok, func() error {
			_, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
			return err
		}
	}

	t.Run("reused code", func(t *testing.T) {
		tok, replay := login(t)
		wantOAuthError(t, "second use of a code", replay(), "invalid_grant", http.StatusBadRequest)
		if b.stored(t, db, tok.AccessToken) {
			t.Error("the access token of a reused code is not revoked")
		}
		_, err := refresh(t, conf, tok.RefreshToken)
		wantOAuthError(t, "refresh token of a reused code", err, "invalid_grant", http.StatusBadRequest)
	})

	t.Run("reused refresh token", func(t *testing.T) {
		first, _ := login(t)
		second, err := refresh(t, conf, first.RefreshToken)
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		_, err = refresh(t, conf, first.RefreshToken)
		wantOAuthError(t, "reuse of a rotated refresh token", err, "invalid_grant", http.StatusBadRequest)
		_, err = refresh(t, conf, second.RefreshToken)
		wantOAuthError(t, "the current refresh token after a reuse", err, "invalid_grant", http.StatusBadRequest)
		for i, at := range []string{first.AccessToken, second.AccessToken} {
			if b.stored(t, db, at) {
				t.Errorf("access token %d of the family survived the reuse", i+1)
			}
		}
	})

	t.Run("concurrent redemptions", func(t *testing.T) {
		const n = 20
		pkce := oauth2.GenerateVerifier()
		code := b.authorize(t, conf, oauth2.S256ChallengeOption(pkce))
		toks, errs := make([]*oauth2.Token, n), make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				toks[i], errs[i] = conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
			})
		}
		close(start)
		wg.Wait()
		var won []*oauth2.Token
		for i, err := range errs {
			if err == nil {
				won = append(won, toks[i])
				continue
			}
			wantOAuthError(t, "a losing redemption", err, "invalid_grant", http.StatusBadRequest)
		}
		if len(won) != 1 {
			t.Fatalf("%d of %d concurrent redemptions of one code succeeded, want exactly 1", len(won), n)
		}
		// Every loser was a replay; one more, after the race, revokes
		// whatever the winner got.
		_, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
		wantOAuthError(t, "a redemption after the race", err, "invalid_grant", http.StatusBadRequest)
		if b.stored(t, db, won[0].AccessToken) {
			t.Error("the winner's access token survived a replay of its code")
		}
		_, err = refresh(t, conf, won[0].RefreshToken)
		wantOAuthError(t, "the winner's refresh token after a replay", err, "invalid_grant", http.StatusBadRequest)
	})
}
