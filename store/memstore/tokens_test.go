package memstore

import (
	"context"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/gatehouse-oss/gatehouse/store"
)

// TestStoredScopesDoNotPinTheRequest: a scope cut out of a large request
// must not keep the request alive for the token's lifetime.
func TestStoredScopesDoNotPinTheRequest(t *testing.T) {
	request := "scope=read&junk=" + strings.Repeat("x", 10_000)
	scope := request[len("scope="):len("scope=read")]
	s := New()
	now := time.Now()
	err := s.CreateToken(context.Background(), store.Token{ServiceID: 1, Hash: "h", Kind: "access", GrantID: "g",
		Scopes: []string{scope}, Subject: request[:4], CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	stored := s.tokens[hashKey{1, "h"}]
	start := uintptr(unsafe.Pointer(unsafe.StringData(request)))
	for _, kept := range []string{stored.Scopes[0], stored.Subject} {
		p := uintptr(unsafe.Pointer(unsafe.StringData(kept)))
		if p >= start && p < start+uintptr(len(request)) {
			t.Errorf("stored %q points into the request", kept)
		}
	}
}
