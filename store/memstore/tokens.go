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
	s.tokens[key] = packToken(t)
	g := grantKey{t.ServiceID, t.GrantID}
	s.grants[g] = append(s.grants[g], t.Hash)
	return nil
}

// GetToken implements store.TokenStore.
func (s *Store) GetToken(_ context.Context, serviceID int64, hash string) (store.Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k := hashKey{serviceID, hash}
	b, ok := s.tokens[k]
	if !ok {
		return store.Token{}, fmt.Errorf("memstore: get token: %w", store.ErrNotFound)
	}
	return unpackToken(k, b), nil
}

// DeleteGrant implements store.TokenStore, through the grant index.
func (s *Store) DeleteGrant(_ context.Context, serviceID int64, grantID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := grantKey{serviceID, grantID}
	n := len(s.grants[g])
	for _, hash := range s.grants[g] {
		delete(s.tokens, hashKey{serviceID, hash})
	}
	delete(s.grants, g)
	return n, nil
}

// deleteToken removes a stored token and its entry in the grant index; the
// caller holds the write lock.
func (s *Store) deleteToken(k hashKey, t store.Token) {
	delete(s.tokens, k)
	g := grantKey{k.service, t.GrantID}
	s.grants[g] = slices.DeleteFunc(s.grants[g], func(h string) bool { return h == k.hash })
	if len(s.grants[g]) == 0 {
		delete(s.grants, g)
	}
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
	for k, b := range s.tokens {
		if k.service != serviceID {
			continue
		}
		if t := unpackToken(k, b); matches(t, serviceID, f) {
			all = append(all, t)
		}
	}
	// Unpacked records are fresh copies already: nothing to clone.
	page := listPage(all, p, func(t store.Token) time.Time { return t.CreatedAt }, func(t store.Token) string { return t.Hash },
		func(t store.Token) store.Token { return t })
	return page, len(all), nil
}

// DeleteTokens implements store.TokenStore.
func (s *Store) DeleteTokens(_ context.Context, serviceID int64, f store.TokenFilter) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, b := range s.tokens {
		if k.service != serviceID {
			continue
		}
		if t := unpackToken(k, b); matches(t, serviceID, f) {
			s.deleteToken(k, t)
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
	for k, b := range s.tokens {
		if t := unpackToken(k, b); t.ExpiresAt.Before(before) {
			s.deleteToken(k, t)
			n++
		}
	}
	return n, nil
}
