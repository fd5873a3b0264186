package memstore

import (
	"context"
	"slices"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// CreateCode implements store.CodeStore.
func (s *Store) CreateCode(_ context.Context, c store.AuthorizationCode) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return createOnce(s.codes, hashKey{c.ServiceID, c.Hash}, cloneCode(c), "code")
}

// ConsumeCode implements store.CodeStore.
func (s *Store) ConsumeCode(_ context.Context, serviceID int64, hash string) (store.AuthorizationCode, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return consumeOnce(s.codes, hashKey{serviceID, hash}, cloneCode, nil, "code")
}

// DeleteCodes implements store.CodeStore.
func (s *Store) DeleteCodes(_ context.Context, serviceID int64, f store.TokenFilter) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, o := range s.codes {
		c := o.rec
		if k.service == serviceID && (f.ClientID == 0 || c.ClientID == f.ClientID) && (f.Subject == "" || c.Subject == f.Subject) {
			delete(s.codes, k)
			n++
		}
	}
	return n, nil
}

// DeleteExpiredCodes implements store.CodeStore.
func (s *Store) DeleteExpiredCodes(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return deleteExpiredOnce(s.codes, before, func(c store.AuthorizationCode) time.Time { return c.ExpiresAt }), nil
}

func cloneCode(c store.AuthorizationCode) store.AuthorizationCode {
	c.Scopes = slices.Clone(c.Scopes)
	c.Claims = slices.Clone(c.Claims)
	c.UserInfoClaims = slices.Clone(c.UserInfoClaims)
	c.Properties = slices.Clone(c.Properties) // Property holds no references
	c.AuthTime = storedTime(c.AuthTime)
	c.CreatedAt = storedTime(c.CreatedAt)
	c.ExpiresAt = storedTime(c.ExpiresAt)
	return c
}
