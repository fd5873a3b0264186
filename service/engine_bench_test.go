package service

import (
	"context"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
	"github.com/gatehouse-oss/gatehouse/store/mongostore"
	"github.com/gatehouse-oss/gatehouse/store/mongostore/mongotest"
)

// Benchmarks of the engine's runtime operations, transport-free, each on
// memstore and — when GATEHOUSE_TEST_MONGO_URI is set (make bench starts a
// FerretDB) — on mongostore. This file holds no Test function, so a plain
// `go test` (make test) runs none of it. BENCHMARKS.md reads the results.

// benchRedirectURI is the redirect URI of the benchmark clients.
const benchRedirectURI = "https://app.example.com/cb"

// benchBatch is how many single-use inputs (tickets, codes, refresh tokens)
// are made at a time with the timer stopped: StopTimer reads the memory
// statistics, which stops the world, so doing it per iteration would cost
// more than many of the operations measured.
const benchBatch = 256

// benchFixture is a service with two confidential client_secret_basic
// clients allowed every grant the defaults enable: "web" signs ID tokens
// with RS256, "web-es" with ES256.
type benchFixture struct {
	e         *Engine
	store     *benchStore
	svc       store.Service
	apiSecret string
	secrets   map[string]string // of each client, by alias
	looping   bool
}

// benchStore counts the store calls of the operations measured, each a
// round trip on MongoDB: issue 9 asks for one per token issued and one per
// introspection. Config reads (service and client) are counted apart, since
// a configuration cache can answer them.
type benchStore struct {
	store.Store
	paused        atomic.Bool
	calls, config atomic.Int64
}

func (s *benchStore) count(config bool) {
	if s.paused.Load() {
		return
	}
	s.calls.Add(1)
	if config {
		s.config.Add(1)
	}
}

func (s *benchStore) GetService(ctx context.Context, serviceID int64) (store.Service, error) {
	s.count(true)
	return s.Store.GetService(ctx, serviceID)
}

func (s *benchStore) GetClient(ctx context.Context, serviceID, clientID int64) (store.Client, error) {
	s.count(true)
	return s.Store.GetClient(ctx, serviceID, clientID)
}

func (s *benchStore) GetClientByAlias(ctx context.Context, serviceID int64, alias string) (store.Client, error) {
	s.count(true)
	return s.Store.GetClientByAlias(ctx, serviceID, alias)
}

func (s *benchStore) CreateTicket(ctx context.Context, t store.Ticket) error {
	s.count(false)
	return s.Store.CreateTicket(ctx, t)
}

func (s *benchStore) ConsumeTicket(ctx context.Context, serviceID int64, hash string) (store.Ticket, error) {
	s.count(false)
	return s.Store.ConsumeTicket(ctx, serviceID, hash)
}

func (s *benchStore) ListKeys(ctx context.Context, serviceID int64) ([]store.SigningKey, error) {
	s.count(false)
	return s.Store.ListKeys(ctx, serviceID)
}

func (s *benchStore) CreateCode(ctx context.Context, c store.AuthorizationCode) error {
	s.count(false)
	return s.Store.CreateCode(ctx, c)
}

func (s *benchStore) ConsumeCode(ctx context.Context, serviceID int64, hash string) (store.AuthorizationCode, error) {
	s.count(false)
	return s.Store.ConsumeCode(ctx, serviceID, hash)
}

func (s *benchStore) CreateToken(ctx context.Context, t store.Token) error {
	s.count(false)
	return s.Store.CreateToken(ctx, t)
}

func (s *benchStore) GetToken(ctx context.Context, serviceID int64, hash string) (store.Token, error) {
	s.count(false)
	return s.Store.GetToken(ctx, serviceID, hash)
}

func (s *benchStore) DeleteGrant(ctx context.Context, serviceID int64, grantID string) (int, error) {
	s.count(false)
	return s.Store.DeleteGrant(ctx, serviceID, grantID)
}

func (s *benchStore) Claim(ctx context.Context, serviceID int64, kind, key string, expiresAt time.Time) error {
	s.count(false)
	return s.Store.Claim(ctx, serviceID, kind, key, expiresAt)
}

func (s *benchStore) Claimed(ctx context.Context, serviceID int64, kind, key string) (bool, error) {
	s.count(false)
	return s.Store.Claimed(ctx, serviceID, kind, key)
}

// loop is b.Loop that also counts the store calls of the iterations (not
// of the setup before) and reports them per operation when it ends.
func (f *benchFixture) loop(b *testing.B) bool {
	if !f.looping {
		f.looping = true
		f.store.calls.Store(0)
		f.store.config.Store(0)
	}
	if b.Loop() {
		return true
	}
	f.looping = false
	b.ReportMetric(float64(f.store.calls.Load())/float64(b.N), "store-calls/op")
	b.ReportMetric(float64(f.store.config.Load())/float64(b.N), "config-reads/op")
	return false
}

// benchEachStore runs bench once on a fresh memstore fixture and once on a
// fresh MongoDB fixture. With b.Loop each benchmark function runs once, so
// the fixture (whose service creation generates an RSA key) is made once.
func benchEachStore(b *testing.B, bench func(*testing.B, *benchFixture)) {
	b.Run("memstore", func(b *testing.B) {
		bench(b, newBenchFixture(b, memstore.New()))
	})
	b.Run("mongo", func(b *testing.B) {
		db := mongotest.New(b)
		st, err := mongostore.Open(b.Context(), mongostore.Config{URI: db.URI, Database: db.Name})
		if err != nil {
			b.Fatalf("open mongostore: %v", err)
		}
		b.Cleanup(func() { _ = st.Close(context.Background()) })
		bench(b, newBenchFixture(b, st))
	})
}

func newBenchFixture(b *testing.B, st store.Store) *benchFixture {
	b.Helper()
	counted := &benchStore{Store: st}
	e, err := New(Config{Store: counted})
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	f := &benchFixture{e: e, store: counted, secrets: map[string]string{}}
	if f.svc, f.apiSecret, err = e.CreateService(b.Context(), testService()); err != nil {
		b.Fatalf("CreateService: %v", err)
	}
	for alias, alg := range map[string]string{"web": oauth.AlgRS256, "web-es": oauth.AlgES256} {
		_, secret, err := e.CreateClient(b.Context(), f.svc, store.Client{
			ClientName: "Bench " + alias, ClientType: oauth.ClientConfidential,
			ClientIDAlias: alias, ClientIDAliasEnabled: true, IDTokenSignAlg: alg,
			RedirectURIs: []string{benchRedirectURI},
			GrantTypes:   []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken, oauth.GrantClientCredentials},
		})
		if err != nil {
			b.Fatalf("CreateClient %s: %v", alias, err)
		}
		f.secrets[alias] = secret
	}
	return f
}

// benchAuthorizationParameters is a code request with PKCE (RFC 9700 §2.1.1).
func benchAuthorizationParameters(alias, scope string) string {
	return url.Values{"response_type": {"code"}, "client_id": {alias}, "redirect_uri": {benchRedirectURI},
		"scope": {scope}, "state": {"st-1"}, "nonce": {"n-1"},
		"code_challenge": {s256(benchVerifier)}, "code_challenge_method": {"S256"}}.Encode()
}

// benchVerifier is the PKCE code verifier of every benchmark flow.
const benchVerifier = "bench-verifier-bench-verifier-bench-verifier-0123"

func (f *benchFixture) ticket(b *testing.B, alias, scope string) string {
	r, err := f.e.Authorization(b.Context(), f.svc, benchAuthorizationParameters(alias, scope))
	if err != nil || r.Action != "INTERACTION" {
		b.Fatalf("Authorization: %s %s %v", r.Action, r.ResultMessage, err)
	}
	return r.Ticket
}

func (f *benchFixture) code(b *testing.B, alias, scope string) string {
	r, err := f.e.AuthorizationIssue(b.Context(), f.svc, AuthorizationIssue{
		Ticket: f.ticket(b, alias, scope), Subject: "alice", AuthTime: time.Now().Unix()})
	if err != nil || r.AuthorizationCode == "" {
		b.Fatalf("AuthorizationIssue: %s %s %v", r.Action, r.ResultMessage, err)
	}
	return r.AuthorizationCode
}

// token runs a token request of client alias with its Basic credentials
// and requires action OK.
func (f *benchFixture) token(b *testing.B, alias string, params url.Values) TokenResult {
	r, err := f.e.Token(b.Context(), f.svc, TokenRequest{Parameters: params.Encode(), ClientID: alias, ClientSecret: f.secrets[alias]})
	if err != nil || r.Action != ActionOK {
		b.Fatalf("Token: %s %s %v", r.Action, r.ResultMessage, err)
	}
	return r
}

func (f *benchFixture) exchange(b *testing.B, alias, code string) TokenResult {
	return f.token(b, alias, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {benchRedirectURI}, "code_verifier": {benchVerifier}})
}

func (f *benchFixture) clientCredentials(b *testing.B) TokenResult {
	return f.token(b, "web", url.Values{"grant_type": {"client_credentials"}, "scope": {"profile"}})
}

// supply hands out single-use values made by next, benchBatch at a time
// with the timer and the store call count stopped, so that only the
// operation that spends them is measured.
func (f *benchFixture) supply(b *testing.B, next func() string) func() string {
	var queue []string
	return func() string {
		if len(queue) == 0 {
			b.StopTimer()
			f.store.paused.Store(true)
			for range benchBatch {
				queue = append(queue, next())
			}
			f.store.paused.Store(false)
			b.StartTimer()
		}
		v := queue[0]
		queue = queue[1:]
		return v
	}
}

// BenchmarkAuthenticateService is the API-key check every runtime call
// pays in the api layer before its own work.
func BenchmarkAuthenticateService(b *testing.B) {
	benchEachStore(b, func(b *testing.B, f *benchFixture) {
		key := itoa(f.svc.APIKey)
		for f.loop(b) {
			if _, err := f.e.AuthenticateService(b.Context(), key, f.apiSecret); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAuthorization(b *testing.B) {
	benchEachStore(b, func(b *testing.B, f *benchFixture) {
		params := benchAuthorizationParameters("web", "openid profile")
		for f.loop(b) {
			if r, err := f.e.Authorization(b.Context(), f.svc, params); err != nil || r.Action != "INTERACTION" {
				b.Fatalf("%s %v", r.ResultMessage, err)
			}
		}
	})
}

func BenchmarkAuthorizationIssue(b *testing.B) {
	benchEachStore(b, func(b *testing.B, f *benchFixture) {
		ticket := f.supply(b, func() string { return f.ticket(b, "web", "profile") })
		for f.loop(b) {
			r, err := f.e.AuthorizationIssue(b.Context(), f.svc, AuthorizationIssue{Ticket: ticket(), Subject: "alice"})
			if err != nil || r.AuthorizationCode == "" {
				b.Fatalf("%s %v", r.ResultMessage, err)
			}
		}
	})
}

// BenchmarkTokenAuthorizationCode redeems codes without an ID token
// (scope profile) and with one signed by RS256 or ES256 (scope openid).
func BenchmarkTokenAuthorizationCode(b *testing.B) {
	benchEachStore(b, func(b *testing.B, f *benchFixture) {
		for _, tc := range []struct{ name, alias, scope string }{
			{"noIDToken", "web", "profile"},
			{"RS256", "web", "openid profile"},
			{"ES256", "web-es", "openid profile"},
		} {
			b.Run(tc.name, func(b *testing.B) {
				code := f.supply(b, func() string { return f.code(b, tc.alias, tc.scope) })
				for f.loop(b) {
					if r := f.exchange(b, tc.alias, code()); (r.IDToken != "") != strings.Contains(tc.scope, "openid") {
						b.Fatalf("ID token %q for scope %q", r.IDToken, tc.scope)
					}
				}
			})
		}
	})
}

func BenchmarkTokenClientCredentials(b *testing.B) {
	benchEachStore(b, func(b *testing.B, f *benchFixture) {
		for f.loop(b) {
			f.clientCredentials(b)
		}
	})
}

func BenchmarkTokenRefresh(b *testing.B) {
	benchEachStore(b, func(b *testing.B, f *benchFixture) {
		refresh := f.supply(b, func() string { return f.exchange(b, "web", f.code(b, "web", "profile")).RefreshToken })
		for f.loop(b) {
			f.token(b, "web", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh()}})
		}
	})
}

func BenchmarkIntrospect(b *testing.B) {
	benchEachStore(b, func(b *testing.B, f *benchFixture) {
		req := IntrospectionRequest{Token: f.clientCredentials(b).AccessToken, Scopes: []string{"profile"}}
		for f.loop(b) {
			if r, err := f.e.Introspect(b.Context(), f.svc, req); err != nil || r.Action != ActionOK {
				b.Fatalf("%s %v", r.ResultMessage, err)
			}
		}
	})
}

func BenchmarkIntrospectStandard(b *testing.B) {
	benchEachStore(b, func(b *testing.B, f *benchFixture) {
		params := "token=" + f.clientCredentials(b).AccessToken
		for f.loop(b) {
			if r, err := f.e.IntrospectStandard(b.Context(), f.svc, params); err != nil || r.ResponseContent == inactive {
				b.Fatalf("%s %v", r.ResultMessage, err)
			}
		}
	})
}

func BenchmarkRevoke(b *testing.B) {
	benchEachStore(b, func(b *testing.B, f *benchFixture) {
		benchRevoke(b, f)
	})
}

// BenchmarkRevokeAmongLiveTokens revokes with 100,000 other live tokens in
// the memstore: its DeleteGrant scans every token, so this shows what a
// revocation costs a loaded engine (DeleteGrant holds the write lock).
func BenchmarkRevokeAmongLiveTokens(b *testing.B) {
	f := newBenchFixture(b, memstore.New())
	for range 100_000 {
		f.clientCredentials(b)
	}
	benchRevoke(b, f)
}

func benchRevoke(b *testing.B, f *benchFixture) {
	token := f.supply(b, func() string { return f.clientCredentials(b).AccessToken })
	for f.loop(b) {
		r, err := f.e.Revoke(b.Context(), f.svc, RevocationRequest{
			Parameters: "token=" + token(), ClientID: "web", ClientSecret: f.secrets["web"]})
		if err != nil || r.ResultCode != resRevoked.code {
			b.Fatalf("%s %v", r.ResultMessage, err)
		}
	}
}
