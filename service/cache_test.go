package service

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// countingStore counts the configuration reads that reach the store.
type countingStore struct {
	store.Store
	reads atomic.Int64
}

func (s *countingStore) GetService(ctx context.Context, id int64) (store.Service, error) {
	s.reads.Add(1)
	return s.Store.GetService(ctx, id)
}

func (s *countingStore) GetClient(ctx context.Context, serviceID, clientID int64) (store.Client, error) {
	s.reads.Add(1)
	return s.Store.GetClient(ctx, serviceID, clientID)
}

func (s *countingStore) GetClientByAlias(ctx context.Context, serviceID int64, alias string) (store.Client, error) {
	s.reads.Add(1)
	return s.Store.GetClientByAlias(ctx, serviceID, alias)
}

// cluster is two engines over one store, as two instances behind a load
// balancer, each with its own configuration cache.
type cluster struct {
	st     *countingStore
	clk    *clock
	a, b   *Engine
	svc    store.Service
	secret string
	client store.Client
}

const cacheTTL = 5 * time.Second

func newCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{st: &countingStore{Store: memstore.New()}, clk: &clock{t: testNow}}
	c.a = mustNew(t, Config{Store: c.st, Now: c.clk.now, ConfigCacheTTL: cacheTTL})
	c.b = mustNew(t, Config{Store: c.st, Now: c.clk.now, ConfigCacheTTL: cacheTTL})
	var err error
	if c.svc, c.secret, err = c.a.CreateService(context.Background(), testService()); err != nil {
		t.Fatal(err)
	}
	cl := testClient(oauth.ClientConfidential)
	cl.ClientIDAlias, cl.ClientIDAliasEnabled = "shop", true
	if c.client, _, err = c.a.CreateClient(context.Background(), c.svc, cl); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *cluster) authenticate(t *testing.T, e *Engine) {
	t.Helper()
	if _, err := e.AuthenticateService(context.Background(), itoa(c.svc.APIKey), c.secret); err != nil {
		t.Fatalf("AuthenticateService: %v", err)
	}
}

func TestConfigCacheServesRepeatedReads(t *testing.T) {
	c := newCluster(t)
	before := c.st.reads.Load()
	for range 5 {
		c.authenticate(t, c.a)
	}
	if n := c.st.reads.Load() - before; n != 1 {
		t.Errorf("5 authentications read the store %d times, want 1", n)
	}
	c.clk.t = c.clk.t.Add(cacheTTL)
	c.authenticate(t, c.a)
	if n := c.st.reads.Load() - before; n != 2 {
		t.Errorf("after the TTL the store was read %d times in all, want 2", n)
	}
}

// TestConfigCacheStalenessIsBounded: a change made through instance B is
// seen by A within the TTL, and at once by B itself.
func TestConfigCacheStalenessIsBounded(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	if _, err := c.a.store.GetClientByAlias(ctx, c.svc.APIKey, "shop"); err != nil {
		t.Fatal(err)
	}
	changed := c.client
	changed.ClientName, changed.ClientIDAlias = "Renamed", "boutique"
	if _, _, err := c.b.UpdateClient(ctx, c.svc, c.client.ClientID, changed); err != nil {
		t.Fatal(err)
	}
	got, err := c.b.store.GetClient(ctx, c.svc.APIKey, c.client.ClientID)
	if err != nil || got.ClientName != "Renamed" {
		t.Fatalf("B does not see its own write: %+v %v", got, err)
	}
	if got, _ := c.a.store.GetClientByAlias(ctx, c.svc.APIKey, "shop"); got.ClientName != "App" {
		t.Fatalf("A within the TTL = %+v; the test means to show the cached copy", got)
	}
	c.clk.t = c.clk.t.Add(cacheTTL)
	if _, err := c.a.store.GetClientByAlias(ctx, c.svc.APIKey, "shop"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("A past the TTL still finds the old alias: %v", err)
	}
	if got, err := c.a.store.GetClientByAlias(ctx, c.svc.APIKey, "boutique"); err != nil || got.ClientName != "Renamed" {
		t.Errorf("A past the TTL = %+v %v", got, err)
	}
}

// TestConfigCacheNoLostUpdate: management calls read past the cache, so an
// update through A right after a secret refresh through B keeps B's secret.
func TestConfigCacheNoLostUpdate(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	if _, err := c.a.store.GetClient(ctx, c.svc.APIKey, c.client.ClientID); err != nil {
		t.Fatal(err)
	}
	_, secret, err := c.b.RefreshClientSecret(ctx, c.svc.APIKey, "shop")
	if err != nil {
		t.Fatal(err)
	}
	changed := c.client
	changed.ClientName = "Renamed"
	if _, _, err := c.a.UpdateClient(ctx, c.svc, c.client.ClientID, changed); err != nil {
		t.Fatal(err)
	}
	stored, err := c.st.Store.GetClient(ctx, c.svc.APIKey, c.client.ClientID)
	if err != nil || !secretMatches(stored.ClientSecretHash, secret) {
		t.Fatalf("the refreshed secret was lost by an update through the other instance: %v", err)
	}
}

// TestConfigCacheSharedRecordsStayIntact: cached records are shared, so
// the cache clips their slices: a caller appending to one gets a copy and
// the next caller still sees the record as stored.
func TestConfigCacheSharedRecordsStayIntact(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	first, _ := c.a.store.GetClient(ctx, c.svc.APIKey, c.client.ClientID)
	grown := append(first.RedirectURIs, "https://evil.example/cb")
	second, _ := c.a.store.GetClient(ctx, c.svc.APIKey, c.client.ClientID)
	if len(second.RedirectURIs) != 1 || cap(second.RedirectURIs) != 1 || &grown[0] == &second.RedirectURIs[0] {
		t.Fatalf("a caller's append reached the cached client: %v (cap %d)", second.RedirectURIs, cap(second.RedirectURIs))
	}
	svc, _ := c.a.store.GetService(ctx, c.svc.APIKey)
	if cap(svc.SupportedClaims) != len(svc.SupportedClaims) || cap(svc.SupportedScopes) != len(svc.SupportedScopes) {
		t.Errorf("cached service slices are not clipped")
	}
}

func TestConfigCacheIsBounded(t *testing.T) {
	m := map[int64]cached[int]{}
	now := testNow
	for i := range int64(maxCached + 50) {
		put(m, i, 0, now, time.Minute)
	}
	if len(m) > maxCached {
		t.Fatalf("cache holds %d entries, bound %d", len(m), maxCached)
	}
	if _, ok := lookup(m, maxCached+49, now); !ok {
		t.Error("the newest entry was evicted")
	}
}
