package service

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

var testNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func newTestEngine(t *testing.T) *Engine {
	t.Helper()
	return mustNew(t, Config{Store: memstore.New(), Now: func() time.Time { return testNow }})
}

func mustNew(t *testing.T, cfg Config) *Engine {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

func testService() store.Service {
	s := ServiceDefaults()
	s.ServiceName = "Test"
	s.Issuer = "https://as.example.com"
	return s
}

func testClient(clientType string) store.Client {
	return store.Client{
		ClientName:   "App",
		ClientType:   clientType,
		RedirectURIs: []string{"https://app.example.com/cb"},
	}
}

// mustCreateService creates a valid service and returns it with its secret.
func mustCreateService(t *testing.T, e *Engine) (store.Service, string) {
	t.Helper()
	svc, secret, err := e.CreateService(context.Background(), testService())
	if err != nil {
		t.Fatalf("CreateService: %v", err)
	}
	return svc, secret
}

// kindOf returns the Kind of an engine error, failing the test on any other.
func kindOf(t *testing.T, err error) Kind {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	return e.Kind
}

func TestCreateServiceIssuesKeyAndHashedSecret(t *testing.T) {
	e := newTestEngine(t)
	svc, secret := mustCreateService(t, e)
	if svc.APIKey <= 0 || svc.APIKey >= 1<<53 {
		t.Errorf("apiKey %d outside [1, 2^53)", svc.APIKey)
	}
	if len(secret) != 43 { // 256 bits, base64url without padding
		t.Errorf("secret %q is %d characters, want 43", secret, len(secret))
	}
	if bytes.Contains(svc.APISecretHash, []byte(secret)) || !bytes.Equal(svc.APISecretHash, HashSecret(secret)) {
		t.Error("the stored secret must be its SHA-256 and nothing else")
	}
	if !svc.CreatedAt.Equal(testNow) || !svc.ModifiedAt.Equal(testNow) {
		t.Errorf("times = %v, %v; want the injected clock", svc.CreatedAt, svc.ModifiedAt)
	}
	_, secret2 := mustCreateService(t, e)
	if secret2 == secret {
		t.Error("two services got the same secret")
	}
}

func TestAuthenticateService(t *testing.T) {
	e := newTestEngine(t)
	svc, secret := mustCreateService(t, e)
	other, otherSecret := mustCreateService(t, e)
	key := func(s store.Service) string { return itoa(s.APIKey) }
	ctx := context.Background()

	got, err := e.AuthenticateService(ctx, key(svc), secret)
	if err != nil || got.APIKey != svc.APIKey {
		t.Fatalf("AuthenticateService(right) = %d, %v", got.APIKey, err)
	}
	for name, tc := range map[string][2]string{
		"wrong secret":         {key(svc), secret + "x"},
		"other service secret": {key(svc), otherSecret},
		"other key":            {key(other), secret},
		"unknown key":          {"12345", secret},
		"non-numeric key":      {"abc", secret},
		"key out of range":     {"9007199254740993", secret},
		"empty":                {"", ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.AuthenticateService(ctx, tc[0], tc[1])
			if kindOf(t, err) != KindUnauthorized {
				t.Fatalf("error = %v, want Unauthorized", err)
			}
		})
	}
}

func TestIDSpaceExhaustionIsAnEngineError(t *testing.T) {
	// A random source that always yields the same bytes draws the same ID
	// every time: with that ID taken, the engine must give up, not loop.
	st := memstore.New()
	taken := testService()
	taken.APIKey = int64(binary.BigEndian.Uint64(bytes.Repeat([]byte{7}, 8)) & (maxID - 1))
	ctx := context.Background()
	if err := st.CreateService(ctx, taken); err != nil {
		t.Fatal(err)
	}
	e := mustNew(t, Config{Store: st, MasterKey: make([]byte, MasterKeySize), Rand: bytes.NewReader(bytes.Repeat([]byte{7}, 4096))})
	_, _, err := e.CreateService(ctx, testService())
	if kindOf(t, err) != KindInternal {
		t.Fatalf("error = %v, want Internal", err)
	}
}

func TestSweepExpiredRemovesOnlyExpiredRecords(t *testing.T) {
	st := memstore.New()
	now := testNow
	e := mustNew(t, Config{Store: st, Now: func() time.Time { return now }})
	ctx := context.Background()
	for hash, ttl := range map[string]time.Duration{"old": -time.Minute, "fresh": time.Hour} {
		if err := st.CreateTicket(ctx, store.Ticket{ServiceID: 1, Hash: hash, Kind: "authorization", CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
			t.Fatal(err)
		}
	}
	for hash, ttl := range map[string]time.Duration{"old": -time.Minute, "fresh": time.Hour} {
		if err := st.CreateCode(ctx, store.AuthorizationCode{ServiceID: 1, Hash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateToken(ctx, store.Token{ServiceID: 1, Hash: hash, Kind: "access", CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.SweepExpired(ctx)
	if err != nil || n != 3 {
		t.Fatalf("SweepExpired = %d, %v; want 3 (a ticket, a code, a token), nil", n, err)
	}
	if _, err := st.GetToken(ctx, 1, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired token survived: %v", err)
	}
	if _, err := st.ConsumeCode(ctx, 1, "fresh"); err != nil {
		t.Errorf("fresh code was swept: %v", err)
	}
	if _, err := st.ConsumeTicket(ctx, 1, "fresh"); err != nil {
		t.Errorf("fresh ticket was swept: %v", err)
	}
}

func TestVocabularyDefaultsAreCoherent(t *testing.T) {
	if err := validateService(testService()); err != nil {
		t.Fatalf("the defaults must validate: %v", err)
	}
	d := ServiceDefaults()
	for _, g := range []string{oauth.GrantImplicit, oauth.GrantPassword} {
		for _, have := range d.SupportedGrantTypes {
			if have == g {
				t.Errorf("%s must be off by default (RFC 9700 §2.1.2, §2.4)", g)
			}
		}
	}
	if !d.PKCES256Required {
		t.Error("S256 must be required by default (RFC 9700 §2.1.1)")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
