package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// ServiceDefaults returns a service carrying the engine's defaults; the
// management API overlays what the caller sent. The defaults are the secure
// ones of RFC 9700: authorization code with PKCE (S256 only), no implicit or
// password grant, rotated refresh tokens.
func ServiceDefaults() store.Service {
	return store.Service{
		SupportedScopes: []store.Scope{
			{Name: "openid", Description: "Sign you in"},
			{Name: "profile", Description: "Your name and profile"},
			{Name: "email", Description: "Your email address"},
			{Name: "address", Description: "Your postal address"},
			{Name: "phone", Description: "Your phone number"},
			{Name: "offline_access", Description: "Stay signed in (refresh tokens)"},
		},
		SupportedGrantTypes:       []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken, oauth.GrantClientCredentials},
		SupportedResponseTypes:    []string{oauth.ResponseCode},
		SupportedResponseModes:    []string{oauth.ModeQuery, oauth.ModeFragment, oauth.ModeFormPost},
		SupportedTokenAuthMethods: []string{oauth.AuthClientSecretBasic, oauth.AuthClientSecretPost, oauth.AuthPrivateKeyJWT, oauth.AuthNone},
		SupportedClaims:           StandardClaims(),
		AccessTokenDuration:       3600,
		RefreshTokenDuration:      30 * 24 * 3600,
		IDTokenDuration:           3600,
		AuthorizationCodeDuration: 600,
		TicketDuration:            24 * 3600,
		PKCES256Required:          true,
	}
}

// ValidateService reports every bad field of a service's settings without
// storing anything (see ValidateClient).
func ValidateService(s store.Service) []FieldError {
	var e *Error
	if errors.As(validateService(s), &e) {
		return e.Fields
	}
	return nil
}

// validateService reports every bad field of a service's settings.
func validateService(s store.Service) error {
	var p problems
	if s.ServiceName == "" {
		p.add("serviceName", "is required")
	}
	if s.Issuer == "" {
		p.add("issuer", "is required")
	} else if msg := checkIssuer(s.Issuer); msg != "" {
		p.add("issuer", "%s", msg)
	}
	seen := map[string]bool{}
	for i, sc := range s.SupportedScopes {
		field := fmt.Sprintf("supportedScopes[%d].name", i)
		switch {
		case !oauth.IsScopeToken(sc.Name):
			p.add(field, "%q is not a scope token (RFC 6749 §3.3)", sc.Name)
		case seen[sc.Name]:
			p.add(field, "duplicate scope %q", sc.Name)
		}
		seen[sc.Name] = true
	}
	p.enumList("supportedGrantTypes", s.SupportedGrantTypes, oauth.GrantTypes)
	p.enumList("supportedResponseTypes", s.SupportedResponseTypes, oauth.ResponseTypes)
	p.enumList("supportedResponseModes", s.SupportedResponseModes, oauth.ResponseModes)
	p.enumList("supportedTokenAuthMethods", s.SupportedTokenAuthMethods, oauth.ClientAuthMethods)
	p.responseTypesCoherent("supportedResponseTypes", s.SupportedResponseTypes, s.SupportedGrantTypes)
	p.duration("accessTokenDuration", s.AccessTokenDuration, 1, maxTokenDuration)
	p.duration("refreshTokenDuration", s.RefreshTokenDuration, 1, maxTokenDuration)
	p.duration("idTokenDuration", s.IDTokenDuration, 1, maxTokenDuration)
	p.duration("authorizationCodeDuration", s.AuthorizationCodeDuration, 1, maxCodeDuration)
	p.duration("ticketDuration", s.TicketDuration, 1, maxTicketDuration)
	if s.RequestRateLimit < 0 || s.RequestRateLimit > maxRequestRate {
		p.add("requestRateLimit", "must be between 0 (no limit) and %d calls per second", maxRequestRate)
	}
	for field, uri := range map[string]string{
		"authorizationEndpoint": s.AuthorizationEndpoint, "tokenEndpoint": s.TokenEndpoint,
		"userInfoEndpoint": s.UserInfoEndpoint, "jwksUri": s.JWKSURI,
		"revocationEndpoint": s.RevocationEndpoint, "introspectionEndpoint": s.IntrospectionEndpoint,
	} {
		if uri == "" {
			continue
		}
		if msg := checkEndpoint(uri); msg != "" {
			p.add(field, "%s", msg)
		}
	}
	for i, c := range s.SupportedClaims {
		if c == "" || strings.ContainsAny(c, " \t\n\"") {
			p.add(fmt.Sprintf("supportedClaims[%d]", i), "%q is not a claim name", c)
		}
	}
	validateTrustedIssuers(&p, s.TrustedJWTIssuers)
	slices.SortStableFunc(p, func(a, b FieldError) int { return cmp.Compare(a.Field, b.Field) })
	return p.err()
}

// Limits of trustedJwtIssuers.
const (
	maxTrustedIssuers = 20
	// maxTrustedIssuerLength bounds an issuer, and with maxJTILength the
	// key iss:jti under which the JWT bearer grant records a used jti.
	maxTrustedIssuerLength  = 1000
	maxSubjectPatternLength = 1000
)

// validateTrustedIssuers checks the issuers of the JWT bearer grant: each an
// absolute URL, named once, with exactly one of jwks (a JWK Set of public
// keys) and jwksUri (https), and a subjectPattern that compiles.
func validateTrustedIssuers(p *problems, list []store.TrustedIssuer) {
	if len(list) > maxTrustedIssuers {
		p.add("trustedJwtIssuers", "at most %d issuers", maxTrustedIssuers)
	}
	seen := map[string]bool{}
	for i, t := range list {
		field := func(name string) string { return fmt.Sprintf("trustedJwtIssuers[%d].%s", i, name) }
		switch {
		case t.Issuer == "":
			p.add(field("issuer"), "is required")
		case len(t.Issuer) > maxTrustedIssuerLength:
			p.add(field("issuer"), "at most %d characters", maxTrustedIssuerLength)
		case !isAbsoluteURL(t.Issuer):
			p.add(field("issuer"), "must be an absolute URL without a fragment, as the assertions' iss reads")
		case seen[t.Issuer]:
			p.add(field("issuer"), "duplicate issuer %q", t.Issuer)
		}
		seen[t.Issuer] = true
		switch {
		case t.JWKS == "" && t.JWKSURI == "":
			p.add(field("jwksUri"), "give jwks or jwksUri: the keys that sign the issuer's assertions")
		case t.JWKS != "" && t.JWKSURI != "":
			p.add(field("jwks"), "give jwks or jwksUri, not both")
		case t.JWKS != "":
			if msg := checkPublicJWKS(t.JWKS); msg != "" {
				p.add(field("jwks"), "%s", msg)
			}
		default:
			if u, err := url.Parse(t.JWKSURI); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" {
				p.add(field("jwksUri"), "must be an https URL without user information or fragment")
			}
		}
		if len(t.SubjectPattern) > maxSubjectPatternLength {
			p.add(field("subjectPattern"), "at most %d characters", maxSubjectPatternLength)
		} else if _, err := regexp.Compile(t.SubjectPattern); err != nil {
			p.add(field("subjectPattern"), "is not a Go regular expression (RE2 syntax): %v", err)
		}
	}
}

// isAbsoluteURL reports whether raw is an absolute URL: a scheme, then a
// host or an opaque part (urn:...), no fragment, no white space.
func isAbsoluteURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.IsAbs() && (u.Host != "" || u.Opaque != "") &&
		u.Fragment == "" && !strings.ContainsAny(raw, " \t\r\n#")
}

// checkPublicJWKS checks an inline JWK Set of verification keys: one that
// parses, holds at least one key this server can read, and no private key
// (a private key given here has leaked).
func checkPublicJWKS(jwks string) string {
	keys, err := parseJWKS([]byte(jwks))
	switch {
	case err != nil:
		return fmt.Sprintf("must be a JWK Set: a JSON object with a \"keys\" array of at most %d keys", maxJWKSKeys)
	case len(keys) == 0:
		return "holds no key this server can read"
	case slices.ContainsFunc(keys, func(k jose.JSONWebKey) bool { return !k.IsPublic() }):
		return "must hold public keys only: a private key given here has leaked"
	}
	return ""
}

// CreateService validates and stores a new service with a fresh API key and
// secret. The secret is returned once and kept only as a hash.
func (e *Engine) CreateService(ctx context.Context, in store.Service) (store.Service, string, error) {
	if err := validateService(in); err != nil {
		return store.Service{}, "", err
	}
	secret, err := newSecret(e.rand)
	if err != nil {
		return store.Service{}, "", Internal(err)
	}
	now := e.now()
	in.APISecretHash = HashSecret(secret)
	in.CreatedAt, in.ModifiedAt = now, now
	// A collision among 2^53 keys is all but impossible; retrying a few times
	// turns "all but" into "never in practice" without looping forever.
	for range 3 {
		if in.APIKey, err = newID(e.rand); err != nil {
			return store.Service{}, "", Internal(err)
		}
		err = e.store.CreateService(ctx, in)
		if !errors.Is(err, store.ErrAlreadyExists) {
			break
		}
	}
	switch {
	case errors.Is(err, store.ErrAlreadyExists):
		return store.Service{}, "", newError(resServiceIDSpace, err)
	case err != nil:
		return store.Service{}, "", AsError(err)
	}
	if err := e.createKeys(ctx, in.APIKey); err != nil {
		// The service exists; keys are created on first use if this failed.
		return store.Service{}, "", err
	}
	svc, err := e.GetService(ctx, in.APIKey)
	return svc, secret, err
}

// GetService returns a service by API key.
func (e *Engine) GetService(ctx context.Context, apiKey int64) (store.Service, error) {
	svc, err := e.fresh.GetService(ctx, apiKey)
	if err != nil {
		return store.Service{}, storeError(err, resServiceNotFound, apiKey)
	}
	return svc, nil
}

// ListServices returns one page of services and their total number.
func (e *Engine) ListServices(ctx context.Context, page store.Page) ([]store.Service, int, error) {
	list, total, err := e.store.ListServices(ctx, page)
	if err != nil {
		return nil, 0, AsError(err)
	}
	return list, total, nil
}

// UpdateService replaces the settings of a service. Its API key, secret and
// creation time are the server's and stay as they are.
func (e *Engine) UpdateService(ctx context.Context, apiKey int64, in store.Service) (store.Service, error) {
	old, err := e.GetService(ctx, apiKey)
	if err != nil {
		return store.Service{}, err
	}
	if err := validateService(in); err != nil {
		return store.Service{}, err
	}
	in.APIKey, in.APISecretHash, in.CreatedAt = old.APIKey, old.APISecretHash, old.CreatedAt
	in.ModifiedAt = e.now()
	if err := e.store.UpdateService(ctx, in); err != nil {
		return store.Service{}, storeError(err, resServiceNotFound, apiKey)
	}
	return e.GetService(ctx, apiKey)
}

// DeleteService deletes a service with its clients and everything else it owns.
func (e *Engine) DeleteService(ctx context.Context, apiKey int64) error {
	if err := e.store.DeleteService(ctx, apiKey); err != nil {
		return storeError(err, resServiceNotFound, apiKey)
	}
	return nil
}

// unknownServiceHash is compared against when the API key names no service,
// so that "no such service" and "wrong secret" take the same time.
var unknownServiceHash = HashSecret("gatehouse: no such service")

// AuthenticateService checks a service's API credentials as sent in HTTP
// Basic and returns the service. Any failure is the same Unauthorized error:
// the caller learns nothing about which part was wrong.
func (e *Engine) AuthenticateService(ctx context.Context, apiKey, apiSecret string) (store.Service, error) {
	id, err := strconv.ParseInt(apiKey, 10, 64)
	if err != nil || id <= 0 || id >= maxID {
		secretMatches(unknownServiceHash, apiSecret)
		return store.Service{}, Unauthorized()
	}
	svc, err := e.store.GetService(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		secretMatches(unknownServiceHash, apiSecret)
		return store.Service{}, Unauthorized()
	case err != nil:
		return store.Service{}, storeError(err, resServiceNotFound, id)
	}
	if !secretMatches(svc.APISecretHash, apiSecret) {
		return store.Service{}, Unauthorized()
	}
	return svc, nil
}
