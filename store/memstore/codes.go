package memstore

import (
	"context"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// CreateCode implements store.CodeStore. The code is kept packed (see
// packCode).
func (s *Store) CreateCode(_ context.Context, c store.AuthorizationCode) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return createOnce(s.codes, hashKey{c.ServiceID, c.Hash}, packCode(c), "code")
}

// ConsumeCode implements store.CodeStore.
func (s *Store) ConsumeCode(_ context.Context, serviceID int64, hash string) (store.AuthorizationCode, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := hashKey{serviceID, hash}
	// Unpacking makes fresh values, so the packed bytes need no copy.
	b, err := consumeOnce(s.codes, k, func(b []byte) []byte { return b }, nil, "code")
	if b == nil {
		return store.AuthorizationCode{}, err
	}
	return unpackCode(k, b), err
}

// DeleteCodes implements store.CodeStore.
func (s *Store) DeleteCodes(_ context.Context, serviceID int64, f store.TokenFilter) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, o := range s.codes {
		if k.service != serviceID {
			continue
		}
		if c := unpackCode(k, o.rec); (f.ClientID == 0 || c.ClientID == f.ClientID) && (f.Subject == "" || c.Subject == f.Subject) {
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
	return deleteExpiredOnce(s.codes, before, func(b []byte) time.Time { return unpackCode(hashKey{}, b).ExpiresAt }), nil
}
