package service

import (
	"context"
	"sync"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// maxCached bounds each map of the configuration cache: beyond it, expired
// entries are dropped, and if none are, an arbitrary one, so memory stays
// bounded whatever the number of tenants.
const maxCached = 10_000

// cached is one cached record and when it stops being trusted.
type cached[T any] struct {
	value   T
	expires time.Time
}

type clientKey struct{ service, client int64 }

type aliasKey struct {
	service int64
	alias   string
}

// configCache is a store whose service and client reads are cached for ttl:
// every API call authenticates its service and most look up a client, and
// those records change rarely. DESIGN §7 allows this if the staleness is
// bounded: a change made through another engine instance is seen here
// within ttl; one made through this instance is seen at once, since its
// writes drop what they change. Only found records are cached, so a new
// service or client is usable everywhere at once. Protocol state (tickets,
// codes, tokens, keys) is never cached.
//
// A cached record is shared by every caller, not copied per call: copying
// a service's slices on every API call was a tenth of an introspection's
// cost. That is safe because the engine treats records as read-only — it
// never writes into a record's slices — and the cache clips every slice's
// capacity, so that an append by a caller copies instead of writing into
// the shared array.
type configCache struct {
	store.Store
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	services map[int64]cached[store.Service]
	clients  map[clientKey]cached[store.Client]
	aliases  map[aliasKey]cached[int64] // alias → client ID, checked on use
}

func newConfigCache(st store.Store, ttl time.Duration, now func() time.Time) *configCache {
	return &configCache{
		Store: st, ttl: ttl, now: now,
		services: map[int64]cached[store.Service]{},
		clients:  map[clientKey]cached[store.Client]{},
		aliases:  map[aliasKey]cached[int64]{},
	}
}

// lookup returns the live entry of k, dropping an expired one.
func lookup[K comparable, V any](m map[K]cached[V], k K, now time.Time) (V, bool) {
	e, ok := m[k]
	if !ok || !now.Before(e.expires) {
		delete(m, k)
		var zero V
		return zero, false
	}
	return e.value, true
}

// put stores v under k, making room first when the map is full.
func put[K comparable, V any](m map[K]cached[V], k K, v V, now time.Time, ttl time.Duration) {
	if len(m) >= maxCached {
		for old, e := range m {
			if !now.Before(e.expires) {
				delete(m, old)
			}
		}
		for old := range m {
			if len(m) < maxCached {
				break
			}
			delete(m, old)
		}
	}
	m[k] = cached[V]{value: v, expires: now.Add(ttl)}
}

// GetService implements store.ServiceStore through the cache.
func (c *configCache) GetService(ctx context.Context, serviceID int64) (store.Service, error) {
	c.mu.Lock()
	svc, ok := lookup(c.services, serviceID, c.now())
	c.mu.Unlock()
	if ok {
		return svc, nil
	}
	svc, err := c.Store.GetService(ctx, serviceID)
	if err != nil {
		return store.Service{}, err
	}
	svc = svc.Clip()
	c.mu.Lock()
	put(c.services, serviceID, svc, c.now(), c.ttl)
	c.mu.Unlock()
	return svc, nil
}

// GetClient implements store.ClientStore through the cache.
func (c *configCache) GetClient(ctx context.Context, serviceID, clientID int64) (store.Client, error) {
	k := clientKey{serviceID, clientID}
	c.mu.Lock()
	cl, ok := lookup(c.clients, k, c.now())
	c.mu.Unlock()
	if ok {
		return cl, nil
	}
	cl, err := c.Store.GetClient(ctx, serviceID, clientID)
	if err != nil {
		return store.Client{}, err
	}
	cl = cl.Clip()
	c.mu.Lock()
	put(c.clients, k, cl, c.now(), c.ttl)
	c.mu.Unlock()
	return cl, nil
}

// GetClientByAlias implements store.ClientStore through the cache. The
// alias is cached as a pointer to the client ID and confirmed on the client
// record, so a client whose alias changed here is not found under the old one.
func (c *configCache) GetClientByAlias(ctx context.Context, serviceID int64, alias string) (store.Client, error) {
	k := aliasKey{serviceID, alias}
	c.mu.Lock()
	id, ok := lookup(c.aliases, k, c.now())
	c.mu.Unlock()
	if ok {
		if cl, err := c.GetClient(ctx, serviceID, id); err == nil && cl.ClientIDAlias == alias {
			return cl, nil
		}
	}
	cl, err := c.Store.GetClientByAlias(ctx, serviceID, alias)
	if err != nil {
		return store.Client{}, err
	}
	cl = cl.Clip()
	c.mu.Lock()
	now := c.now()
	put(c.aliases, k, cl.ClientID, now, c.ttl)
	put(c.clients, clientKey{serviceID, cl.ClientID}, cl, now, c.ttl)
	c.mu.Unlock()
	return cl, nil
}

// forgetService drops a service and every cached client of it.
func (c *configCache) forgetService(serviceID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.services, serviceID)
	for k := range c.clients {
		if k.service == serviceID {
			delete(c.clients, k)
		}
	}
	for k := range c.aliases {
		if k.service == serviceID {
			delete(c.aliases, k)
		}
	}
}

func (c *configCache) forgetClient(serviceID, clientID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.clients, clientKey{serviceID, clientID})
}

// UpdateService implements store.ServiceStore, dropping the cached copy.
func (c *configCache) UpdateService(ctx context.Context, svc store.Service) error {
	defer c.forgetService(svc.APIKey)
	return c.Store.UpdateService(ctx, svc)
}

// DeleteService implements store.ServiceStore, dropping the cached copies.
func (c *configCache) DeleteService(ctx context.Context, serviceID int64) error {
	defer c.forgetService(serviceID)
	return c.Store.DeleteService(ctx, serviceID)
}

// UpdateClient implements store.ClientStore, dropping the cached copy.
func (c *configCache) UpdateClient(ctx context.Context, cl store.Client) error {
	defer c.forgetClient(cl.ServiceID, cl.ClientID)
	return c.Store.UpdateClient(ctx, cl)
}

// DeleteClient implements store.ClientStore, dropping the cached copy.
func (c *configCache) DeleteClient(ctx context.Context, serviceID, clientID int64) error {
	defer c.forgetClient(serviceID, clientID)
	return c.Store.DeleteClient(ctx, serviceID, clientID)
}
