package service

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-oss/gatehouse/store"
)

// IDToken is what a caller knows about an authentication; SignIDToken adds
// what the engine owns (OIDC Core §2): iss, aud, exp, iat, azp and the hashes.
type IDToken struct {
	Subject   string    // sub: the end-user's identifier at this service
	Nonce     string    // nonce of the authentication request, if any
	AuthTime  time.Time // auth_time; omitted when zero
	ACR       string    // acr; omitted when empty
	AMR       []string  // amr; omitted when empty
	SessionID string    // sid (OIDC Front/Back-Channel Logout); omitted when empty
	// Audiences are audiences besides the client; with any, azp names the
	// client (OIDC Core §2).
	Audiences []string
	// AliasUsed names the client by its clientIdAlias in aud (and azp):
	// the grant began with a request that used the alias as client_id, and
	// a relying party checks aud against the client_id it sends.
	AliasUsed bool
	// The values whose hashes the token carries (OIDC Core §3.3.2.11,
	// FAPI §5.2.2.4): at_hash, c_hash and s_hash, each omitted when empty.
	AccessToken, Code, State string
	// Claims are end-user claims from the frontend: standard claim names
	// only (OIDC Core §5.1), unless the service allows custom claims.
	Claims map[string]any
}

// reservedClaims are set by the engine alone; a frontend claim of one of
// these names is refused rather than silently dropped or, worse, trusted.
var reservedClaims = []string{
	"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "nonce", "auth_time",
	"acr", "amr", "azp", "at_hash", "c_hash", "s_hash", "sid",
}

// standardClaims are the end-user claims of OIDC Core §5.1.
var standardClaims = []string{
	"name", "given_name", "family_name", "middle_name", "nickname",
	"preferred_username", "profile", "picture", "website", "email",
	"email_verified", "gender", "birthdate", "zoneinfo", "locale",
	"phone_number", "phone_number_verified", "address", "updated_at",
}

// StandardClaims returns the end-user claim names of OIDC Core §5.1.
func StandardClaims() []string { return slices.Clone(standardClaims) }

// checkClaims reports every claim the frontend may not set.
func checkClaims(claims map[string]any, customAllowed bool) []FieldError {
	var p problems
	if len(claims) > maxClaims {
		p.add("claims", "at most %d claims", maxClaims)
		return p
	}
	for name, v := range claims {
		if jsonDepth(v) > maxClaimDepth {
			p.add("claims."+name, "nests deeper than %d levels", maxClaimDepth)
		}
		base, _, _ := strings.Cut(name, "#") // "name#ja-Kana-JP", OIDC Core §5.2
		switch {
		case slices.Contains(reservedClaims, name):
			p.add("claims."+name, "is set by the engine and cannot be given (OIDC Core §2)")
		case !slices.Contains(standardClaims, base) && !customAllowed:
			p.add("claims."+name, "is not a standard claim (OIDC Core §5.1) and this service does not allow custom claims")
		}
	}
	slices.SortFunc(p, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
	return p
}

// Bounds of the end-user claims a frontend hands over: far above any real
// ID token or UserInfo response (OIDC Core §5.1's deepest claim, address,
// has one level), low enough that no request makes the engine build a huge
// or deeply recursive document.
const (
	maxClaims     = 100
	maxClaimDepth = 5
)

// jsonDepth is how deeply a decoded JSON value nests: 0 for a scalar.
func jsonDepth(v any) int {
	deepest := 0
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			deepest = max(deepest, jsonDepth(e))
		}
	case []any:
		for _, e := range v {
			deepest = max(deepest, jsonDepth(e))
		}
	default:
		return 0
	}
	return deepest + 1
}

// halfHash is the at_hash / c_hash / s_hash of value for RS256 and ES256: the
// left half of its SHA-256, base64url without padding (OIDC Core §3.1.3.6).
func halfHash(value string) string {
	h := sha256.Sum256([]byte(value))
	return base64.RawURLEncoding.EncodeToString(h[:len(h)/2])
}

// SignIDToken builds and signs an ID token for client c of svc, with the
// client's algorithm (idTokenSignAlg) and the service's active key for it.
// Its lifetime is the client's idTokenDuration, else the service's.
func (e *Engine) SignIDToken(ctx context.Context, svc store.Service, c store.Client, t IDToken) (string, error) {
	if t.Subject == "" {
		return "", InvalidFields([]FieldError{{Field: "subject", Message: "is required"}})
	}
	if bad := checkClaims(t.Claims, svc.CustomClaimsAllowed); len(bad) > 0 {
		return "", newFieldsError(resClaimRefused, bad)
	}
	lifetime := svc.IDTokenDuration
	if c.IDTokenDuration > 0 {
		lifetime = c.IDTokenDuration
	}
	now := e.now()
	payload := make(map[string]any, len(t.Claims)+12)
	for k, v := range t.Claims {
		payload[k] = v
	}
	clientID := fmt.Sprint(c.ClientID)
	if t.AliasUsed && c.ClientIDAlias != "" {
		clientID = c.ClientIDAlias
	}
	payload["iss"] = svc.Issuer
	payload["sub"] = t.Subject
	payload["iat"] = now.Unix()
	payload["exp"] = now.Unix() + lifetime
	if len(t.Audiences) == 0 {
		payload["aud"] = clientID
	} else {
		payload["aud"] = append([]string{clientID}, t.Audiences...)
		payload["azp"] = clientID
	}
	optional := map[string]string{"nonce": t.Nonce, "acr": t.ACR, "sid": t.SessionID}
	for _, h := range []struct{ claim, value string }{{"at_hash", t.AccessToken}, {"c_hash", t.Code}, {"s_hash", t.State}} {
		if h.value != "" {
			optional[h.claim] = halfHash(h.value)
		}
	}
	for k, v := range optional {
		if v != "" {
			payload[k] = v
		}
	}
	if !t.AuthTime.IsZero() {
		payload["auth_time"] = t.AuthTime.Unix()
	}
	if len(t.AMR) > 0 {
		payload["amr"] = t.AMR
	}
	return e.signJWT(ctx, svc, c.IDTokenSignAlg, payload)
}

// signJWT signs claims as a compact JWS with the service's active key for alg.
func (e *Engine) signJWT(ctx context.Context, svc store.Service, alg string, claims map[string]any) (string, error) {
	key, err := e.signingKey(ctx, svc, alg)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", Internal(fmt.Errorf("signer: %w", err))
	}
	body, err := json.Marshal(claims)
	if err != nil {
		return "", InvalidFields([]FieldError{{Field: "claims", Message: "cannot be encoded as JSON"}})
	}
	jws, err := signer.Sign(body)
	if err != nil {
		return "", Internal(fmt.Errorf("sign: %w", err))
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		return "", Internal(fmt.Errorf("serialize: %w", err))
	}
	return out, nil
}
