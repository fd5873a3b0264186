package service

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// assertKey is a key a test client signs its assertions with.
type assertKey struct {
	alg  jose.SignatureAlgorithm
	kid  string // "" signs without a kid header
	priv crypto.Signer
}

func (k assertKey) withAlg(alg jose.SignatureAlgorithm) assertKey { k.alg = alg; return k }
func (k assertKey) withKID(kid string) assertKey                  { k.kid = kid; return k }

// public is the key as a client registers it.
func (k assertKey) public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid, Use: "sig"}
}

func (k assertKey) sign(t *testing.T, claims map[string]any) string {
	t.Helper()
	var key any = k.priv
	if k.kid != "" {
		key = jose.JSONWebKey{Key: k.priv, KeyID: k.kid}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatalf("sign assertion: %v", err)
	}
	return raw
}

// testAssertKeys are generated once: RSA key generation is slow under -race.
var testAssertKeys = sync.OnceValue(func() map[string]assertKey {
	keys := map[string]assertKey{}
	for _, k := range []struct {
		name string
		alg  jose.SignatureAlgorithm
		bits int
	}{
		{"rsa", jose.RS256, 2048}, {"ec", jose.ES256, 0}, {"other", jose.RS256, 2048},
		{"stranger", jose.RS256, 2048}, {"rsa1024", jose.RS256, 1024}, {"rotated", jose.ES256, 0},
	} {
		var priv crypto.Signer
		var err error
		if k.alg == jose.ES256 {
			priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		} else {
			priv, err = rsa.GenerateKey(rand.Reader, k.bits)
		}
		if err != nil {
			panic(err)
		}
		keys[k.name] = assertKey{alg: k.alg, kid: k.name, priv: priv}
	}
	return keys
})

func jwksOf(t *testing.T, keys ...jose.JSONWebKey) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatalf("marshal JWK Set: %v", err)
	}
	return string(b)
}

var testJTISeq atomic.Int64

// assertionClaims are valid claims of client sub for svc at now.
func assertionClaims(svc store.Service, sub string, now time.Time) map[string]any {
	return map[string]any{
		"iss": sub, "sub": sub, "aud": svc.Issuer,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"jti": fmt.Sprintf("jti-%d", testJTISeq.Add(1)),
	}
}

// unsignedJWT builds header.payload.signature by hand, for algorithms no
// signer will produce.
func unsignedJWT(t *testing.T, header, claims map[string]any, sig string) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(claims) + "." + sig
}

type assertFixture struct {
	e             *Engine
	svc           store.Service
	client, other store.Client // 1001 (keys rsa, ec) and 1002 (key other, alias "other-app")
	keys          map[string]assertKey
}

func newAssertFixture(t *testing.T, now func() time.Time, st store.Store) *assertFixture {
	t.Helper()
	keys := testAssertKeys()
	svc := testService()
	svc.APIKey = 7
	svc.TokenEndpoint = "https://as.example.com/token"
	client := testClient(oauth.ClientConfidential)
	client.ServiceID, client.ClientID = svc.APIKey, 1001
	client.TokenAuthMethod = oauth.AuthPrivateKeyJWT
	client.JWKS = jwksOf(t, keys["rsa"].public(), keys["ec"].public())
	other := client
	other.ClientID, other.ClientIDAlias, other.ClientIDAliasEnabled = 1002, "other-app", true
	other.JWKS = jwksOf(t, keys["other"].public())
	return &assertFixture{
		e:      mustNew(t, Config{Store: st, Now: now}),
		svc:    svc,
		client: client,
		other:  other,
		keys:   keys,
	}
}

// isEngineError reports whether err is (or wraps) an *Error.
func isEngineError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

func TestClientAssertion(t *testing.T) {
	fx := newAssertFixture(t, func() time.Time { return testNow }, memstore.New())
	now := testNow
	k := fx.keys
	hsSecret := []byte("0123456789abcdef0123456789abcdef")
	// sign returns an assertion of client 1001 by key, with claims edited.
	sign := func(key assertKey, edit func(map[string]any)) func(t *testing.T) string {
		return func(t *testing.T) string {
			cl := assertionClaims(fx.svc, "1001", now)
			if edit != nil {
				edit(cl)
			}
			return key.sign(t, cl)
		}
	}
	set := func(claim string, v any) func(map[string]any) {
		return func(cl map[string]any) {
			if v == nil {
				delete(cl, claim)
			} else {
				cl[claim] = v
			}
		}
	}
	jwks := func(keys ...jose.JSONWebKey) func(c *store.Client) {
		return func(c *store.Client) { c.JWKS = jwksOf(t, keys...) }
	}
	at := func(d time.Duration) int64 { return now.Add(d).Unix() }

	cases := []struct {
		name      string
		assertion func(t *testing.T) string
		client    func(c *store.Client) // edits client 1001 for this case
		ok        bool
	}{
		{name: "valid RS256", assertion: sign(k["rsa"], nil), ok: true},
		{name: "valid ES256", assertion: sign(k["ec"], nil), ok: true},
		{name: "valid PS256", assertion: sign(k["rsa"].withAlg(jose.PS256), nil), ok: true},
		{name: "valid without kid", assertion: sign(k["ec"].withKID(""), nil), ok: true},
		{name: "aud is the token endpoint", assertion: sign(k["rsa"], set("aud", "https://as.example.com/token")), ok: true},
		{name: "aud array holds the issuer", assertion: sign(k["rsa"], set("aud", []string{"https://rp.example.com", "https://as.example.com"})), ok: true},
		{name: "exp passed within skew", assertion: sign(k["rsa"], func(cl map[string]any) { cl["iat"], cl["exp"] = at(-2*time.Minute), at(-30*time.Second) }), ok: true},
		{name: "iat ahead within skew", assertion: sign(k["rsa"], set("iat", at(30*time.Second))), ok: true},
		{name: "nbf ahead within skew", assertion: sign(k["rsa"], set("nbf", at(30*time.Second))), ok: true},
		{name: "no iat, short exp", assertion: sign(k["rsa"], set("iat", nil)), ok: true},
		{name: "alias when enabled", client: func(c *store.Client) { c.ClientIDAlias, c.ClientIDAliasEnabled = "app", true },
			assertion: sign(k["rsa"], func(cl map[string]any) { cl["iss"], cl["sub"] = "app", "app" }), ok: true},

		{name: "C13 signed by an unregistered key with a registered kid", assertion: sign(k["stranger"].withKID("rsa"), nil)},
		{name: "C13 signed by an unregistered key without kid", assertion: sign(k["stranger"].withKID(""), nil)},
		{name: "unknown kid", assertion: sign(k["stranger"], nil)},
		{name: "C13 alg none", assertion: func(t *testing.T) string {
			return unsignedJWT(t, map[string]any{"alg": "none"}, assertionClaims(fx.svc, "1001", now), "")
		}},
		{name: "C13 HS256 even with an oct key registered", client: func(c *store.Client) {
			c.JWKS = jwksOf(t, k["rsa"].public(), jose.JSONWebKey{Key: hsSecret, KeyID: "hs", Use: "sig"})
		}, assertion: func(t *testing.T) string {
			return assertKey{alg: jose.HS256, kid: "hs"}.signHMAC(t, hsSecret, assertionClaims(fx.svc, "1001", now))
		}},
		{name: "C13 alg other than the key's registered alg", client: func(c *store.Client) {
			pub := k["rsa"].public()
			pub.Algorithm = string(jose.RS256)
			c.JWKS = jwksOf(t, pub)
		}, assertion: sign(k["rsa"].withAlg(jose.PS256), nil)},
		{name: "key registered for encryption", client: func(c *store.Client) {
			pub := k["rsa"].public()
			pub.Use = "enc"
			c.JWKS = jwksOf(t, pub)
		}, assertion: sign(k["rsa"], nil)},
		{name: "registered JWK holds the private key", client: jwks(jose.JSONWebKey{Key: k["ec"].priv, KeyID: "ec", Use: "sig"}),
			assertion: sign(k["ec"], nil)},
		{name: "RSA key shorter than 2048 bits", client: jwks(k["rsa1024"].public()), assertion: sign(k["rsa1024"], nil)},
		{name: "C13 iss differs from sub", assertion: sign(k["rsa"], set("iss", "1002"))},
		{name: "C13 iss missing", assertion: sign(k["rsa"], set("iss", nil))},
		{name: "C13 sub missing", assertion: sign(k["rsa"], set("sub", nil))},
		{name: "sub of another client", assertion: sign(k["rsa"], func(cl map[string]any) { cl["iss"], cl["sub"] = "1002", "1002" })},
		{name: "alias when disabled", client: func(c *store.Client) { c.ClientIDAlias = "app" },
			assertion: sign(k["rsa"], func(cl map[string]any) { cl["iss"], cl["sub"] = "app", "app" })},
		{name: "C13 aud wrong", assertion: sign(k["rsa"], set("aud", "https://other-as.example.com"))},
		{name: "C13 aud missing", assertion: sign(k["rsa"], set("aud", nil))},
		{name: "aud empty string", assertion: sign(k["rsa"], set("aud", ""))},
		{name: "C13 exp missing", assertion: sign(k["rsa"], set("exp", nil))},
		{name: "C13 exp 5 min in the past", assertion: sign(k["rsa"], func(cl map[string]any) { cl["iat"], cl["exp"] = at(-10*time.Minute), at(-5*time.Minute) })},
		{name: "exp just past the skew", assertion: sign(k["rsa"], func(cl map[string]any) { cl["iat"], cl["exp"] = at(-10*time.Minute), at(-time.Minute) })},
		{name: "iat in the future", assertion: sign(k["rsa"], func(cl map[string]any) { cl["iat"], cl["exp"] = at(5*time.Minute), at(10*time.Minute) })},
		{name: "nbf in the future", assertion: sign(k["rsa"], set("nbf", at(5*time.Minute)))},
		{name: "lifetime too long", assertion: sign(k["rsa"], set("exp", at(2*time.Hour)))},
		{name: "no iat, exp too far", assertion: sign(k["rsa"], func(cl map[string]any) { delete(cl, "iat"); cl["exp"] = at(2 * time.Hour) })},
		{name: "C13 jti missing", assertion: sign(k["rsa"], set("jti", nil))},
		{name: "jti too long", assertion: sign(k["rsa"], set("jti", strings.Repeat("j", maxJTILength+1)))},
		{name: "sub not a string", assertion: sign(k["rsa"], func(cl map[string]any) { cl["iss"], cl["sub"] = 1001, 1001 })},
		{name: "assertion too large", assertion: sign(k["rsa"], set("pad", strings.Repeat("p", maxAssertionSize)))},
		{name: "not a JWT", assertion: func(*testing.T) string { return "not.a.jwt" }},
		{name: "client not registered for private_key_jwt", client: func(c *store.Client) { c.TokenAuthMethod = oauth.AuthClientSecretBasic },
			assertion: sign(k["rsa"], nil)},
		{name: "client without keys", client: func(c *store.Client) { c.JWKS = "" }, assertion: sign(k["rsa"], nil)},
		{name: "client jwks not a JWK Set", client: func(c *store.Client) { c.JWKS = `{"kty":"RSA"}` }, assertion: sign(k["rsa"], nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := fx.client
			if tc.client != nil {
				tc.client(&c)
			}
			err := fx.e.verifyClientAssertion(context.Background(), fx.svc, c, tc.assertion(t))
			if err != nil {
				t.Logf("refused: %v", err)
			}
			switch {
			case tc.ok && err != nil:
				t.Fatalf("valid assertion refused: %v", err)
			case !tc.ok && err == nil:
				t.Fatal("invalid assertion accepted")
			case isEngineError(err):
				t.Fatalf("invalid assertion reported as an engine error: %v", err)
			}
		})
	}
}

// signHMAC signs with a symmetric key, which no client may use.
func (k assertKey) signHMAC(t *testing.T, secret []byte, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: jose.JSONWebKey{Key: secret, KeyID: k.kid}}, nil)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestAssertionClientID(t *testing.T) {
	svc := testService()
	k := testAssertKeys()["ec"]
	cl := func(edit func(map[string]any)) map[string]any {
		c := assertionClaims(svc, "1001", testNow)
		if edit != nil {
			edit(c)
		}
		return c
	}
	cases := []struct {
		name, assertion, want string
	}{
		{"numeric id", k.sign(t, cl(nil)), "1001"},
		{"alias", k.sign(t, cl(func(c map[string]any) { c["iss"], c["sub"] = "my-app", "my-app" })), "my-app"},
		{"unverified: any signature will do", k.sign(t, cl(func(c map[string]any) { delete(c, "exp") })), "1001"},
		{"iss differs from sub", k.sign(t, cl(func(c map[string]any) { c["iss"] = "1002" })), ""},
		{"no sub", k.sign(t, cl(func(c map[string]any) { delete(c, "sub") })), ""},
		{"no iss", k.sign(t, cl(func(c map[string]any) { delete(c, "iss") })), ""},
		{"alg none", unsignedJWT(t, map[string]any{"alg": "none"}, cl(nil), ""), ""},
		{"HS256", unsignedJWT(t, map[string]any{"alg": "HS256"}, cl(nil), "c2ln"), ""},
		{"not a JWT", "garbage", ""},
		{"empty", "", ""},
		{"claims not JSON", "eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := assertionClientID(tc.assertion)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("assertionClientID = %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("assertionClientID = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestClientAssertionReplay: SECURITY C14. A jti is single use per client.
func TestClientAssertionReplay(t *testing.T) {
	fx := newAssertFixture(t, func() time.Time { return testNow }, memstore.New())
	ctx := context.Background()
	cl := assertionClaims(fx.svc, "1001", testNow)
	first := fx.keys["rsa"].sign(t, cl)
	if err := fx.e.verifyClientAssertion(ctx, fx.svc, fx.client, first); err != nil {
		t.Fatalf("first use: %v", err)
	}
	err := fx.e.verifyClientAssertion(ctx, fx.svc, fx.client, first)
	if err == nil || isEngineError(err) {
		t.Fatalf("replay: err = %v, want a plain error", err)
	}
	// A new assertion reusing the jti is a replay too.
	again := fx.keys["ec"].sign(t, cl)
	if err := fx.e.verifyClientAssertion(ctx, fx.svc, fx.client, again); err == nil {
		t.Fatal("reused jti in a new assertion accepted")
	}
	// The same jti is another client's to use.
	other := assertionClaims(fx.svc, "other-app", testNow)
	other["jti"] = cl["jti"]
	if err := fx.e.verifyClientAssertion(ctx, fx.svc, fx.other, fx.keys["other"].sign(t, other)); err != nil {
		t.Fatalf("same jti for another client: %v", err)
	}
	// The mark is the one the brief names: <client id>:<jti>, kind "jti".
	err = fx.e.store.Claim(ctx, fx.svc.APIKey, "jti", fmt.Sprintf("1002:%s", cl["jti"]), testNow.Add(time.Hour))
	if !errors.Is(err, store.ErrConsumed) {
		t.Fatalf("claim of 1002:jti = %v, want ErrConsumed", err)
	}
}

// claimOutageStore is a store whose ClaimStore is down.
type claimOutageStore struct{ *memstore.Store }

func (claimOutageStore) Claim(context.Context, int64, string, string, time.Time) error {
	return fmt.Errorf("fake claims: %w", store.ErrUnavailable)
}

func TestClientAssertionStoreOutage(t *testing.T) {
	fx := newAssertFixture(t, func() time.Time { return testNow }, claimOutageStore{memstore.New()})
	a := fx.keys["rsa"].sign(t, assertionClaims(fx.svc, "1001", testNow))
	err := fx.e.verifyClientAssertion(context.Background(), fx.svc, fx.client, a)
	if err == nil {
		t.Fatal("assertion accepted with the jti unrecorded")
	}
	if kind := kindOf(t, err); kind != KindUnavailable {
		t.Fatalf("kind = %v, want KindUnavailable", kind)
	}
}

// jwksServer is an httptest TLS server of JWK Sets that counts requests
// per path.
type jwksServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string]string
	hits   map[string]int
	delay  time.Duration
}

func newJWKSServer(t *testing.T) *jwksServer {
	t.Helper()
	s := &jwksServer{bodies: map[string]string{}, hits: map[string]int{}}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		body, ok := s.bodies[r.URL.Path]
		delay := s.delay
		s.mu.Unlock()
		time.Sleep(delay)
		switch {
		case r.URL.Path == "/redirect":
			http.Redirect(w, r, "/jwks", http.StatusFound)
		case r.URL.Path == "/chunked":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"keys":[]` + strings.Repeat(" ", maxJWKSBody)))
			w.(http.Flusher).Flush()
			w.Write([]byte("}"))
		case !ok:
			http.NotFound(w, r)
		default:
			w.Header().Set("Content-Type", "application/jwk-set+json")
			w.Write([]byte(body))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodies[path] = body
}

func (s *jwksServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// roots trusts the server's certificate.
func (s *jwksServer) roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(s.Certificate())
	return pool
}

// testFetcher fetches from s: private addresses allowed, its certificate trusted.
func (s *jwksServer) testFetcher() *jwksFetcher {
	return newJWKSFetcher(newJWKSHTTPClient(true, s.roots()))
}

// useJWKSFetcher makes f both fetchers of e.
func useJWKSFetcher(e *Engine, f *jwksFetcher) {
	e.jwksPublic, e.jwksPrivate = f, f
}

// TestClientAssertionJWKSURI: the set behind jwksUri is fetched once and
// cached; an unknown kid refetches it, at most once per jwksMinRefetch; a
// stale set is refetched.
func TestClientAssertionJWKSURI(t *testing.T) {
	srv := newJWKSServer(t)
	k := testAssertKeys()
	srv.set("/jwks", jwksOf(t, k["rsa"].public()))
	clk := &clock{t: testNow}
	fx := newAssertFixture(t, clk.now, memstore.New())
	useJWKSFetcher(fx.e, srv.testFetcher())
	c := fx.client
	c.JWKS, c.JWKSURI = "", srv.URL+"/jwks"
	ctx := context.Background()

	step := func(name string, key assertKey, ok bool, hits int) {
		t.Helper()
		err := fx.e.verifyClientAssertion(ctx, fx.svc, c, key.sign(t, assertionClaims(fx.svc, "1001", clk.t)))
		if ok != (err == nil) {
			t.Fatalf("%s: err = %v, want ok=%v", name, err, ok)
		}
		if isEngineError(err) {
			t.Fatalf("%s: engine error %v", name, err)
		}
		if got := srv.count("/jwks"); got != hits {
			t.Fatalf("%s: %d requests, want %d", name, got, hits)
		}
	}
	step("first use fetches", k["rsa"], true, 1)
	step("second use is cached", k["rsa"], true, 1)

	srv.set("/jwks", jwksOf(t, k["rsa"].public(), k["rotated"].public()))
	clk.t = clk.t.Add(10 * time.Second)
	step("unknown kid within the rate limit: no refetch", k["rotated"], false, 1)
	clk.t = clk.t.Add(jwksMinRefetch)
	step("unknown kid refetches", k["rotated"], true, 2)
	step("new key is cached", k["rotated"], true, 2)
	step("still unknown kid: no refetch", k["stranger"], false, 2)
	step("no kid uses the cache", k["ec"].withKID(""), false, 2)

	clk.t = clk.t.Add(jwksTTL)
	step("stale set is refetched", k["rsa"], true, 3)

	srv.set("/jwks", jwksOf(t, k["rotated"].public()))
	clk.t = clk.t.Add(jwksTTL)
	step("a key removed from the set no longer verifies", k["rsa"], false, 4)
}

// TestJWKSFetcherSharesOneFetch: concurrent callers of a cold URI share one
// request.
func TestJWKSFetcherSharesOneFetch(t *testing.T) {
	srv := newJWKSServer(t)
	srv.delay = 50 * time.Millisecond
	srv.set("/jwks", jwksOf(t, testAssertKeys()["ec"].public()))
	f := srv.testFetcher()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys, err := f.keys(context.Background(), srv.URL+"/jwks", "ec", testNow)
			if err == nil && len(keys) != 1 {
				err = fmt.Errorf("%d keys", len(keys))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.count("/jwks"); got != 1 {
		t.Fatalf("%d requests, want 1", got)
	}
}

// TestJWKSFetcherCacheIsBounded: the least recently used URI is evicted.
func TestJWKSFetcherCacheIsBounded(t *testing.T) {
	srv := newJWKSServer(t)
	body := jwksOf(t, testAssertKeys()["ec"].public())
	for _, p := range []string{"/a", "/b", "/c"} {
		srv.set(p, body)
	}
	f := srv.testFetcher()
	f.maxEntries = 2
	for _, p := range []string{"/a", "/b", "/a", "/c", "/a", "/b"} {
		if _, err := f.keys(context.Background(), srv.URL+p, "", testNow); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	// /c evicted /b (least recently used), so /b was fetched twice.
	for p, want := range map[string]int{"/a": 1, "/b": 2, "/c": 1} {
		if got := srv.count(p); got != want {
			t.Errorf("%s: %d requests, want %d", p, got, want)
		}
	}
	if n := len(f.entries); n > 2 || f.lru.Len() != n {
		t.Errorf("%d entries, %d in the LRU list; want at most 2, equal", n, f.lru.Len())
	}
}

func TestJWKSFetchLimits(t *testing.T) {
	srv := newJWKSServer(t)
	srv.set("/big", `{"keys":[]`+strings.Repeat(" ", maxJWKSBody)+`}`)
	srv.set("/jwks", jwksOf(t, testAssertKeys()["ec"].public()))
	srv.set("/html", "<html></html>")
	httpURL := strings.Replace(srv.URL, "https://", "http://", 1)
	cases := []struct{ name, uri, path string }{
		{"oversized body", srv.URL + "/big", "/big"},
		{"oversized chunked body", srv.URL + "/chunked", "/chunked"},
		{"redirect not followed", srv.URL + "/redirect", "/redirect"},
		{"not found", srv.URL + "/missing", "/missing"},
		{"not a JWK Set", srv.URL + "/html", "/html"},
		{"http refused", httpURL + "/jwks", ""},
		{"userinfo refused", strings.Replace(srv.URL, "https://", "https://u:p@", 1) + "/jwks", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.count("/jwks")
			if _, err := srv.testFetcher().keys(context.Background(), tc.uri, "", testNow); err == nil {
				t.Fatal("fetch succeeded")
			}
			if tc.path != "" && srv.count(tc.path) == 0 {
				t.Errorf("no request reached %s: refused for another reason", tc.path)
			}
			if srv.count("/jwks") != before {
				t.Error("the JWK Set was fetched")
			}
		})
	}
}

// TestJWKSFetchFailureIsRateLimited: a failing jwksUri is not asked again
// before jwksMinRefetch.
func TestJWKSFetchFailureIsRateLimited(t *testing.T) {
	srv := newJWKSServer(t)
	f := srv.testFetcher()
	now := testNow
	for i, want := range []int{1, 1, 2} {
		if i == 2 {
			now = now.Add(jwksMinRefetch)
		}
		if _, err := f.keys(context.Background(), srv.URL+"/jwks", "k", now); err == nil {
			t.Fatalf("call %d: fetch of a missing set succeeded", i)
		}
		if got := srv.count("/jwks"); got != want {
			t.Fatalf("call %d: %d requests, want %d", i, got, want)
		}
	}
}

// TestJWKSFetchSSRFGuard: SECURITY D13. The guard refuses a jwksUri that
// is, or resolves to, a loopback address, before any request is sent.
func TestJWKSFetchSSRFGuard(t *testing.T) {
	srv := newJWKSServer(t)
	srv.set("/jwks", jwksOf(t, testAssertKeys()["rsa"].public()))
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	// The guarded client trusts the server's certificate, so only the guard
	// can stop these fetches.
	guarded := newJWKSFetcher(newJWKSHTTPClient(false, srv.roots()))
	for _, uri := range []string{srv.URL + "/jwks", "https://localhost:" + port + "/jwks"} {
		_, err := guarded.keys(context.Background(), uri, "rsa", testNow)
		if !errors.Is(err, errNonPublicAddress) {
			t.Errorf("%s: err = %v, want the SSRF guard's refusal", uri, err)
		}
	}
	if got := srv.count("/jwks"); got != 0 {
		t.Fatalf("%d requests reached the loopback server", got)
	}

	// The default fetcher, through the engine.
	fx := newAssertFixture(t, func() time.Time { return testNow }, memstore.New())
	c := fx.client
	c.JWKS, c.JWKSURI = "", srv.URL+"/jwks"
	a := fx.keys["rsa"].sign(t, assertionClaims(fx.svc, "1001", testNow))
	err = fx.e.verifyClientAssertion(context.Background(), fx.svc, c, a)
	if err == nil || isEngineError(err) {
		t.Fatalf("default fetcher: err = %v, want a plain error", err)
	}
	if got := srv.count("/jwks"); got != 0 {
		t.Fatalf("default fetcher: %d requests reached the loopback server", got)
	}
}

func TestJWKSDialGuard(t *testing.T) {
	cases := []struct {
		addr   string
		public bool
	}{
		{"93.184.215.14", true},
		{"8.8.8.8", true},
		{"2606:4700:4700::1111", true},
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
		{"127.0.0.1", false},
		{"127.1.2.3", false},
		{"10.0.0.1", false},
		{"172.16.5.4", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"100.100.100.200", false}, // CGNAT range, also a cloud metadata address
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"198.18.0.1", false},
		{"::", false},
		{"::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"::127.0.0.1", false},
		{"64:ff9b::7f00:1", false}, // NAT64 of 127.0.0.1
		{"fe80::1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"ff02::1", false},
		{"2001:db8::1", false},
		{"2002:7f00:1::1", false}, // 6to4 of 127.0.0.1
		{"2001:0:4136:e378::1", false},
	}
	for _, tc := range cases {
		t.Run(tc.addr, func(t *testing.T) {
			a := netip.MustParseAddr(tc.addr)
			if got := isPublicAddr(a); got != tc.public {
				t.Fatalf("isPublicAddr(%s) = %v, want %v", a, got, tc.public)
			}
			network := "tcp4"
			if a.Is6() {
				network = "tcp6"
			}
			err := checkDialAddress(network, netip.AddrPortFrom(a, 443).String(), false)
			if (err == nil) != tc.public {
				t.Fatalf("checkDialAddress(%s) = %v", a, err)
			}
			if err := checkDialAddress(network, netip.AddrPortFrom(a, 443).String(), true); err != nil {
				t.Fatalf("allowPrivate: checkDialAddress(%s) = %v", a, err)
			}
		})
	}
	if err := checkDialAddress("udp4", "8.8.8.8:53", true); err == nil {
		t.Error("udp allowed")
	}
}

// TestJWKSPrivateAddressesForDevelopment: only a service that sets
// jwksUriPrivateAddressAllowed may have its JWK Sets fetched from a loopback
// address; every other service keeps the SSRF guard.
func TestJWKSPrivateAddressesForDevelopment(t *testing.T) {
	srv := newJWKSServer(t)
	k := testAssertKeys()
	srv.set("/jwks", jwksOf(t, k["rsa"].public()))
	st := memstore.New()
	e := mustNew(t, Config{Store: st, Now: func() time.Time { return testNow }, JWKSRoots: srv.roots()})
	fx := newAssertFixture(t, func() time.Time { return testNow }, st)
	fx.e = e
	c := fx.client
	c.JWKS, c.JWKSURI = "", srv.URL+"/jwks"
	for _, allowed := range []bool{false, true} {
		svc := fx.svc
		svc.JWKSURIPrivateAddressAllowed = allowed
		a := fx.keys["rsa"].sign(t, assertionClaims(svc, "1001", testNow))
		err := e.verifyClientAssertion(context.Background(), svc, c, a)
		if allowed != (err == nil) {
			t.Errorf("private addresses allowed %v: err = %v", allowed, err)
		}
	}
	if got := srv.count("/jwks"); got != 1 {
		t.Errorf("%d requests reached the loopback server, want 1 (the allowed one)", got)
	}
}
