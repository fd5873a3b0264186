package memstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// TestStoredScopesDoNotPinTheRequest: a scope cut out of a large request
// must not keep the request alive for the token's lifetime: the stored
// record holds its own bytes, sized by what it keeps.
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
	if n := cap(s.tokens[hashKey{1, "h"}]); n > 256 {
		t.Errorf("the stored token takes %d bytes for a 4-byte scope", n)
	}
}
