package gatehouse

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Service is a service (tenant) in management JSON, as sent to create or
// update it and as the engine answers. Optional settings are pointers and
// lists: nil (left out) means the engine's default, so that a zero value
// never turns a secure default off by accident; build them with Ptr. A list
// set to an empty, non-nil slice is sent as [] and stays empty.
//
// An update replaces every setting, like a PUT: send what GetService
// returned, changed.
type Service struct {
	// APIKey is the engine's; ignored on create.
	APIKey int64 `json:"apiKey,omitempty"`
	// APISecret is only in the answer of CreateService, that once.
	APISecret   string `json:"apiSecret,omitempty"`
	ServiceName string `json:"serviceName"`
	// Issuer is the issuer identifier: an absolute https URL (http only on
	// a loopback host), no query or fragment.
	Issuer      string `json:"issuer"`
	Description string `json:"description,omitempty"`

	SupportedScopes []Scope `json:"supportedScopes,omitzero"`
	// SupportedGrantTypes etc. use the management names
	// (AUTHORIZATION_CODE, CODE, QUERY, CLIENT_SECRET_BASIC).
	SupportedGrantTypes          []string `json:"supportedGrantTypes,omitzero"`
	SupportedResponseTypes       []string `json:"supportedResponseTypes,omitzero"`
	SupportedResponseModes       []string `json:"supportedResponseModes,omitzero"`
	SupportedTokenAuthMethods    []string `json:"supportedTokenAuthMethods,omitzero"`
	SupportedClaims              []string `json:"supportedClaims,omitzero"`
	CustomClaimsAllowed          *bool    `json:"customClaimsAllowed,omitempty"`
	JWKSURIPrivateAddressAllowed *bool    `json:"jwksUriPrivateAddressAllowed,omitempty"`

	// The frontend's endpoints, published in the discovery document.
	AuthorizationEndpoint string `json:"authorizationEndpoint,omitempty"`
	TokenEndpoint         string `json:"tokenEndpoint,omitempty"`
	UserInfoEndpoint      string `json:"userInfoEndpoint,omitempty"`
	JWKSURI               string `json:"jwksUri,omitempty"`
	RevocationEndpoint    string `json:"revocationEndpoint,omitempty"`
	IntrospectionEndpoint string `json:"introspectionEndpoint,omitempty"`

	// Lifetimes, in seconds.
	AccessTokenDuration       *int64 `json:"accessTokenDuration,omitempty"`
	RefreshTokenDuration      *int64 `json:"refreshTokenDuration,omitempty"`
	IDTokenDuration           *int64 `json:"idTokenDuration,omitempty"`
	AuthorizationCodeDuration *int64 `json:"authorizationCodeDuration,omitempty"`
	TicketDuration            *int64 `json:"ticketDuration,omitempty"`

	PKCERequired     *bool `json:"pkceRequired,omitempty"`
	PKCES256Required *bool `json:"pkceS256Required,omitempty"`
	RefreshTokenKept *bool `json:"refreshTokenKept,omitempty"`
	ScopeRequired    *bool `json:"scopeRequired,omitempty"`

	TrustedJWTIssuers []TrustedJWTIssuer `json:"trustedJwtIssuers,omitzero"`

	// CreatedAt and ModifiedAt are the engine's, in epoch milliseconds.
	CreatedAt  int64 `json:"createdAt,omitempty"`
	ModifiedAt int64 `json:"modifiedAt,omitempty"`
}

// Scope is a scope a service supports.
type Scope struct {
	Name         string `json:"name"`
	Description  string `json:"description,omitempty"`
	DefaultEntry bool   `json:"defaultEntry,omitempty"`
}

// TrustedJWTIssuer is an issuer whose JWT bearer assertions (RFC 7523) the
// engine verifies itself: exactly one of JWKS and JWKSURI.
type TrustedJWTIssuer struct {
	Issuer         string `json:"issuer"`
	JWKS           string `json:"jwks,omitempty"`
	JWKSURI        string `json:"jwksUri,omitempty"`
	SubjectPattern string `json:"subjectPattern,omitempty"`
}

// ServiceList is one page of services.
type ServiceList struct {
	Start      int       `json:"start"`
	End        int       `json:"end"`
	TotalCount int       `json:"totalCount"`
	Services   []Service `json:"services"`
}

// CreateService creates a service (admin credentials). The answer is the
// only place its APISecret ever appears.
func (c *Client) CreateService(ctx context.Context, s Service) (*Service, error) {
	return postJSON[Service](ctx, c, "/api/service/create", s)
}

// GetService reads a service (admin credentials), without its secret.
func (c *Client) GetService(ctx context.Context, apiKey int64) (*Service, error) {
	return getJSON[Service](ctx, c, "/api/service/get/"+strconv.FormatInt(apiKey, 10))
}

// ListServices reads the services [start, end) in creation order (admin
// credentials). end <= 0 leaves it to the engine: start + 20.
func (c *Client) ListServices(ctx context.Context, start, end int) (*ServiceList, error) {
	return getJSON[ServiceList](ctx, c, "/api/service/get/list"+rangeQuery(url.Values{}, start, end))
}

// UpdateService replaces every setting of a service (admin credentials).
func (c *Client) UpdateService(ctx context.Context, apiKey int64, s Service) (*Service, error) {
	return postJSON[Service](ctx, c, "/api/service/update/"+strconv.FormatInt(apiKey, 10), s)
}

// DeleteService deletes a service and everything it owns (admin
// credentials).
func (c *Client) DeleteService(ctx context.Context, apiKey int64) error {
	return c.Do(ctx, http.MethodDelete, "/api/service/delete/"+strconv.FormatInt(apiKey, 10), nil, nil)
}

// rangeQuery adds start and end to q and renders it as a query string.
func rangeQuery(q url.Values, start, end int) string {
	if start > 0 {
		q.Set("start", strconv.Itoa(start))
	}
	if end > 0 {
		q.Set("end", strconv.Itoa(end))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}
