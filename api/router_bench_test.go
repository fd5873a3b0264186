package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
	"github.com/gatehouse-oss/gatehouse/store/mongostore"
	"github.com/gatehouse-oss/gatehouse/store/mongostore/mongotest"
)

// Benchmarks of the runtime APIs through the real router (middleware,
// service authentication, binding, JSON) with httptest: no network, so they
// show what the HTTP layer adds to the engine's own cost (see the service
// benchmarks) and, against BenchmarkRouterBare, how far each API is from a
// bare echo handler. Each runs on memstore and, when
// GATEHOUSE_TEST_MONGO_URI is set, on mongostore. No Test function lives
// here, so `go test` without -bench runs none of it.

// routerBenchRedirectURI is the redirect URI of the benchmark client.
const routerBenchRedirectURI = "https://app.example.com/cb"

// routerBenchVerifier is the PKCE code verifier of every benchmark flow.
const routerBenchVerifier = "bench-verifier-bench-verifier-bench-verifier-0123"

// routerBench is the router of an engine with one service and one
// confidential client_secret_basic client ("web") allowed the code,
// refresh and client credentials grants.
type routerBench struct {
	h                      http.Handler
	apiKey, apiSecret      string
	clientID, clientSecret string
}

// routerBenchEachStore runs bench on a fresh memstore fixture and on a
// fresh MongoDB fixture. Benchmarks use b.Loop, so each fixture is made
// once.
func routerBenchEachStore(b *testing.B, bench func(*testing.B, *routerBench)) {
	b.Run("memstore", func(b *testing.B) {
		bench(b, newRouterBench(b, memstore.New()))
	})
	b.Run("mongo", func(b *testing.B) {
		db := mongotest.New(b)
		st, err := mongostore.Open(b.Context(), mongostore.Config{URI: db.URI, Database: db.Name})
		if err != nil {
			b.Fatalf("open mongostore: %v", err)
		}
		b.Cleanup(func() { _ = st.Close(context.Background()) })
		bench(b, newRouterBench(b, st))
	})
}

func newRouterBench(b *testing.B, st store.Store) *routerBench {
	b.Helper()
	// As `go run .` and the deployments run it: with the configuration cache.
	e, err := service.New(service.Config{Store: st, ConfigCacheTTL: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	in := service.ServiceDefaults()
	in.ServiceName, in.Issuer = "Bench", "https://as.example.com"
	svc, apiSecret, err := e.CreateService(b.Context(), in)
	if err != nil {
		b.Fatalf("CreateService: %v", err)
	}
	c, secret, err := e.CreateClient(b.Context(), svc, store.Client{
		ClientName: "Bench web", ClientType: oauth.ClientConfidential,
		ClientIDAlias: "web", ClientIDAliasEnabled: true,
		RedirectURIs: []string{routerBenchRedirectURI},
		GrantTypes:   []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken, oauth.GrantClientCredentials},
	})
	if err != nil {
		b.Fatalf("CreateClient: %v", err)
	}
	return &routerBench{
		h:      New(Config{Engine: e}),
		apiKey: strconv.FormatInt(svc.APIKey, 10), apiSecret: apiSecret,
		clientID: strconv.FormatInt(c.ClientID, 10), clientSecret: secret,
	}
}

// post sends a JSON body as the service and returns the answer's body,
// failing unless the status is 200 and the action is want.
func (r *routerBench) post(b *testing.B, path, body, want string) []byte {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.SetBasicAuth(r.apiKey, r.apiSecret)
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(`"action":"`+want+`"`)) {
		b.Fatalf("%s: %d %s; want action %s", path, rec.Code, rec.Body, want)
	}
	return rec.Body.Bytes()
}

// routerBenchField reads a string member of a JSON answer without decoding
// the whole answer, so that the client side of a flow costs next to
// nothing. The values read (tickets, codes, tokens) need no unescaping.
func routerBenchField(b *testing.B, body []byte, name string) string {
	_, rest, ok := bytes.Cut(body, []byte(`"`+name+`":"`))
	v, _, closed := bytes.Cut(rest, []byte(`"`))
	if !ok || !closed {
		b.Fatalf("no %s in %s", name, body)
	}
	return string(v)
}

func (r *routerBench) clientCredentialsBody() string {
	return `{"parameters":"grant_type=client_credentials&scope=profile","clientId":"` + r.clientID + `","clientSecret":"` + r.clientSecret + `"}`
}

func (r *routerBench) accessToken(b *testing.B) string {
	return routerBenchField(b, r.post(b, "/api/auth/token", r.clientCredentialsBody(), "OK"), "accessToken")
}

// BenchmarkRouterBare is the reference of the ratios: a bare echo handler
// answering a small JSON object to the same request, the in-process twin of
// scripts/refserver.
func BenchmarkRouterBare(b *testing.B) {
	e := echo.New()
	e.POST("/api/bare", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"action": "OK"})
	})
	r := &routerBench{h: e, apiKey: "1", apiSecret: "secret"}
	for b.Loop() {
		r.post(b, "/api/bare", `{"token":"x","scopes":["profile"]}`, "OK")
	}
}

func BenchmarkRouterClientCredentials(b *testing.B) {
	routerBenchEachStore(b, func(b *testing.B, r *routerBench) {
		body := r.clientCredentialsBody()
		for b.Loop() {
			r.post(b, "/api/auth/token", body, "OK")
		}
	})
}

func BenchmarkRouterIntrospection(b *testing.B) {
	routerBenchEachStore(b, func(b *testing.B, r *routerBench) {
		body := `{"token":"` + r.accessToken(b) + `","scopes":["profile"]}`
		for b.Loop() {
			r.post(b, "/api/auth/introspection", body, "OK")
		}
	})
}

func BenchmarkRouterIntrospectionStandard(b *testing.B) {
	routerBenchEachStore(b, func(b *testing.B, r *routerBench) {
		body := `{"parameters":"token=` + r.accessToken(b) + `"}`
		for b.Loop() {
			r.post(b, "/api/auth/introspection/standard", body, "OK")
		}
	})
}

// BenchmarkRouterCodeFlow is one whole authorization code flow without an
// ID token per iteration: /auth/authorization, /auth/authorization/issue
// and /auth/token, as a frontend makes them.
func BenchmarkRouterCodeFlow(b *testing.B) {
	routerBenchEachStore(b, func(b *testing.B, r *routerBench) {
		challenge := sha256.Sum256([]byte(routerBenchVerifier))
		authz := `{"parameters":"` + url.Values{"response_type": {"code"}, "client_id": {r.clientID},
			"redirect_uri": {routerBenchRedirectURI}, "scope": {"profile"}, "state": {"st-1"},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(challenge[:])}, "code_challenge_method": {"S256"}}.Encode() + `"}`
		for b.Loop() {
			ticket := routerBenchField(b, r.post(b, "/api/auth/authorization", authz, "INTERACTION"), "ticket")
			issued := r.post(b, "/api/auth/authorization/issue", `{"ticket":"`+ticket+`","subject":"alice"}`, "LOCATION")
			code := routerBenchField(b, issued, "authorizationCode")
			r.post(b, "/api/auth/token", `{"parameters":"grant_type=authorization_code&code=`+code+
				`&redirect_uri=`+url.QueryEscape(routerBenchRedirectURI)+`&code_verifier=`+routerBenchVerifier+
				`","clientId":"`+r.clientID+`","clientSecret":"`+r.clientSecret+`"}`, "OK")
		}
	})
}
