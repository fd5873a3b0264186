package service

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
)

// MasterKeySize is the size of the key that seals private signing keys at
// rest: 32 bytes, for AES-256-GCM.
const MasterKeySize = 32

// sealer encrypts private keys before they reach the store and decrypts them
// after, with AES-256-GCM. The associated data names the key's service and
// key ID, so a sealed key copied onto another record does not open.
type sealer struct {
	aead cipher.AEAD
	rand io.Reader
}

func newSealer(masterKey []byte, rand io.Reader) (*sealer, error) {
	if len(masterKey) != MasterKeySize {
		return nil, fmt.Errorf("master key: %d bytes, want %d", len(masterKey), MasterKeySize)
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return &sealer{aead: aead, rand: rand}, nil
}

// seal returns nonce || ciphertext of plaintext bound to aad.
func (s *sealer) seal(plaintext, aad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return nil, fmt.Errorf("seal: read random: %w", err)
	}
	return s.aead.Seal(nonce, nonce, plaintext, aad), nil
}

// errUnseal means a sealed key does not open: the master key differs from the
// one it was sealed with, or the record was tampered with.
var errUnseal = errors.New("cannot unseal: wrong master key or altered record")

func (s *sealer) open(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errUnseal
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, errUnseal
	}
	return plain, nil
}
