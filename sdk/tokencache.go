package gatehouse

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"
)

// tokenCache remembers recent positive introspection results, bounded in
// entries (least recently used out first) and in time (each entry expires
// at its own deadline, never past the token's expiry). It is keyed by a
// hash of the token and the required scopes, so that a memory dump does
// not yield usable tokens and a token good for one scope set is not taken
// as good for another.
type tokenCache struct {
	mu      sync.Mutex
	max     int
	entries map[cacheKey]*list.Element
	order   *list.List // front: most recently used
}

type cacheKey struct {
	token  [sha256.Size]byte
	scopes string
}

type cacheEntry struct {
	key     cacheKey
	info    TokenInfo
	expires time.Time
}

func newTokenCache(max int) *tokenCache {
	return &tokenCache{max: max, entries: map[cacheKey]*list.Element{}, order: list.New()}
}

func (c *tokenCache) get(key cacheKey, now time.Time) (TokenInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return TokenInfo{}, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.order.Remove(el)
		delete(c.entries, key)
		return TokenInfo{}, false
	}
	c.order.MoveToFront(el)
	return e.info, true
}

func (c *tokenCache) put(key cacheKey, info TokenInfo, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		el.Value = &cacheEntry{key: key, info: info, expires: expires}
		c.order.MoveToFront(el)
		return
	}
	for c.order.Len() >= c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.entries, oldest.Value.(*cacheEntry).key)
	}
	c.entries[key] = c.order.PushFront(&cacheEntry{key: key, info: info, expires: expires})
}

func (c *tokenCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
