package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/gatehouse-oss/gatehouse/store"
)

type keyKey struct {
	service int64
	kid     string
}

// CreateKey implements store.KeyStore.
func (s *Store) CreateKey(_ context.Context, k store.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := keyKey{k.ServiceID, k.KID}
	if _, ok := s.keys[key]; ok {
		return fmt.Errorf("memstore: create key %s: %w", k.KID, store.ErrAlreadyExists)
	}
	s.keys[key] = cloneKey(k)
	return nil
}

// ListKeys implements store.KeyStore.
func (s *Store) ListKeys(_ context.Context, serviceID int64) ([]store.SigningKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []store.SigningKey
	for k, v := range s.keys {
		if k.service == serviceID {
			out = append(out, cloneKey(v))
		}
	}
	slices.SortFunc(out, func(a, b store.SigningKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.KID, b.KID)
	})
	return out, nil
}

// DeleteKey implements store.KeyStore.
func (s *Store) DeleteKey(_ context.Context, serviceID int64, kid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := keyKey{serviceID, kid}
	if _, ok := s.keys[key]; !ok {
		return fmt.Errorf("memstore: delete key %s: %w", kid, store.ErrNotFound)
	}
	delete(s.keys, key)
	return nil
}

func cloneKey(k store.SigningKey) store.SigningKey {
	k.PublicJWK = slices.Clone(k.PublicJWK)
	k.SealedPrivateKey = slices.Clone(k.SealedPrivateKey)
	k.CreatedAt = storedTime(k.CreatedAt)
	return k
}
