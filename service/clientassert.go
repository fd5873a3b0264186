package service

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// Client authentication by private_key_jwt (RFC 7523 §2.2 and §3, OIDC Core
// §9). Every failure of the assertion is a plain error, which the caller
// answers with invalid_client; only a failure of the engine or the store is
// an *Error. The JWT bearer grant (RFC 7523 §2.1, grant_jwt_bearer.go)
// shares the parsing, the keys, the signature check and the checks of
// checkAssertionValidity.

const (
	// assertionSkew is how far the clocks of client and server may disagree
	// on exp, iat and nbf.
	assertionSkew = time.Minute
	// maxAssertionLifetime bounds exp - iat (exp - now without iat), so that
	// an assertion cannot live forever and its jti claim stays short-lived.
	maxAssertionLifetime = time.Hour
	// maxAssertionSize bounds the work done on a client_assertion or a JWT
	// bearer assertion before its signature is checked.
	maxAssertionSize = 16 << 10
	// maxJTILength bounds the store key a jti becomes.
	maxJTILength = 256
	// claimKindJTI is the ClaimStore kind of a used assertion.
	claimKindJTI = "jti"
)

// assertionAlgs are the algorithms a client assertion or a JWT bearer
// assertion may be signed with: never none, never HS* (client_secret_jwt is
// out, DESIGN §5; and a shared secret cannot be held only as a hash).
var assertionAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.PS256}

// assertionClientID returns the client the assertion claims to be: its sub
// (which must equal its iss), read WITHOUT verifying the signature, so the
// client can be looked up. A malformed assertion is an error.
func assertionClientID(assertion string) (string, error) {
	tok, err := parseAssertion(assertion)
	if err != nil {
		return "", err
	}
	var cl jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&cl); err != nil {
		return "", fmt.Errorf("client assertion: claims: %w", err)
	}
	if err := checkAssertionIssuer(cl); err != nil {
		return "", err
	}
	return cl.Subject, nil
}

// verifyClientAssertion verifies a client assertion of client c of svc. It
// returns nil when the assertion is valid, a plain error saying why when it
// is not, and an *Error when the engine or the store failed.
func (e *Engine) verifyClientAssertion(ctx context.Context, svc store.Service, c store.Client, assertion string) error {
	if c.ServiceID != svc.APIKey {
		return Internal(fmt.Errorf("client %d is not a client of service %d", c.ClientID, svc.APIKey))
	}
	if c.TokenAuthMethod != oauth.AuthPrivateKeyJWT {
		return errors.New("client assertion: the client is not registered for private_key_jwt")
	}
	tok, err := parseAssertion(assertion)
	if err != nil {
		return err
	}
	now := e.now()
	keys, err := clientKeys(ctx, e.jwksFetcher(svc), c, tok.Headers[0].KeyID, now)
	if err != nil {
		return err
	}
	// The claims are checked only as they come out of the verified payload.
	cl, err := verifyAssertionSignature(tok, keys)
	if err != nil {
		return err
	}
	if err := checkAssertionClaims(svc, c, cl, now); err != nil {
		return err
	}
	// Single use (RFC 7523 §3 item 7). The mark outlives every instant at
	// which the assertion would still be accepted: exp plus the skew.
	key := strconv.FormatInt(c.ClientID, 10) + ":" + cl.ID
	err = e.store.Claim(ctx, svc.APIKey, claimKindJTI, key, cl.Expiry.Time().Add(assertionSkew))
	switch {
	case errors.Is(err, store.ErrConsumed):
		return errors.New("client assertion: jti already used")
	case err != nil:
		return AsError(fmt.Errorf("claim assertion jti: %w", err))
	}
	return nil
}

// parseAssertion parses a compact JWS signed with one of assertionAlgs.
func parseAssertion(assertion string) (*jwt.JSONWebToken, error) {
	if len(assertion) > maxAssertionSize {
		return nil, fmt.Errorf("assertion: longer than %d bytes", maxAssertionSize)
	}
	tok, err := jwt.ParseSigned(assertion, assertionAlgs)
	if err != nil {
		return nil, fmt.Errorf("assertion: not a JWT signed with RS256, ES256 or PS256: %w", err)
	}
	if len(tok.Headers) != 1 {
		return nil, errors.New("assertion: not exactly one signature")
	}
	return tok, nil
}

// checkAssertionIssuer requires iss and sub, equal to each other (RFC 7523
// §3 items 1 and 2).
func checkAssertionIssuer(cl jwt.Claims) error {
	switch {
	case cl.Subject == "" || cl.Issuer == "":
		return errors.New("client assertion: iss and sub are required")
	case cl.Issuer != cl.Subject:
		return errors.New("client assertion: iss differs from sub")
	}
	return nil
}

// checkAssertionClaims applies RFC 7523 §3 to verified claims of a client
// assertion: iss and sub name the client, then the checks every assertion
// gets.
func checkAssertionClaims(svc store.Service, c store.Client, cl jwt.Claims, now time.Time) error {
	if err := checkAssertionIssuer(cl); err != nil {
		return err
	}
	ids := []string{strconv.FormatInt(c.ClientID, 10)}
	if c.ClientIDAliasEnabled && c.ClientIDAlias != "" {
		ids = append(ids, c.ClientIDAlias)
	}
	if !slices.Contains(ids, cl.Subject) {
		return errors.New("client assertion: sub is not the authenticating client")
	}
	return checkAssertionValidity(svc, cl, now)
}

// checkAssertionValidity applies the checks of RFC 7523 §3 that do not
// depend on what the assertion is for — client authentication (§2.2) or an
// authorization grant (§2.1): aud names this server (item 3), exp is
// required and not passed, nbf and iat are not in the future, the lifetime
// is bounded (items 4 to 6), and jti is present (item 7: its single use is
// the caller's, which knows the key to record it under).
func checkAssertionValidity(svc store.Service, cl jwt.Claims, now time.Time) error {
	if !slices.ContainsFunc(cl.Audience, func(a string) bool {
		return a != "" && (a == svc.Issuer || a == svc.TokenEndpoint)
	}) {
		return errors.New("assertion: aud holds neither the issuer nor the token endpoint")
	}
	if cl.Expiry == nil {
		return errors.New("assertion: exp is required")
	}
	exp := cl.Expiry.Time()
	if !now.Before(exp.Add(assertionSkew)) {
		return errors.New("assertion: expired")
	}
	start := now
	if cl.IssuedAt != nil {
		start = cl.IssuedAt.Time()
		if start.After(now.Add(assertionSkew)) {
			return errors.New("assertion: iat is in the future")
		}
	}
	if exp.Sub(start) > maxAssertionLifetime {
		return fmt.Errorf("assertion: lives longer than %v", maxAssertionLifetime)
	}
	if cl.NotBefore != nil && cl.NotBefore.Time().After(now.Add(assertionSkew)) {
		return errors.New("assertion: not valid yet (nbf)")
	}
	switch {
	case cl.ID == "":
		return errors.New("assertion: jti is required")
	case len(cl.ID) > maxJTILength:
		return fmt.Errorf("assertion: jti longer than %d bytes", maxJTILength)
	}
	return nil
}

// verifyAssertionSignature checks the signature against the signer's keys
// that fit the header (its kid when it names one, and its alg) and returns
// the verified claims.
func verifyAssertionSignature(tok *jwt.JSONWebToken, keys []jose.JSONWebKey) (jwt.Claims, error) {
	h := tok.Headers[0]
	tried := false
	for _, k := range keys {
		if h.KeyID != "" && k.KeyID != h.KeyID {
			continue
		}
		pub, ok := assertionKey(k, h.Algorithm)
		if !ok {
			continue
		}
		tried = true
		var cl jwt.Claims
		err := tok.Claims(pub, &cl)
		switch {
		case err == nil:
			return cl, nil
		case !errors.Is(err, jose.ErrCryptoFailure):
			// Verified, or refused for a reason no other key changes.
			return jwt.Claims{}, fmt.Errorf("assertion: %w", err)
		}
	}
	if !tried {
		return jwt.Claims{}, fmt.Errorf("assertion: no key of the signer fits kid %q and alg %s", h.KeyID, h.Algorithm)
	}
	return jwt.Claims{}, errors.New("assertion: bad signature")
}

// assertionKey returns the public key of k if k may verify a signature of
// alg: a public signing key (a JWK with private members is refused: it was
// leaked at registration) of the right type, RSA keys of at least 2048 bits.
func assertionKey(k jose.JSONWebKey, alg string) (any, bool) {
	if !k.IsPublic() || (k.Use != "" && k.Use != "sig") || (k.Algorithm != "" && k.Algorithm != alg) {
		return nil, false
	}
	switch pub := k.Key.(type) {
	case *rsa.PublicKey:
		if (alg == string(jose.RS256) || alg == string(jose.PS256)) && pub.N.BitLen() >= 2048 {
			return pub, true
		}
	case *ecdsa.PublicKey:
		if alg == string(jose.ES256) && pub.Curve == elliptic.P256() {
			return pub, true
		}
	}
	return nil, false
}

// clientKeys returns the client's registered keys: its inline jwks, or the
// set behind its jwksUri.
func clientKeys(ctx context.Context, f *jwksFetcher, c store.Client, kid string, now time.Time) ([]jose.JSONWebKey, error) {
	return assertionKeys(ctx, f, c.JWKS, c.JWKSURI, kid, now)
}

// assertionKeys returns the keys of an assertion's signer, a client or a
// trusted issuer: the inline JWK Set jwks, or the set behind jwksURI
// (fetched and cached by f; kid tells it when the cache is
// stale).
func assertionKeys(ctx context.Context, f *jwksFetcher, jwks, jwksURI, kid string, now time.Time) ([]jose.JSONWebKey, error) {
	switch {
	case jwks != "":
		return parseJWKS([]byte(jwks))
	case jwksURI != "":
		return f.keys(ctx, jwksURI, kid, now)
	default:
		return nil, errors.New("assertion: the signer has neither jwks nor jwksUri")
	}
}

// maxJWKSKeys bounds the keys of a set, and so the signatures tried on an
// assertion without a kid.
const maxJWKSKeys = 100

// parseJWKS reads a JWK Set, skipping the keys it cannot read (RFC 7517 §5:
// unknown kty, missing members).
func parseJWKS(data []byte) ([]jose.JSONWebKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil || set.Keys == nil {
		return nil, errors.New("jwks: not a JWK Set")
	}
	if len(set.Keys) > maxJWKSKeys {
		return nil, fmt.Errorf("jwks: more than %d keys", maxJWKSKeys)
	}
	keys := make([]jose.JSONWebKey, 0, len(set.Keys))
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err == nil {
			keys = append(keys, k)
		}
	}
	return keys, nil
}
