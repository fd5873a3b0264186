package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

func newKey(serviceID int64, kid, alg string, created time.Time) store.SigningKey {
	return store.SigningKey{
		ServiceID:        serviceID,
		KID:              kid,
		Alg:              alg,
		PublicJWK:        fmt.Appendf(nil, `{"kty":"EC","kid":%q}`, kid),
		SealedPrivateKey: []byte("sealed-" + kid),
		CreatedAt:        created,
	}
}

func testKeyLifecycle(t *testing.T, s store.Store) {
	// Created out of order: the listing follows creation time, then kid.
	keys := []store.SigningKey{
		newKey(1, "k3", "RS256", base.Add(2*time.Hour)),
		newKey(1, "k1", "RS256", base),
		newKey(1, "k2b", "ES256", base.Add(time.Hour)),
		newKey(1, "k2a", "ES256", base.Add(time.Hour)),
	}
	for _, k := range keys {
		mustNil(t, "CreateKey", s.CreateKey(ctx(t), k))
	}
	wantErr(t, "CreateKey(duplicate kid)", s.CreateKey(ctx(t), newKey(1, "k1", "ES256", base)), store.ErrAlreadyExists)

	got, err := s.ListKeys(ctx(t), 1)
	mustNil(t, "ListKeys", err)
	want := []store.SigningKey{keys[1], keys[3], keys[2], keys[0]}
	if d := diff(want, got); d != "" {
		t.Fatalf("ListKeys (-want +got):\n%s", d)
	}

	mustNil(t, "DeleteKey", s.DeleteKey(ctx(t), 1, "k1"))
	wantErr(t, "DeleteKey(twice)", s.DeleteKey(ctx(t), 1, "k1"), store.ErrNotFound)
	got, err = s.ListKeys(ctx(t), 1)
	mustNil(t, "ListKeys", err)
	if len(got) != 3 {
		t.Fatalf("ListKeys after delete: %d keys, want 3", len(got))
	}
	got[0].PublicJWK[0] = 'X'
	again, _ := s.ListKeys(ctx(t), 1)
	if d := diff(keys[3], again[0]); d != "" {
		t.Fatalf("a listed key shares memory with the store (-want +got):\n%s", d)
	}
}

func testKeyTenantIsolation(t *testing.T, s store.Store) {
	mustNil(t, "CreateKey(A)", s.CreateKey(ctx(t), newKey(1, "same", "RS256", base)))
	mustNil(t, "CreateKey(B, same kid)", s.CreateKey(ctx(t), newKey(2, "same", "RS256", base)))
	wantErr(t, "DeleteKey(other tenant)", s.DeleteKey(ctx(t), 3, "same"), store.ErrNotFound)
	got, err := s.ListKeys(ctx(t), 3)
	mustNil(t, "ListKeys(empty tenant)", err)
	if len(got) != 0 {
		t.Fatalf("service 3 lists %d keys", len(got))
	}
	mustNil(t, "DeleteKey(A)", s.DeleteKey(ctx(t), 1, "same"))
	got, err = s.ListKeys(ctx(t), 2)
	mustNil(t, "ListKeys(B)", err)
	if d := diff([]store.SigningKey{newKey(2, "same", "RS256", base)}, got); d != "" {
		t.Fatalf("service two's keys changed (-want +got):\n%s", d)
	}
}
