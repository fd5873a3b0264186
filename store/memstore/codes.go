package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

type codeKey struct {
	service int64
	hash    string
}

// code is a stored authorization code. A consumed code is kept, marked, until
// the sweep removes it, so that a replay is told from a guess.
type code struct {
	rec      store.AuthorizationCode
	consumed bool
}

// CreateCode implements store.CodeStore.
func (s *Store) CreateCode(_ context.Context, c store.AuthorizationCode) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := codeKey{c.ServiceID, c.Hash}
	if _, ok := s.codes[key]; ok {
		return fmt.Errorf("memstore: create code: %w", store.ErrAlreadyExists)
	}
	s.codes[key] = &code{rec: cloneCode(c)}
	return nil
}

// ConsumeCode implements store.CodeStore. The check and the mark happen under
// one write lock, so exactly one caller consumes a code.
func (s *Store) ConsumeCode(_ context.Context, serviceID int64, hash string) (store.AuthorizationCode, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[codeKey{serviceID, hash}]
	if !ok {
		return store.AuthorizationCode{}, fmt.Errorf("memstore: consume code: %w", store.ErrNotFound)
	}
	if c.consumed {
		return cloneCode(c.rec), fmt.Errorf("memstore: consume code: %w", store.ErrConsumed)
	}
	c.consumed = true
	return cloneCode(c.rec), nil
}

// DeleteExpiredCodes implements store.CodeStore. A code's consumption mark
// lives in the code itself, so it goes with it.
func (s *Store) DeleteExpiredCodes(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, c := range s.codes {
		if c.rec.ExpiresAt.Before(before) {
			delete(s.codes, k)
			n++
		}
	}
	return n, nil
}

func cloneCode(c store.AuthorizationCode) store.AuthorizationCode {
	c.Scopes = slices.Clone(c.Scopes)
	c.Claims = slices.Clone(c.Claims)
	c.Properties = slices.Clone(c.Properties) // Property holds no references
	c.AuthTime = storedTime(c.AuthTime)
	c.CreatedAt = storedTime(c.CreatedAt)
	c.ExpiresAt = storedTime(c.ExpiresAt)
	return c
}
