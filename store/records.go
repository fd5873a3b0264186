package store

import (
	"slices"
	"time"
)

// The `bson` tags below name the fields of document backends; they are plain
// struct tags and cost this package no import. Enumerations (grant types,
// response types, authentication methods) are stored as their OAuth wire
// strings ("authorization_code", "code id_token", "client_secret_basic"): the
// engine compares them with request values on the hot path, and the
// management API converts them to Authlete's constant names at its edge.

// Service is a tenant: one authorization server with its own issuer, policy,
// clients and tokens. Its ID is its API key.
type Service struct {
	APIKey        int64  `bson:"apiKey"`
	APISecretHash []byte `bson:"apiSecretHash"` // SHA-256 of the API secret; the secret itself is never stored

	ServiceName string `bson:"serviceName"`
	Issuer      string `bson:"issuer"`
	Description string `bson:"description,omitempty"`

	SupportedScopes           []Scope  `bson:"supportedScopes"`
	SupportedGrantTypes       []string `bson:"supportedGrantTypes"`
	SupportedResponseTypes    []string `bson:"supportedResponseTypes"`
	SupportedResponseModes    []string `bson:"supportedResponseModes"`
	SupportedTokenAuthMethods []string `bson:"supportedTokenAuthMethods"`
	// SupportedClaims are the end-user claims the service can return
	// (claims_supported); CustomClaimsAllowed lets the frontend put claims
	// of other names into ID tokens.
	SupportedClaims     []string `bson:"supportedClaims"`
	CustomClaimsAllowed bool     `bson:"customClaimsAllowed"`
	// JWKSURIPrivateAddressAllowed lets the engine fetch JWK Sets (clients'
	// jwksUri, trusted issuers') from private and loopback addresses: for
	// development only, since it opens the engine to SSRF (SECURITY D13).
	JWKSURIPrivateAddressAllowed bool `bson:"jwksUriPrivateAddressAllowed"`

	// The frontend's endpoints, published in the discovery document.
	AuthorizationEndpoint string `bson:"authorizationEndpoint,omitempty"`
	TokenEndpoint         string `bson:"tokenEndpoint,omitempty"`
	UserInfoEndpoint      string `bson:"userInfoEndpoint,omitempty"`
	JWKSURI               string `bson:"jwksUri,omitempty"`
	RevocationEndpoint    string `bson:"revocationEndpoint,omitempty"`
	IntrospectionEndpoint string `bson:"introspectionEndpoint,omitempty"`

	// Lifetimes, in seconds.
	AccessTokenDuration       int64 `bson:"accessTokenDuration"`
	RefreshTokenDuration      int64 `bson:"refreshTokenDuration"`
	IDTokenDuration           int64 `bson:"idTokenDuration"`
	AuthorizationCodeDuration int64 `bson:"authorizationCodeDuration"`
	TicketDuration            int64 `bson:"ticketDuration"`

	// RequestRateLimit caps the API calls of the service, per second and
	// per engine instance; 0 means no cap (SECURITY M08).
	RequestRateLimit int64 `bson:"requestRateLimit,omitempty"`

	PKCERequired     bool `bson:"pkceRequired"`
	PKCES256Required bool `bson:"pkceS256Required"`
	RefreshTokenKept bool `bson:"refreshTokenKept"`
	ScopeRequired    bool `bson:"scopeRequired"`

	// TrustedJWTIssuers are the issuers whose assertions the JWT bearer
	// grant (RFC 7523 §2.1) accepts. None means the engine verifies no
	// assertion itself and hands each one to the frontend to decide.
	TrustedJWTIssuers []TrustedIssuer `bson:"trustedJwtIssuers,omitempty"`

	CreatedAt  time.Time `bson:"createdAt"`
	ModifiedAt time.Time `bson:"modifiedAt"`
}

// TrustedIssuer is an issuer of JWT bearer assertions a service trusts, with
// the keys that sign them: an inline JWK Set (JWKS) or the URL of one
// (JWKSURI), never both.
type TrustedIssuer struct {
	Issuer  string `bson:"issuer"`
	JWKS    string `bson:"jwks,omitempty"`
	JWKSURI string `bson:"jwksUri,omitempty"`
	// SubjectPattern, when set, is a Go regular expression the whole sub
	// claim must match.
	SubjectPattern string `bson:"subjectPattern,omitempty"`
}

// Scope is a scope a service supports, with the text a consent page shows.
type Scope struct {
	Name         string `bson:"name"`
	Description  string `bson:"description,omitempty"`
	DefaultEntry bool   `bson:"defaultEntry,omitempty"`
}

// Client is an OAuth client of one service.
type Client struct {
	ServiceID        int64  `bson:"serviceId"`
	ClientID         int64  `bson:"clientId"`
	ClientSecretHash []byte `bson:"clientSecretHash,omitempty"` // SHA-256; empty for public clients
	// ClientIDAlias is the string clients may send as client_id; unique within
	// the service when non-empty.
	ClientIDAlias        string `bson:"clientIdAlias,omitempty"`
	ClientIDAliasEnabled bool   `bson:"clientIdAliasEnabled"`

	ClientName      string   `bson:"clientName"`
	Description     string   `bson:"description,omitempty"`
	ClientType      string   `bson:"clientType"`      // "public" or "confidential"
	ApplicationType string   `bson:"applicationType"` // "web" or "native"
	Developer       string   `bson:"developer,omitempty"`
	Contacts        []string `bson:"contacts,omitempty"`
	LogoURI         string   `bson:"logoUri,omitempty"`
	ClientURI       string   `bson:"clientUri,omitempty"`
	PolicyURI       string   `bson:"policyUri,omitempty"`
	TOSURI          string   `bson:"tosUri,omitempty"`

	RedirectURIs    []string `bson:"redirectUris"`
	GrantTypes      []string `bson:"grantTypes"`
	ResponseTypes   []string `bson:"responseTypes"`
	TokenAuthMethod string   `bson:"tokenAuthMethod"`
	IDTokenSignAlg  string   `bson:"idTokenSignAlg"`
	// UserInfoSignedResponseAlg, when set (RS256 or ES256), makes the
	// UserInfo response a JWT signed with the service's key for it (OIDC
	// Dynamic Client Registration §2); "" answers plain JSON.
	UserInfoSignedResponseAlg string `bson:"userInfoSignedResponseAlg,omitempty"`
	JWKSURI                   string `bson:"jwksUri,omitempty"`
	JWKS                      string `bson:"jwks,omitempty"`

	PKCERequired     bool `bson:"pkceRequired"`
	PKCES256Required bool `bson:"pkceS256Required"`

	// RequestableScopes, when RequestableScopesEnabled, limits the scopes this
	// client may request to a subset of the service's.
	RequestableScopesEnabled bool     `bson:"requestableScopesEnabled"`
	RequestableScopes        []string `bson:"requestableScopes,omitempty"`
	// Lifetime overrides in seconds; 0 means "use the service's".
	AccessTokenDuration  int64 `bson:"accessTokenDuration,omitempty"`
	RefreshTokenDuration int64 `bson:"refreshTokenDuration,omitempty"`
	// IDTokenDuration is at most the service's, which bounds how long a
	// retired signing key must stay published.
	IDTokenDuration int64 `bson:"idTokenDuration,omitempty"`

	CreatedAt  time.Time `bson:"createdAt"`
	ModifiedAt time.Time `bson:"modifiedAt"`
}

// Ticket is the stored side of an opaque single-use handle. Only the hash of
// the handle is kept: the raw value exists in the frontend's hands alone.
type Ticket struct {
	ServiceID int64  `bson:"serviceId"`
	Hash      string `bson:"hash"` // base64url SHA-256 of the raw ticket
	// Kind says which follow-up call the ticket is for ("authorization",
	// "password"); the engine refuses a ticket of another kind.
	Kind string `bson:"kind"`
	// Payload is the engine's serialized state for the follow-up call; opaque
	// to the store.
	Payload   []byte    `bson:"payload"`
	CreatedAt time.Time `bson:"createdAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// SigningKey is one key a service signs tokens with. The private half is
// stored sealed (AES-GCM under the deployment's master key), never in clear.
type SigningKey struct {
	ServiceID int64  `bson:"serviceId"`
	KID       string `bson:"kid"`
	Alg       string `bson:"alg"` // JWS algorithm: "RS256" or "ES256"
	// PublicJWK is the public key as a JSON Web Key (RFC 7517), as published.
	PublicJWK []byte `bson:"publicJwk"`
	// SealedPrivateKey is the sealed PKCS #8 form of the private key.
	SealedPrivateKey []byte    `bson:"sealedPrivateKey"`
	CreatedAt        time.Time `bson:"createdAt"`
}

// Property is a key/value pair a frontend attaches to a grant (Authlete's
// "properties"); Hidden ones are never shown to clients.
type Property struct {
	Key    string `bson:"key"`
	Value  string `bson:"value"`
	Hidden bool   `bson:"hidden,omitempty"`
}

// AuthorizationCode is an issued authorization code, stored under the hash of
// the raw code only, so a database leak yields no code that can be redeemed.
// It carries everything the token endpoint needs to issue tokens without
// going back to the authorization request.
type AuthorizationCode struct {
	ServiceID int64  `bson:"serviceId"`
	Hash      string `bson:"hash"` // base64url SHA-256 of the raw code
	// GrantID is shared by every token issued from this authorization, so a
	// replayed code or refresh token can revoke them all at once.
	GrantID  string `bson:"grantId"`
	ClientID int64  `bson:"clientId"`
	// RedirectURI is the redirect_uri as sent in the authorization request,
	// "" when it was omitted; the token request must repeat it (RFC 6749 §4.1.3).
	RedirectURI string   `bson:"redirectUri,omitempty"`
	Scopes      []string `bson:"scopes"`
	Subject     string   `bson:"subject"`
	// IDTokenSubject overrides "sub" in the ID token (e.g. a pairwise
	// identifier); "" means Subject.
	IDTokenSubject      string    `bson:"idTokenSubject,omitempty"`
	AuthTime            time.Time `bson:"authTime"`
	ACR                 string    `bson:"acr,omitempty"`
	Nonce               string    `bson:"nonce,omitempty"`
	CodeChallenge       string    `bson:"codeChallenge,omitempty"`
	CodeChallengeMethod string    `bson:"codeChallengeMethod,omitempty"`
	// Claims is a JSON object of end-user claims for the ID token; opaque to
	// the store.
	Claims []byte `bson:"claims,omitempty"`
	// ClientIDAliasUsed: the authorization request named the client by its
	// alias, so ID tokens of the grant name it so in aud.
	ClientIDAliasUsed bool `bson:"clientIdAliasUsed,omitempty"`
	// UserInfoClaims are the claims the OIDC claims request parameter asked
	// of the UserInfo endpoint (OIDC Core §5.5); carried to the tokens.
	UserInfoClaims []string   `bson:"userInfoClaims,omitempty"`
	Properties     []Property `bson:"properties,omitempty"`
	CreatedAt      time.Time  `bson:"createdAt"`
	ExpiresAt      time.Time  `bson:"expiresAt"`
}

// Token is an issued access or refresh token, stored under the hash of the
// raw token only.
type Token struct {
	ServiceID int64  `bson:"serviceId"`
	Hash      string `bson:"hash"` // base64url SHA-256 of the raw token
	Kind      string `bson:"kind"` // "access" or "refresh"
	// GrantID ties the token to the authorization it came from; see
	// AuthorizationCode.GrantID.
	GrantID    string     `bson:"grantId"`
	ClientID   int64      `bson:"clientId"`
	Subject    string     `bson:"subject,omitempty"` // "" for client credentials
	Scopes     []string   `bson:"scopes"`
	Properties []Property `bson:"properties,omitempty"`
	// What a refreshed ID token repeats (OIDC Core §12.2): when and how the
	// end-user authenticated, and the ID token's sub when it is not Subject.
	AuthTime       time.Time `bson:"authTime,omitempty"`
	ACR            string    `bson:"acr,omitempty"`
	IDTokenSubject string    `bson:"idTokenSubject,omitempty"`
	// ClientIDAliasUsed is the authorization code's, for refreshed ID tokens.
	ClientIDAliasUsed bool `bson:"clientIdAliasUsed,omitempty"`
	// UserInfoClaims are the claims the authorization's claims request
	// asked of the UserInfo endpoint, beyond those of the scopes.
	UserInfoClaims []string `bson:"userInfoClaims,omitempty"`
	// GrantType is the wire grant type the token was issued for
	// (e.g. "authorization_code"), shown by the token management listing.
	GrantType string `bson:"grantType,omitempty"`
	// RefreshExpiresAt is, on an access token, when the refresh token
	// issued with it expires; zero when none was issued. It answers
	// introspection's "refreshable" without a second read.
	RefreshExpiresAt time.Time `bson:"refreshExpiresAt,omitempty"`
	CreatedAt        time.Time `bson:"createdAt"`
	ExpiresAt        time.Time `bson:"expiresAt"`
}

// TokenFilter selects a service's tokens for token management; a zero
// field matches any value.
type TokenFilter struct {
	ClientID int64
	Subject  string
}

// Clone returns a deep copy of the service, so that a holder of records (a
// cache, the in-memory store) never shares a slice with its callers.
func (s Service) Clone() Service {
	s.APISecretHash = slices.Clone(s.APISecretHash)
	s.SupportedScopes = slices.Clone(s.SupportedScopes) // Scope holds no references
	s.SupportedGrantTypes = slices.Clone(s.SupportedGrantTypes)
	s.SupportedResponseTypes = slices.Clone(s.SupportedResponseTypes)
	s.SupportedResponseModes = slices.Clone(s.SupportedResponseModes)
	s.SupportedTokenAuthMethods = slices.Clone(s.SupportedTokenAuthMethods)
	s.SupportedClaims = slices.Clone(s.SupportedClaims)
	s.TrustedJWTIssuers = slices.Clone(s.TrustedJWTIssuers) // TrustedIssuer holds no references
	return s
}

// Clone returns a deep copy of the client; see Service.Clone.
func (c Client) Clone() Client {
	c.ClientSecretHash = slices.Clone(c.ClientSecretHash)
	c.Contacts = slices.Clone(c.Contacts)
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.GrantTypes = slices.Clone(c.GrantTypes)
	c.ResponseTypes = slices.Clone(c.ResponseTypes)
	c.RequestableScopes = slices.Clone(c.RequestableScopes)
	return c
}

// Clip caps every slice of the service at its length, so that an append
// by one holder of a shared record copies instead of writing into the
// array the others read (the engine's configuration cache shares records).
func (s Service) Clip() Service {
	s.APISecretHash = slices.Clip(s.APISecretHash)
	s.SupportedScopes = slices.Clip(s.SupportedScopes)
	s.SupportedGrantTypes = slices.Clip(s.SupportedGrantTypes)
	s.SupportedResponseTypes = slices.Clip(s.SupportedResponseTypes)
	s.SupportedResponseModes = slices.Clip(s.SupportedResponseModes)
	s.SupportedTokenAuthMethods = slices.Clip(s.SupportedTokenAuthMethods)
	s.SupportedClaims = slices.Clip(s.SupportedClaims)
	s.TrustedJWTIssuers = slices.Clip(s.TrustedJWTIssuers)
	return s
}

// Clip caps every slice of the client at its length; see Service.Clip.
func (c Client) Clip() Client {
	c.ClientSecretHash = slices.Clip(c.ClientSecretHash)
	c.Contacts = slices.Clip(c.Contacts)
	c.RedirectURIs = slices.Clip(c.RedirectURIs)
	c.GrantTypes = slices.Clip(c.GrantTypes)
	c.ResponseTypes = slices.Clip(c.ResponseTypes)
	c.RequestableScopes = slices.Clip(c.RequestableScopes)
	return c
}
