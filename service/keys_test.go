package service

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// publicKeys decodes the engine's JWK Set.
func publicKeys(t *testing.T, e *Engine, svc store.Service) jose.JSONWebKeySet {
	t.Helper()
	raw, err := e.JWKS(context.Background(), svc)
	if err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatalf("decode JWK Set %s: %v", raw, err)
	}
	return set
}

// verify checks a compact JWS against the published keys and returns its
// header key ID and claims.
func verify(t *testing.T, set jose.JSONWebKeySet, raw string) (string, map[string]any) {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		t.Fatalf("parse %s: %v", raw, err)
	}
	kid := tok.Headers[0].KeyID
	keys := set.Key(kid)
	if len(keys) != 1 {
		t.Fatalf("kid %q is not published (%d matches)", kid, len(keys))
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("signature: %v", err)
	}
	return kid, claims
}

func idClient(alg string) store.Client {
	c := testClient(oauth.ClientConfidential)
	c.ClientID = 4242
	c.IDTokenSignAlg = alg
	return c
}

func TestNewServiceHasOneKeyPerAlgorithm(t *testing.T) {
	e := newTestEngine(t)
	svc, _ := mustCreateService(t, e)
	set := publicKeys(t, e, svc)
	algs := map[string]bool{}
	for _, k := range set.Keys {
		if !k.IsPublic() || !k.Valid() || k.Use != "sig" || k.KeyID == "" {
			t.Errorf("published key %+v: want a valid public signing key with a kid", k)
		}
		algs[k.Algorithm] = true
	}
	if len(set.Keys) != 2 || !algs["RS256"] || !algs["ES256"] {
		t.Fatalf("JWK Set has %d keys %v, want one RS256 and one ES256", len(set.Keys), algs)
	}
}

// TestJWKSHasNoPrivateMembers looks at the raw JSON, not at a decoder that
// might drop fields: no member of a private key may ever be there.
func TestJWKSHasNoPrivateMembers(t *testing.T) {
	e := newTestEngine(t)
	svc, _ := mustCreateService(t, e)
	if _, err := e.RotateKeys(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	raw, err := e.JWKS(context.Background(), svc)
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		for _, member := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			if _, ok := k[member]; ok {
				t.Errorf("key %v has private member %q", k["kid"], member)
			}
		}
	}
	if len(set.Keys) != 4 {
		t.Errorf("after one rotation %d keys are published, want 4", len(set.Keys))
	}
}

// TestRotation: after a rotation a token signed before still verifies and new
// tokens carry the new key; once the old tokens can all have expired, the
// old keys are pruned at the next rotation.
func TestRotation(t *testing.T) {
	clk := &clock{t: testNow}
	e := mustNew(t, Config{Store: memstore.New(), Now: clk.now})
	ctx := context.Background()
	svc, _ := mustCreateService(t, e)
	for _, alg := range []string{oauth.AlgRS256, oauth.AlgES256} {
		t.Run(alg, func(t *testing.T) {
			c := idClient(alg)
			before, err := e.SignIDToken(ctx, svc, c, IDToken{Subject: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			oldKid, _ := verify(t, publicKeys(t, e, svc), before)

			clk.t = clk.t.Add(time.Minute)
			active, err := e.RotateKeys(ctx, svc)
			if err != nil {
				t.Fatal(err)
			}
			after, err := e.SignIDToken(ctx, svc, c, IDToken{Subject: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			set := publicKeys(t, e, svc)
			if kid, _ := verify(t, set, before); kid != oldKid {
				t.Fatalf("old token kid %s, want %s", kid, oldKid)
			}
			newKid, _ := verify(t, set, after)
			if newKid == oldKid {
				t.Fatal("a token signed after the rotation carries the old kid")
			}
			found := false
			for _, k := range active {
				found = found || (k.KID == newKid && k.Alg == alg)
			}
			if !found {
				t.Errorf("RotateKeys reported %+v, not the kid %s that signs", active, newKid)
			}
		})
	}

	// Past the retention of the retired keys, they leave the JWK Set and the
	// next rotation deletes them.
	clk.t = clk.t.Add(keyRetention(svc) + time.Second)
	if n := len(publicKeys(t, e, svc).Keys); n != 2 {
		t.Errorf("after retention %d keys are published, want only the 2 active", n)
	}
	if _, err := e.RotateKeys(ctx, svc); err != nil {
		t.Fatal(err)
	}
	stored, err := e.store.ListKeys(ctx, svc.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 4 {
		t.Errorf("after pruning %d keys are stored, want 4 (2 active, 2 just retired)", len(stored))
	}
}

// TestInstancesAgreeOnTheActiveKey: two engines on one store (as behind a
// load balancer) sign with the same key once either has rotated.
func TestInstancesAgreeOnTheActiveKey(t *testing.T) {
	st := memstore.New()
	master := make([]byte, MasterKeySize)
	a := mustNew(t, Config{Store: st, MasterKey: master})
	b := mustNew(t, Config{Store: st, MasterKey: master})
	ctx := context.Background()
	svc, _ := mustCreateService(t, a)
	set := func() jose.JSONWebKeySet { return publicKeys(t, a, svc) }
	for round := range 3 {
		rotator := []*Engine{a, b}[round%2]
		if _, err := rotator.RotateKeys(ctx, svc); err != nil {
			t.Fatal(err)
		}
		for _, alg := range signingAlgs {
			ta, err := a.SignIDToken(ctx, svc, idClient(alg), IDToken{Subject: "s"})
			if err != nil {
				t.Fatal(err)
			}
			tb, err := b.SignIDToken(ctx, svc, idClient(alg), IDToken{Subject: "s"})
			if err != nil {
				t.Fatal(err)
			}
			ka, _ := verify(t, set(), ta)
			kb, _ := verify(t, set(), tb)
			if ka != kb {
				t.Fatalf("round %d %s: instances sign with %s and %s", round, alg, ka, kb)
			}
		}
	}
}

func TestWrongMasterKeyIsAnEngineError(t *testing.T) {
	st := memstore.New()
	a := mustNew(t, Config{Store: st, MasterKey: make([]byte, MasterKeySize)})
	other := make([]byte, MasterKeySize)
	other[0] = 1
	b := mustNew(t, Config{Store: st, MasterKey: other})
	svc, _ := mustCreateService(t, a)
	_, err := b.SignIDToken(context.Background(), svc, idClient(oauth.AlgRS256), IDToken{Subject: "s"})
	var e *Error
	if !errors.As(err, &e) || e.Code != "G003101" || e.Kind != KindInternal {
		t.Fatalf("signing with the wrong master key = %v, want G003101", err)
	}
}

func TestPrivateKeysAreSealed(t *testing.T) {
	e := newTestEngine(t)
	svc, _ := mustCreateService(t, e)
	keys, err := e.store.ListKeys(context.Background(), svc.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, err := x509.ParsePKCS8PrivateKey(k.SealedPrivateKey); err == nil {
			t.Errorf("key %s is stored in clear", k.KID)
		}
		var jwk map[string]any
		if err := json.Unmarshal(k.PublicJWK, &jwk); err != nil || jwk["d"] != nil {
			t.Errorf("key %s: public JWK %s", k.KID, k.PublicJWK)
		}
		// A sealed key moved to another record does not open.
		if _, err := e.sealer.open(k.SealedPrivateKey, keyAAD(k.ServiceID+1, k.KID)); err == nil {
			t.Errorf("key %s opens under another service's name", k.KID)
		}
	}
}

func TestMasterKeyMustBe32Bytes(t *testing.T) {
	if _, err := New(Config{Store: memstore.New(), MasterKey: make([]byte, 16)}); err == nil {
		t.Error("a 16-byte master key must be refused")
	}
	if _, err := New(Config{}); err == nil {
		t.Error("an engine without a store must be refused")
	}
}
