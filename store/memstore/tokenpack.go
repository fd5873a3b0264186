package memstore

import (
	"encoding/binary"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// Stored tokens and codes are kept packed into one byte slice each: a
// memstore holds a record per live token and per recent code — hundreds of
// thousands under load — and a struct of strings and slices is a dozen
// pointers the garbage collector marks on every cycle, while a []byte is
// never scanned. Packing also copies every string, so no record keeps alive
// the request it was parsed from. ServiceID and Hash are not packed: the
// map key holds them.

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

// appendTime packs a time as milliseconds (storedTime's precision), with a
// leading flag so that the zero time stays zero.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	return binary.AppendVarint(append(b, 1), t.UnixMilli())
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendProperties(b []byte, ps []store.Property) []byte {
	b = binary.AppendUvarint(b, uint64(len(ps)))
	for _, p := range ps {
		b = appendBool(appendString(appendString(b, p.Key), p.Value), p.Hidden)
	}
	return b
}

func packToken(t store.Token) []byte {
	b := make([]byte, 0, 160)
	b = appendString(b, t.Kind)
	b = appendString(b, t.GrantID)
	b = binary.AppendVarint(b, t.ClientID)
	b = appendString(b, t.Subject)
	b = appendStrings(b, t.Scopes)
	b = appendProperties(b, t.Properties)
	b = appendTime(b, t.AuthTime)
	b = appendString(b, t.ACR)
	b = appendString(b, t.IDTokenSubject)
	b = appendStrings(b, t.UserInfoClaims)
	b = appendBool(b, t.ClientIDAliasUsed)
	b = appendString(b, t.GrantType)
	b = appendTime(b, t.RefreshExpiresAt)
	b = appendTime(b, t.CreatedAt)
	b = appendTime(b, t.ExpiresAt)
	return b
}

// unpacker reads what packToken wrote. The input is the store's own, so a
// short read is a bug, not bad input: it panics.
type unpacker struct{ b []byte }

func (u *unpacker) uvarint() uint64 {
	v, n := binary.Uvarint(u.b)
	if n <= 0 {
		panic("memstore: corrupt packed token")
	}
	u.b = u.b[n:]
	return v
}

func (u *unpacker) varint() int64 {
	v, n := binary.Varint(u.b)
	if n <= 0 {
		panic("memstore: corrupt packed token")
	}
	u.b = u.b[n:]
	return v
}

func (u *unpacker) string() string {
	n := u.uvarint()
	s := string(u.b[:n])
	u.b = u.b[n:]
	return s
}

func (u *unpacker) strings() []string {
	n := u.uvarint()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = u.string()
	}
	return out
}

func (u *unpacker) bool() bool {
	v := u.b[0] == 1
	u.b = u.b[1:]
	return v
}

func (u *unpacker) time() time.Time {
	if !u.bool() {
		return time.Time{}
	}
	return time.UnixMilli(u.varint()).UTC()
}

func (u *unpacker) properties() []store.Property {
	n := u.uvarint()
	if n == 0 {
		return nil
	}
	out := make([]store.Property, n)
	for i := range out {
		out[i] = store.Property{Key: u.string(), Value: u.string(), Hidden: u.bool()}
	}
	return out
}

func unpackToken(k hashKey, b []byte) store.Token {
	u := unpacker{b}
	t := store.Token{ServiceID: k.service, Hash: k.hash}
	t.Kind = u.string()
	t.GrantID = u.string()
	t.ClientID = u.varint()
	t.Subject = u.string()
	t.Scopes = u.strings()
	t.Properties = u.properties()
	t.AuthTime = u.time()
	t.ACR = u.string()
	t.IDTokenSubject = u.string()
	t.UserInfoClaims = u.strings()
	t.ClientIDAliasUsed = u.bool()
	t.GrantType = u.string()
	t.RefreshExpiresAt = u.time()
	t.CreatedAt = u.time()
	t.ExpiresAt = u.time()
	return t
}

func packCode(c store.AuthorizationCode) []byte {
	b := make([]byte, 0, 256+len(c.Claims))
	b = appendString(b, c.GrantID)
	b = binary.AppendVarint(b, c.ClientID)
	b = appendString(b, c.RedirectURI)
	b = appendStrings(b, c.Scopes)
	b = appendString(b, c.Subject)
	b = appendString(b, c.IDTokenSubject)
	b = appendTime(b, c.AuthTime)
	b = appendString(b, c.ACR)
	b = appendString(b, c.Nonce)
	b = appendString(b, c.CodeChallenge)
	b = appendString(b, c.CodeChallengeMethod)
	b = appendString(b, string(c.Claims))
	b = appendBool(b, c.ClientIDAliasUsed)
	b = appendStrings(b, c.UserInfoClaims)
	b = appendProperties(b, c.Properties)
	b = appendTime(b, c.CreatedAt)
	b = appendTime(b, c.ExpiresAt)
	return b
}

func unpackCode(k hashKey, b []byte) store.AuthorizationCode {
	u := unpacker{b}
	c := store.AuthorizationCode{ServiceID: k.service, Hash: k.hash}
	c.GrantID = u.string()
	c.ClientID = u.varint()
	c.RedirectURI = u.string()
	c.Scopes = u.strings()
	c.Subject = u.string()
	c.IDTokenSubject = u.string()
	c.AuthTime = u.time()
	c.ACR = u.string()
	c.Nonce = u.string()
	c.CodeChallenge = u.string()
	c.CodeChallengeMethod = u.string()
	if claims := u.string(); claims != "" {
		c.Claims = []byte(claims)
	}
	c.ClientIDAliasUsed = u.bool()
	c.UserInfoClaims = u.strings()
	c.Properties = u.properties()
	c.CreatedAt = u.time()
	c.ExpiresAt = u.time()
	return c
}
