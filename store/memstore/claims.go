package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

type claimKey struct {
	service   int64
	kind, key string
}

// Claim implements store.ClaimStore.
func (s *Store) Claim(_ context.Context, serviceID int64, kind, key string, expiresAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := claimKey{serviceID, kind, key}
	if _, ok := s.claims[k]; ok {
		return fmt.Errorf("memstore: claim %s: %w", kind, store.ErrConsumed)
	}
	s.claims[k] = storedTime(expiresAt)
	return nil
}

// Claimed implements store.ClaimStore.
func (s *Store) Claimed(_ context.Context, serviceID int64, kind, key string) (bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.claims[claimKey{serviceID, kind, key}]
	return ok, nil
}

// DeleteExpiredClaims implements store.ClaimStore.
func (s *Store) DeleteExpiredClaims(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, exp := range s.claims {
		if exp.Before(before) {
			delete(s.claims, k)
			n++
		}
	}
	return n, nil
}
