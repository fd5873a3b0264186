package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// CreateToken implements store.TokenStore.
func (s *Store) CreateToken(_ context.Context, t store.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := hashKey{t.ServiceID, t.Hash}
	if _, ok := s.tokens[key]; ok {
		return fmt.Errorf("memstore: create token: %w", store.ErrAlreadyExists)
	}
	s.tokens[key] = cloneToken(t)
	return nil
}

// GetToken implements store.TokenStore.
func (s *Store) GetToken(_ context.Context, serviceID int64, hash string) (store.Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tokens[hashKey{serviceID, hash}]
	if !ok {
		return store.Token{}, fmt.Errorf("memstore: get token: %w", store.ErrNotFound)
	}
	return cloneToken(t), nil
}

// DeleteGrant implements store.TokenStore. It scans every token: revoking a
// grant is rare (a replayed code or refresh token, an explicit revocation),
// and an index by grant would be one more map to keep in step.
func (s *Store) DeleteGrant(_ context.Context, serviceID int64, grantID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, t := range s.tokens {
		if k.service == serviceID && t.GrantID == grantID {
			delete(s.tokens, k)
			n++
		}
	}
	return n, nil
}

// DeleteExpiredTokens implements store.TokenStore.
func (s *Store) DeleteExpiredTokens(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, t := range s.tokens {
		if t.ExpiresAt.Before(before) {
			delete(s.tokens, k)
			n++
		}
	}
	return n, nil
}

func cloneToken(t store.Token) store.Token {
	t.Scopes = slices.Clone(t.Scopes)
	t.Properties = slices.Clone(t.Properties) // Property holds no references
	t.CreatedAt = storedTime(t.CreatedAt)
	t.ExpiresAt = storedTime(t.ExpiresAt)
	return t
}
