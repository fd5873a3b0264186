package service

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// signingAlgs are the algorithms every service holds a key for.
var signingAlgs = []string{oauth.AlgRS256, oauth.AlgES256}

// clockSkew is added to how long a retired key stays published, so that a
// token verified by a relying party whose clock runs late still finds its key.
const clockSkew = 5 * time.Minute

// newSigningKey generates a key pair for alg and returns it as a record with
// the private half sealed. The key ID is the key's RFC 7638 thumbprint: unique
// in practice and derived from the key itself.
func (e *Engine) newSigningKey(serviceID int64, alg string) (store.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case oauth.AlgRS256:
		priv, err = rsa.GenerateKey(e.rand, 2048)
	case oauth.AlgES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), e.rand)
	default:
		return store.SigningKey{}, fmt.Errorf("no key type for %s", alg)
	}
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("generate %s key: %w", alg, err)
	}
	pub := jose.JSONWebKey{Key: priv.Public(), Algorithm: alg, Use: "sig"}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("thumbprint: %w", err)
	}
	pub.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	pubJSON, err := pub.MarshalJSON()
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("marshal public key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("marshal private key: %w", err)
	}
	sealed, err := e.sealer.seal(der, keyAAD(serviceID, pub.KeyID))
	if err != nil {
		return store.SigningKey{}, err
	}
	return store.SigningKey{
		ServiceID:        serviceID,
		KID:              pub.KeyID,
		Alg:              alg,
		PublicJWK:        pubJSON,
		SealedPrivateKey: sealed,
		CreatedAt:        e.now(),
	}, nil
}

// keyAAD binds a sealed private key to its service and key ID.
func keyAAD(serviceID int64, kid string) []byte {
	return fmt.Appendf(nil, "gatehouse signing key|%d|%s", serviceID, kid)
}

// createKeys generates and stores one new key per algorithm. The newest key
// of an algorithm is its active key, so this is both the first key set of a
// service and a rotation.
func (e *Engine) createKeys(ctx context.Context, serviceID int64) error {
	for _, alg := range signingAlgs {
		k, err := e.newSigningKey(serviceID, alg)
		if err != nil {
			return Internal(err)
		}
		if err := e.store.CreateKey(ctx, k); err != nil {
			return AsError(fmt.Errorf("store %s key: %w", alg, err))
		}
	}
	return nil
}

// keyState is a service's keys as the engine sees them: which is active per
// algorithm and which are still published.
type keyState struct {
	active    map[string]store.SigningKey
	published []store.SigningKey
	expired   []store.SigningKey
}

// keys loads the service's keys and derives their state. The newest key of
// each algorithm is active; an older key retired when its successor was
// created and stays published for retention after that. Every engine sharing
// the store derives the same state from the same list, so instances agree on
// the active key without coordinating. A service without keys (created by an
// older version) gets them now.
func (e *Engine) keys(ctx context.Context, svc store.Service) (keyState, error) {
	list, err := e.store.ListKeys(ctx, svc.APIKey)
	if err != nil {
		return keyState{}, AsError(fmt.Errorf("list keys: %w", err))
	}
	if !hasEveryAlg(list) {
		if err := e.createKeys(ctx, svc.APIKey); err != nil {
			return keyState{}, err
		}
		if list, err = e.store.ListKeys(ctx, svc.APIKey); err != nil {
			return keyState{}, AsError(fmt.Errorf("list keys: %w", err))
		}
	}
	retention := keyRetention(svc)
	now := e.now()
	st := keyState{active: map[string]store.SigningKey{}}
	// list is oldest first: walking it backwards meets each algorithm's
	// newest key first, and then each older key right after its successor.
	successor := map[string]time.Time{}
	for i := len(list) - 1; i >= 0; i-- {
		k := list[i]
		retired, hasSuccessor := successor[k.Alg]
		successor[k.Alg] = k.CreatedAt
		switch {
		case !hasSuccessor:
			st.active[k.Alg] = k
			st.published = append(st.published, k)
		case now.Sub(retired) < retention:
			st.published = append(st.published, k)
		default:
			st.expired = append(st.expired, k)
		}
	}
	return st, nil
}

func hasEveryAlg(list []store.SigningKey) bool {
	have := map[string]bool{}
	for _, k := range list {
		have[k.Alg] = true
	}
	for _, alg := range signingAlgs {
		if !have[alg] {
			return false
		}
	}
	return true
}

// signingKey returns the active private key for alg, unsealed.
func (e *Engine) signingKey(ctx context.Context, svc store.Service, alg string) (jose.SigningKey, error) {
	st, err := e.keys(ctx, svc)
	if err != nil {
		return jose.SigningKey{}, err
	}
	k, ok := st.active[alg]
	if !ok {
		return jose.SigningKey{}, Internal(fmt.Errorf("service %d has no %s key", svc.APIKey, alg))
	}
	priv, err := e.privateKeys.get(e.sealer, k)
	if err != nil {
		return jose.SigningKey{}, err
	}
	return jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: jose.JSONWebKey{Key: priv, KeyID: k.KID, Algorithm: alg}}, nil
}

// RotateKeys makes a new key per algorithm active and prunes the retired keys
// that no unexpired token can still refer to. It returns the new active keys.
func (e *Engine) RotateKeys(ctx context.Context, svc store.Service) ([]store.SigningKey, error) {
	if err := e.createKeys(ctx, svc.APIKey); err != nil {
		return nil, err
	}
	st, err := e.keys(ctx, svc)
	if err != nil {
		return nil, err
	}
	for _, k := range st.expired {
		if err := e.store.DeleteKey(ctx, svc.APIKey, k.KID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, AsError(fmt.Errorf("prune key %s: %w", k.KID, err))
		}
	}
	var active []store.SigningKey
	for _, alg := range signingAlgs {
		active = append(active, st.active[alg])
	}
	return active, nil
}

// JWKS returns the service's public JWK Set (RFC 7517 §5): the active keys and
// the retired ones still published. It never holds a private member.
func (e *Engine) JWKS(ctx context.Context, svc store.Service) ([]byte, error) {
	st, err := e.keys(ctx, svc)
	if err != nil {
		return nil, err
	}
	set := struct {
		Keys []json.RawMessage `json:"keys"`
	}{Keys: make([]json.RawMessage, 0, len(st.published))}
	for _, k := range st.published {
		set.Keys = append(set.Keys, k.PublicJWK)
	}
	out, err := json.Marshal(set)
	if err != nil {
		return nil, Internal(fmt.Errorf("marshal JWK Set: %w", err))
	}
	return out, nil
}

// KeysRotatedResult is the resultCode and resultMessage of a rotation.
func KeysRotatedResult(svc store.Service) (code, message string) {
	return resKeysRotated.message(int64(keyRetention(svc) / time.Second))
}

// keyRetention is how long a retired key stays published: the longest life
// of a token it may have signed (the service's ID token lifetime, which
// bounds every client's), plus clock skew.
func keyRetention(svc store.Service) time.Duration {
	return time.Duration(svc.IDTokenDuration)*time.Second + clockSkew
}

// idTokenHintSubject verifies that hint is an ID token this service signed
// (with any published key; expiry is tolerated, OIDC Core §3.1.2.1) and
// returns its subject.
func (e *Engine) idTokenHintSubject(ctx context.Context, svc store.Service, hint string) (string, error) {
	tok, err := jwt.ParseSigned(hint, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil || len(tok.Headers) != 1 {
		return "", errors.New("id_token_hint: not a signed JWT")
	}
	st, err := e.keys(ctx, svc)
	if err != nil {
		return "", err
	}
	for _, k := range st.published {
		if k.KID != tok.Headers[0].KeyID || k.Alg != tok.Headers[0].Algorithm {
			continue
		}
		var pub jose.JSONWebKey
		if err := pub.UnmarshalJSON(k.PublicJWK); err != nil {
			return "", Internal(fmt.Errorf("key %s: %w", k.KID, err))
		}
		var claims jwt.Claims
		if err := tok.Claims(pub.Key, &claims); err != nil {
			return "", fmt.Errorf("id_token_hint: %w", err)
		}
		if claims.Issuer != svc.Issuer || claims.Subject == "" {
			return "", errors.New("id_token_hint: issued by another issuer")
		}
		return claims.Subject, nil
	}
	return "", errors.New("id_token_hint: signed by no key of this service")
}

// maxUnsealed bounds the unsealed keys kept: two active keys per service,
// plus the retired ones still in use, for many services.
const maxUnsealed = 10_000

// unsealedKeys keeps private keys unsealed and parsed, by service and kid.
// A kid is the thumbprint of its key, so the sealed key of a (service, kid)
// never changes: the entry never goes stale. Unsealing and parsing PKCS #8
// cost more than an ES256 signature (an RSA key's parse is ~0.1 ms).
type unsealedKeys struct {
	mu   sync.Mutex
	keys map[keyID]crypto.PrivateKey
}

type keyID struct {
	service int64
	kid     string
}

func (u *unsealedKeys) get(s *sealer, k store.SigningKey) (crypto.PrivateKey, error) {
	id := keyID{k.ServiceID, k.KID}
	u.mu.Lock()
	priv, ok := u.keys[id]
	u.mu.Unlock()
	if ok {
		return priv, nil
	}
	der, err := s.open(k.SealedPrivateKey, keyAAD(k.ServiceID, k.KID))
	if err != nil {
		return nil, newError(resKeyUnseal, fmt.Errorf("key %s of service %d: %w", k.KID, k.ServiceID, err))
	}
	priv, err = x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, Internal(fmt.Errorf("parse key %s: %w", k.KID, err))
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.keys == nil || len(u.keys) >= maxUnsealed {
		u.keys = map[keyID]crypto.PrivateKey{}
	}
	u.keys[id] = priv
	return priv, nil
}
