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

// matches reports whether t of serviceID is selected by f.
func matches(t store.Token, serviceID int64, f store.TokenFilter) bool {
	return t.ServiceID == serviceID &&
		(f.ClientID == 0 || t.ClientID == f.ClientID) &&
		(f.Subject == "" || t.Subject == f.Subject)
}

// ListTokens implements store.TokenStore. It scans every token, like
// DeleteGrant: listing is an administrator's occasional call, and indexes by
// client and subject would cost every issued token two more map entries.
func (s *Store) ListTokens(_ context.Context, serviceID int64, f store.TokenFilter, p store.Page) ([]store.Token, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var all []store.Token
	for _, t := range s.tokens {
		if matches(t, serviceID, f) {
			all = append(all, t)
		}
	}
	page := listPage(all, p, func(t store.Token) time.Time { return t.CreatedAt }, func(t store.Token) string { return t.Hash }, cloneToken)
	return page, len(all), nil
}

// DeleteTokens implements store.TokenStore.
func (s *Store) DeleteTokens(_ context.Context, serviceID int64, f store.TokenFilter) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, t := range s.tokens {
		if matches(t, serviceID, f) {
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
	t.UserInfoClaims = slices.Clone(t.UserInfoClaims)
	t.Properties = slices.Clone(t.Properties) // Property holds no references
	t.CreatedAt = storedTime(t.CreatedAt)
	t.ExpiresAt = storedTime(t.ExpiresAt)
	t.RefreshExpiresAt = storedTime(t.RefreshExpiresAt)
	t.AuthTime = storedTime(t.AuthTime)
	return t
}
