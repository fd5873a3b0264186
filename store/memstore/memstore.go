// Package memstore is the embedded in-memory backend: the default of `go run .`
// and a real backend for tests, held to the same conformance suite as the
// MongoDB backend.
//
// One RWMutex guards everything. That is simple and fast enough for a single
// process; the memstore is not meant to be shared by several engine
// instances (use mongostore for that). Records are deep-copied on the way in
// and on the way out, so no caller ever shares memory with stored state, and
// times are truncated to the millisecond and put in UTC exactly as a document
// backend would store them.
package memstore

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// Store is the in-memory backend. The zero value is not usable; call New.
type Store struct {
	mu       sync.RWMutex
	services map[int64]store.Service
	clients  map[clientKey]store.Client
	aliases  map[aliasKey]int64 // alias → client ID, per service
	tickets  map[hashKey]*once[store.Ticket]
	keys     map[keyKey]store.SigningKey
	claims   map[claimKey]time.Time
	codes    map[hashKey]*once[[]byte] // packed: see packCode
	tokens   map[hashKey][]byte        // packed: see packToken
	// grants indexes tokens by grant, so that revoking a grant (every
	// replayed code or refresh token, every revocation) costs the size of
	// the grant, not a scan of every token under the write lock.
	// A grant holds a handful of tokens, so a slice of hashes beats a set.
	grants map[grantKey][]string
}

type grantKey struct {
	service int64
	grant   string
}

type clientKey struct {
	service, client int64
}

type aliasKey struct {
	service int64
	alias   string
}

var _ store.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		services: make(map[int64]store.Service),
		clients:  make(map[clientKey]store.Client),
		aliases:  make(map[aliasKey]int64),
		tickets:  make(map[hashKey]*once[store.Ticket]),
		keys:     make(map[keyKey]store.SigningKey),
		claims:   make(map[claimKey]time.Time),
		codes:    make(map[hashKey]*once[[]byte]),
		tokens:   make(map[hashKey][]byte),
		grants:   make(map[grantKey][]string),
	}
}

// Ping always succeeds: the memory is always there.
func (s *Store) Ping(context.Context) error { return nil }

// Close drops nothing; the store lives as long as the process.
func (s *Store) Close(context.Context) error { return nil }

// storedTime is the form in which every backend keeps a time.
func storedTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Truncate(time.Millisecond).UTC()
}

// listPage orders records by creation time, then by id (the listing order of
// the contract), cuts the half-open range p out of them and returns copies.
func listPage[T any, K cmp.Ordered](all []T, p store.Page, created func(T) time.Time, id func(T) K, clone func(T) T) []T {
	sort.Slice(all, func(i, j int) bool {
		ci, cj := created(all[i]), created(all[j])
		if !ci.Equal(cj) {
			return ci.Before(cj)
		}
		return id(all[i]) < id(all[j])
	})
	start, end := max(p.Start, 0), min(p.End, len(all))
	if start >= end {
		return nil
	}
	out := make([]T, 0, end-start)
	for _, r := range all[start:end] {
		out = append(out, clone(r))
	}
	return out
}

func cloneService(s store.Service) store.Service {
	s = s.Clone()
	s.CreatedAt = storedTime(s.CreatedAt)
	s.ModifiedAt = storedTime(s.ModifiedAt)
	return s
}

func cloneClient(c store.Client) store.Client {
	c = c.Clone()
	c.CreatedAt = storedTime(c.CreatedAt)
	c.ModifiedAt = storedTime(c.ModifiedAt)
	return c
}

func cloneTicket(t store.Ticket) store.Ticket {
	t.Payload = slices.Clone(t.Payload)
	t.CreatedAt = storedTime(t.CreatedAt)
	t.ExpiresAt = storedTime(t.ExpiresAt)
	return t
}
