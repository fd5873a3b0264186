package service

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// aliasPattern keeps aliases to URI-unreserved characters, so that they
// travel unescaped in query strings and forms. An alias is never all digits:
// a number always means a client ID, which keeps lookups unambiguous.
var aliasPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,128}$`)
var digitsOnly = regexp.MustCompile(`^[0-9]+$`)

// Limits on list sizes at registration (SECURITY D09).
const (
	maxRedirectURIs = 50
	maxScopes       = 100
)

// ValidateClient reports every bad field of a client of svc as the engine
// would at creation (defaults applied first), without storing anything. The
// API layer uses it to name every problem of a body in one answer.
func ValidateClient(svc store.Service, c store.Client) []FieldError {
	normalizeClient(&c)
	var e *Error
	if errors.As(validateClient(svc, c), &e) {
		return e.Fields
	}
	return nil
}

// validateClient reports every bad field of a (normalized) client of svc:
// vocabulary, the service's policy, and the coherence of the client's own
// settings.
func validateClient(svc store.Service, c store.Client) error {
	var p problems
	if c.ClientName == "" {
		p.add("clientName", "is required")
	}
	if c.ClientIDAlias != "" && (!aliasPattern.MatchString(c.ClientIDAlias) || digitsOnly.MatchString(c.ClientIDAlias)) {
		p.add("clientIdAlias", "must be 1 to 128 of A-Z a-z 0-9 . _ ~ - and not all digits")
	}
	if !oauth.ClientTypes.Contains(c.ClientType) {
		p.add("clientType", "is required: PUBLIC or CONFIDENTIAL")
	}
	if !oauth.ApplicationTypes.Contains(c.ApplicationType) {
		p.add("applicationType", "must be WEB or NATIVE")
	}
	validateRedirectURIs(&p, c)

	p.enumList("grantTypes", c.GrantTypes, oauth.GrantTypes)
	p.subset("grantTypes", c.GrantTypes, svc.SupportedGrantTypes, oauth.GrantTypes, "this service")
	p.enumList("responseTypes", c.ResponseTypes, oauth.ResponseTypes)
	p.subset("responseTypes", c.ResponseTypes, svc.SupportedResponseTypes, oauth.ResponseTypes, "this service")
	p.responseTypesCoherent("responseTypes", c.ResponseTypes, c.GrantTypes)
	if c.ClientType == oauth.ClientPublic && slices.Contains(c.GrantTypes, oauth.GrantClientCredentials) {
		p.add("grantTypes", "CLIENT_CREDENTIALS is for confidential clients only (RFC 6749 §4.4)")
	}
	validateAuthMethod(&p, svc, c)

	if !oauth.IDTokenSignAlgs.Contains(c.IDTokenSignAlg) {
		p.add("idTokenSignAlg", "must be RS256 or ES256")
	}
	if c.UserInfoSignedResponseAlg != "" && !oauth.IDTokenSignAlgs.Contains(c.UserInfoSignedResponseAlg) {
		p.add("userInfoSignedResponseAlg", "must be RS256 or ES256, or left out for JSON responses")
	}
	scopes := make([]string, len(svc.SupportedScopes))
	for i, s := range svc.SupportedScopes {
		scopes[i] = s.Name
	}
	if len(c.RequestableScopes) > maxScopes {
		p.add("extension.requestableScopes", "at most %d scopes", maxScopes)
	}
	for i, s := range c.RequestableScopes {
		if !slices.Contains(scopes, s) {
			p.add(fmt.Sprintf("extension.requestableScopes[%d]", i), "%q is not a scope of this service", s)
		}
	}
	p.duration("extension.accessTokenDuration", c.AccessTokenDuration, 0, maxTokenDuration)
	p.duration("extension.refreshTokenDuration", c.RefreshTokenDuration, 0, maxTokenDuration)
	// The service's ID token lifetime is the ceiling: it bounds how long a
	// retired signing key stays published.
	p.duration("extension.idTokenDuration", c.IDTokenDuration, 0, svc.IDTokenDuration)

	for field, uri := range map[string]string{"logoUri": c.LogoURI, "clientUri": c.ClientURI, "policyUri": c.PolicyURI, "tosUri": c.TOSURI} {
		if uri != "" {
			if msg := checkWebURL(uri, true); msg != "" {
				p.add(field, "%s", msg)
			}
		}
	}
	// Stable order: the URI checks above run over a map.
	slices.SortStableFunc(p, func(a, b FieldError) int { return cmp.Compare(a.Field, b.Field) })
	return p.err()
}

func validateRedirectURIs(p *problems, c store.Client) {
	if len(c.RedirectURIs) > maxRedirectURIs {
		p.add("redirectUris", "at most %d redirect URIs", maxRedirectURIs)
	}
	needsRedirect := slices.Contains(c.GrantTypes, oauth.GrantAuthorizationCode) || slices.Contains(c.GrantTypes, oauth.GrantImplicit)
	if needsRedirect && len(c.RedirectURIs) == 0 {
		p.add("redirectUris", "at least one is required for the authorization code and implicit grants")
	}
	seen := map[string]bool{}
	for i, uri := range c.RedirectURIs {
		field := fmt.Sprintf("redirectUris[%d]", i)
		if msg := checkRedirectURI(uri, c.ApplicationType); msg != "" {
			p.add(field, "%s", msg)
		} else if seen[uri] {
			p.add(field, "duplicate redirect URI")
		}
		seen[uri] = true
	}
}

// validateAuthMethod checks the client's one token endpoint authentication
// method against its type and the service.
func validateAuthMethod(p *problems, svc store.Service, c store.Client) {
	m := c.TokenAuthMethod
	switch {
	case !oauth.ClientAuthMethods.Contains(m):
		p.add("tokenAuthMethod", "unsupported value %q (CLIENT_SECRET_JWT is not offered: secrets are stored hashed)", m)
		return
	case !slices.Contains(svc.SupportedTokenAuthMethods, m):
		p.add("tokenAuthMethod", "%s is not enabled for this service", oauth.ClientAuthMethods.Name(m))
	case c.ClientType == oauth.ClientPublic && m != oauth.AuthNone:
		p.add("tokenAuthMethod", "a public client cannot authenticate; use NONE (RFC 6749 §2.1)")
	case c.ClientType == oauth.ClientConfidential && m == oauth.AuthNone:
		p.add("tokenAuthMethod", "a confidential client must authenticate (RFC 6749 §2.3)")
	}
	if c.JWKSURI != "" {
		if msg := checkWebURL(c.JWKSURI, false); msg != "" {
			p.add("jwksUri", "%s", msg)
		}
	}
	if c.JWKS != "" {
		var set struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if err := json.Unmarshal([]byte(c.JWKS), &set); err != nil || set.Keys == nil {
			p.add("jwks", "must be a JWK Set: a JSON object with a \"keys\" array")
		}
		if c.JWKSURI != "" {
			p.add("jwks", "give jwks or jwksUri, not both")
		}
	}
	if m == oauth.AuthPrivateKeyJWT && c.JWKS == "" && c.JWKSURI == "" {
		p.add("jwksUri", "PRIVATE_KEY_JWT needs jwks or jwksUri")
	}
}
