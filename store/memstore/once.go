package memstore

import (
	"fmt"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// hashKey finds a record stored under the hash of a raw value (ticket,
// code, token) within its service.
type hashKey struct {
	service int64
	hash    string
}

// once is a single-use record and whether it has been used. The mark lives
// with the record, so it goes when the record is swept.
type once[T any] struct {
	rec  T
	used bool
}

func createOnce[T any](m map[hashKey]*once[T], k hashKey, rec T, what string) error {
	if _, ok := m[k]; ok {
		return fmt.Errorf("memstore: create %s: %w", what, store.ErrAlreadyExists)
	}
	m[k] = &once[T]{rec: rec}
	return nil
}

// consumeOnce marks a record used. The caller holds the write lock, so the
// check and the mark are one step: exactly one caller consumes a record;
// later ones get it with ErrConsumed. spend, when not nil, shrinks the
// record kept after its use to what a replay still needs.
func consumeOnce[T any](m map[hashKey]*once[T], k hashKey, clone, spend func(T) T, what string) (T, error) {
	o, ok := m[k]
	if !ok {
		var zero T
		return zero, fmt.Errorf("memstore: consume %s: %w", what, store.ErrNotFound)
	}
	if o.used {
		return clone(o.rec), fmt.Errorf("memstore: consume %s: %w", what, store.ErrConsumed)
	}
	o.used = true
	rec := clone(o.rec)
	if spend != nil {
		o.rec = spend(o.rec)
	}
	return rec, nil
}

func deleteExpiredOnce[T any](m map[hashKey]*once[T], before time.Time, expiresAt func(T) time.Time) int {
	n := 0
	for k, o := range m {
		if expiresAt(o.rec).Before(before) {
			delete(m, k)
			n++
		}
	}
	return n
}

// owned is a map key that names the service owning the record.
type owned interface {
	comparable
	owner() int64
}

func (k hashKey) owner() int64   { return k.service }
func (k clientKey) owner() int64 { return k.service }
func (k aliasKey) owner() int64  { return k.service }
func (k keyKey) owner() int64    { return k.service }
func (k claimKey) owner() int64  { return k.service }
func (k grantKey) owner() int64  { return k.service }

// dropService deletes every record of a service from m.
func dropService[K owned, V any](m map[K]V, serviceID int64) {
	for k := range m {
		if k.owner() == serviceID {
			delete(m, k)
		}
	}
}
