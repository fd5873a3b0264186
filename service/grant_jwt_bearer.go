package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// claimKindBearerJTI is the ClaimStore kind of a used JWT bearer assertion.
// Its key is iss:jti: a jti is unique only among the assertions of one
// issuer (RFC 7519 §4.1.7), and every trusted issuer mints its own.
const claimKindBearerJTI = "jwt-bearer-jti"

// grantJWTBearer is the JWT bearer grant (RFC 7523 §2.1): the client
// presents an assertion an issuer made about a subject, and gets an access
// token for that subject. The grant is off unless the service supports it
// and the client is registered for it, which Token checks before any grant
// runs.
//
// A service with trustedJwtIssuers verifies the assertion itself: issuer,
// signature, claims, single use, subject pattern. A service that trusts no
// issuer answers JWT_BEARER with the assertion and its unverified claims,
// as Authlete does, for the frontend to decide.
//
// Scopes follow the client credentials policy, openid and offline_access
// dropped: an assertion is no authentication event of the end-user at this
// server, so there is no ID token, and no refresh token either (below).
func (e *Engine) grantJWTBearer(ctx context.Context, svc store.Service, c store.Client, p oauth.Params) (issue, *TokenResult, error) {
	raw := p.Get("assertion")
	if raw == "" {
		return fail(resTokenNoAssertion)
	}
	// Scopes first: a request refused for its scope must not spend the
	// assertion's jti, so the client can send it again with a better scope.
	scopes, bad := grantScopes(svc, c, p, false)
	if bad != nil {
		return issue{}, bad, nil
	}
	if len(svc.TrustedJWTIssuers) == 0 {
		return relayAssertion(svc, c, raw, scopes, e.now())
	}
	sub, err := e.verifyBearerAssertion(ctx, svc, raw)
	var engineErr *Error
	switch {
	case errors.As(err, &engineErr):
		return issue{}, nil, err
	case err != nil:
		// One answer for every refusal (RFC 7523 §3.1): which check
		// failed would tell a prober what to fix.
		return fail(resTokenBadAssertion)
	}
	// No refresh token: RFC 7521 §4.1 leaves it to the server's policy, and
	// ours is that the client comes back with a fresh assertion when the
	// access token expires, so the issuer's word stays current.
	return issue{grantID: uuid.NewString(), subject: sub, scopes: scopes}, nil, nil
}

// verifyBearerAssertion verifies a JWT bearer assertion against the issuers
// svc trusts (RFC 7523 §3) and returns its subject. It returns a plain error
// saying why when the assertion is refused, and an *Error when the engine or
// the store failed.
func (e *Engine) verifyBearerAssertion(ctx context.Context, svc store.Service, raw string) (string, error) {
	tok, err := parseAssertion(raw)
	if err != nil {
		return "", err
	}
	// The unverified iss only picks the keys; the claims checked below come
	// out of the verified payload.
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return "", fmt.Errorf("assertion: claims: %w", err)
	}
	i := slices.IndexFunc(svc.TrustedJWTIssuers, func(t store.TrustedIssuer) bool { return t.Issuer == unverified.Issuer })
	if unverified.Issuer == "" || i < 0 {
		return "", errors.New("assertion: iss is not a trusted issuer")
	}
	trusted := svc.TrustedJWTIssuers[i]
	now := e.now()
	keys, err := assertionKeys(ctx, e.jwksFetcher(svc), trusted.JWKS, trusted.JWKSURI, tok.Headers[0].KeyID, now)
	if err != nil {
		return "", err
	}
	cl, err := verifyAssertionSignature(tok, keys)
	if err != nil {
		return "", err
	}
	if err := checkAssertionValidity(svc, cl, now); err != nil {
		return "", err
	}
	if !validSubject(cl.Subject) {
		return "", errors.New("assertion: sub is missing or not 1 to 255 printable ASCII characters")
	}
	if trusted.SubjectPattern != "" {
		// Anchored, so that a pattern matches the whole sub and never
		// a part of it.
		re, err := regexp.Compile(`^(?:` + trusted.SubjectPattern + `)$`)
		if err != nil {
			return "", Internal(fmt.Errorf("trusted issuer %q: subjectPattern: %w", trusted.Issuer, err))
		}
		if !re.MatchString(cl.Subject) {
			return "", errors.New("assertion: sub does not match the issuer's subjectPattern")
		}
	}
	// Single use (RFC 7523 §3 item 7), last, so that a refused assertion
	// spends nothing. The mark outlives every instant at which the
	// assertion would still be accepted: exp plus the skew.
	err = e.store.Claim(ctx, svc.APIKey, claimKindBearerJTI, cl.Issuer+":"+cl.ID, cl.Expiry.Time().Add(assertionSkew))
	switch {
	case errors.Is(err, store.ErrConsumed):
		return "", errors.New("assertion: jti already used")
	case err != nil:
		return "", AsError(fmt.Errorf("claim assertion jti: %w", err))
	}
	return cl.Subject, nil
}

// relayAssertion answers the JWT bearer request of a service that trusts no
// issuer: action JWT_BEARER with the assertion and its claims, for the
// frontend to verify and decide. The engine checks what needs no key — the
// assertion is a JWT signed with an allowed algorithm, with iss and sub,
// and aud, exp, nbf, iat and jti as for a trusted issuer — so the frontend
// never sees an assertion that could not be valid. The claims are NOT
// verified, and the jti is not recorded: an unverified jti must not spend
// the real assertion's.
func relayAssertion(svc store.Service, c store.Client, raw string, scopes []string, now time.Time) (issue, *TokenResult, error) {
	tok, err := parseAssertion(raw)
	if err != nil {
		return fail(resTokenBadAssertion)
	}
	var (
		cl  jwt.Claims
		all map[string]json.RawMessage
	)
	if err := tok.UnsafeClaimsWithoutVerification(&cl, &all); err != nil ||
		cl.Issuer == "" || cl.Subject == "" || checkAssertionValidity(svc, cl, now) != nil {
		return fail(resTokenBadAssertion)
	}
	claims, err := json.Marshal(all)
	if err != nil {
		return issue{}, nil, Internal(fmt.Errorf("encode assertion claims: %w", err))
	}
	code, msg := resTokenJWTBearer.message()
	return issue{}, &TokenResult{
		Action: ActionJWTBearer, ResultCode: code, ResultMessage: msg,
		Assertion: raw, AssertionClaims: string(claims),
		Scopes: scopes, ClientID: c.ClientID, GrantType: oauth.GrantJWTBearer,
	}, nil
}
