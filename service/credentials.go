package service

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
)

// maxID bounds API keys and client IDs: numbers as in Authlete, and below 2^53
// so that JavaScript clients read them exactly.
const maxID = 1 << 53

// secretBytes is the entropy of a generated secret: 256 bits.
const secretBytes = 32

// newID draws a uniformly random identifier in [1, 2^53).
func newID(rand io.Reader) (int64, error) {
	var b [8]byte
	for {
		if _, err := io.ReadFull(rand, b[:]); err != nil {
			return 0, fmt.Errorf("read random: %w", err)
		}
		// 53 random bits; zero is not an identifier.
		if id := int64(binary.BigEndian.Uint64(b[:]) & (maxID - 1)); id != 0 {
			return id, nil
		}
	}
}

// newSecret draws a 256-bit secret, base64url without padding.
func newSecret(rand io.Reader) (string, error) {
	b := make([]byte, secretBytes)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashSecret is how a secret is stored: its SHA-256. Secrets are 256-bit
// random values, so a fast hash is enough; a slow password hash would only
// cost every token request time without adding security.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// secretMatches compares a presented secret with a stored hash in constant
// time. An empty stored hash (a public client) never matches.
func secretMatches(stored []byte, presented string) bool {
	if len(stored) != sha256.Size {
		return false
	}
	return subtle.ConstantTimeCompare(stored, HashSecret(presented)) == 1
}
