package storetest

import (
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// newService returns a service with every field set, so that a backend that
// drops or mangles a field fails the round-trip comparisons.
func newService(apiKey int64, created time.Time) store.Service {
	h := sha256.Sum256(fmt.Appendf(nil, "secret-%d", apiKey))
	return store.Service{
		APIKey:        apiKey,
		APISecretHash: h[:],
		ServiceName:   fmt.Sprintf("service %d", apiKey),
		Issuer:        fmt.Sprintf("https://as%d.example.com", apiKey),
		Description:   "a test service",
		SupportedScopes: []store.Scope{
			{Name: "openid", Description: "sign in", DefaultEntry: true},
			{Name: "profile"},
		},
		SupportedGrantTypes:          []string{"authorization_code", "refresh_token"},
		SupportedResponseTypes:       []string{"code", "code id_token"},
		SupportedResponseModes:       []string{"query", "form_post"},
		SupportedTokenAuthMethods:    []string{"client_secret_basic", "none"},
		SupportedClaims:              []string{"name", "email"},
		CustomClaimsAllowed:          true,
		JWKSURIPrivateAddressAllowed: true,
		AuthorizationEndpoint:        fmt.Sprintf("https://as%d.example.com/authorize", apiKey),
		TokenEndpoint:                fmt.Sprintf("https://as%d.example.com/token", apiKey),
		UserInfoEndpoint:             fmt.Sprintf("https://as%d.example.com/userinfo", apiKey),
		JWKSURI:                      fmt.Sprintf("https://as%d.example.com/jwks", apiKey),
		RevocationEndpoint:           fmt.Sprintf("https://as%d.example.com/revoke", apiKey),
		IntrospectionEndpoint:        fmt.Sprintf("https://as%d.example.com/introspect", apiKey),
		AccessTokenDuration:          3600,
		RefreshTokenDuration:         86400,
		IDTokenDuration:              3600,
		AuthorizationCodeDuration:    600,
		TicketDuration:               86400,
		PKCERequired:                 true,
		PKCES256Required:             true,
		RefreshTokenKept:             false,
		ScopeRequired:                true,
		TrustedJWTIssuers: []store.TrustedIssuer{
			{Issuer: "https://idp.example.com", JWKSURI: "https://idp.example.com/jwks", SubjectPattern: `[a-z]+@example\.com`},
			{Issuer: fmt.Sprintf("https://partner%d.example.com", apiKey), JWKS: `{"keys":[]}`},
		},
		CreatedAt:  created,
		ModifiedAt: created.Add(time.Second),
	}
}

// newClient returns a client of serviceID with every field set.
func newClient(serviceID, clientID int64, alias string, created time.Time) store.Client {
	h := sha256.Sum256(fmt.Appendf(nil, "client-secret-%d", clientID))
	return store.Client{
		ServiceID:                 serviceID,
		ClientID:                  clientID,
		ClientSecretHash:          h[:],
		ClientIDAlias:             alias,
		ClientIDAliasEnabled:      alias != "",
		ClientName:                fmt.Sprintf("client %d", clientID),
		Description:               "a test client",
		ClientType:                "confidential",
		ApplicationType:           "web",
		Developer:                 "dev",
		Contacts:                  []string{"ops@example.com"},
		LogoURI:                   "https://client.example.com/logo.png",
		ClientURI:                 "https://client.example.com/",
		PolicyURI:                 "https://client.example.com/policy",
		TOSURI:                    "https://client.example.com/tos",
		RedirectURIs:              []string{"https://client.example.com/cb", "https://client.example.com/cb2"},
		GrantTypes:                []string{"authorization_code", "refresh_token"},
		ResponseTypes:             []string{"code"},
		TokenAuthMethod:           "client_secret_basic",
		IDTokenSignAlg:            "RS256",
		UserInfoSignedResponseAlg: "ES256",
		JWKSURI:                   "https://client.example.com/jwks",
		PKCERequired:              true,
		PKCES256Required:          true,
		RequestableScopesEnabled:  true,
		RequestableScopes:         []string{"openid"},
		AccessTokenDuration:       600,
		RefreshTokenDuration:      7200,
		IDTokenDuration:           300,
		CreatedAt:                 created,
		ModifiedAt:                created,
	}
}

// newTicket returns a ticket of serviceID that expires ttl after base.
func newTicket(serviceID int64, hash string, ttl time.Duration) store.Ticket {
	return store.Ticket{
		ServiceID: serviceID,
		Hash:      hash,
		Kind:      "authorization",
		Payload:   []byte(`{"client_id":"1","scope":"openid"}`),
		CreatedAt: base,
		ExpiresAt: base.Add(ttl),
	}
}
