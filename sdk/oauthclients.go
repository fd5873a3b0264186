package gatehouse

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// OAuthClient is a client of a service in management JSON, as sent to
// create or update it and as the engine answers. (The name avoids a clash
// with Client, the SDK's API client.) As in Service, nil optional fields
// mean the engine's defaults; an update replaces every setting.
type OAuthClient struct {
	// ClientID is the engine's; ignored on create.
	ClientID int64 `json:"clientId,omitempty"`
	// ClientSecret is only in the answer that issued it, that once.
	ClientSecret         string `json:"clientSecret,omitempty"`
	ClientIDAlias        string `json:"clientIdAlias,omitempty"`
	ClientIDAliasEnabled *bool  `json:"clientIdAliasEnabled,omitempty"`
	ClientName           string `json:"clientName"`
	Description          string `json:"description,omitempty"`
	// ClientType is PUBLIC or CONFIDENTIAL.
	ClientType string `json:"clientType"`
	// ApplicationType is WEB or NATIVE.
	ApplicationType string   `json:"applicationType,omitempty"`
	Developer       string   `json:"developer,omitempty"`
	Contacts        []string `json:"contacts,omitzero"`
	LogoURI         string   `json:"logoUri,omitempty"`
	ClientURI       string   `json:"clientUri,omitempty"`
	PolicyURI       string   `json:"policyUri,omitempty"`
	TOSURI          string   `json:"tosUri,omitempty"`

	RedirectURIs []string `json:"redirectUris,omitzero"`
	// GrantTypes, ResponseTypes and TokenAuthMethod use the management
	// names (AUTHORIZATION_CODE, CODE, CLIENT_SECRET_BASIC).
	GrantTypes      []string `json:"grantTypes,omitzero"`
	ResponseTypes   []string `json:"responseTypes,omitzero"`
	TokenAuthMethod string   `json:"tokenAuthMethod,omitempty"`
	// IDTokenSignAlg is RS256 or ES256.
	IDTokenSignAlg string `json:"idTokenSignAlg,omitempty"`
	// UserInfoSignedResponseAlg, RS256 or ES256, makes the UserInfo
	// response a signed JWT (action JWT); empty for JSON.
	UserInfoSignedResponseAlg string `json:"userInfoSignedResponseAlg,omitempty"`
	JWKSURI                   string `json:"jwksUri,omitempty"`
	JWKS                      string `json:"jwks,omitempty"`

	PKCERequired     *bool `json:"pkceRequired,omitempty"`
	PKCES256Required *bool `json:"pkceS256Required,omitempty"`

	Extension *ClientExtension `json:"extension,omitempty"`

	CreatedAt  int64 `json:"createdAt,omitempty"`
	ModifiedAt int64 `json:"modifiedAt,omitempty"`
}

// ClientExtension is Authlete's "extension" object of a client. Durations
// are seconds; 0 means the service's.
type ClientExtension struct {
	RequestableScopesEnabled bool     `json:"requestableScopesEnabled"`
	RequestableScopes        []string `json:"requestableScopes,omitempty"`
	AccessTokenDuration      int64    `json:"accessTokenDuration,omitempty"`
	RefreshTokenDuration     int64    `json:"refreshTokenDuration,omitempty"`
	IDTokenDuration          int64    `json:"idTokenDuration,omitempty"`
}

// OAuthClientList is one page of a service's clients.
type OAuthClientList struct {
	Start      int           `json:"start"`
	End        int           `json:"end"`
	TotalCount int           `json:"totalCount"`
	Clients    []OAuthClient `json:"clients"`
}

// ClientSecretRefresh is the answer of RefreshClientSecret.
type ClientSecretRefresh struct {
	ResultCode      string `json:"resultCode"`
	ResultMessage   string `json:"resultMessage"`
	NewClientSecret string `json:"newClientSecret"`
}

// CreateClient creates a client of the service. A CONFIDENTIAL client's
// secret is in this answer only.
func (c *Client) CreateClient(ctx context.Context, cl OAuthClient) (*OAuthClient, error) {
	return postJSON[OAuthClient](ctx, c, "/api/client/create", cl)
}

// GetClient reads a client by client ID or alias, without its secret.
func (c *Client) GetClient(ctx context.Context, clientIdentifier string) (*OAuthClient, error) {
	return getJSON[OAuthClient](ctx, c, "/api/client/get/"+url.PathEscape(clientIdentifier))
}

// ListClients reads the service's clients [start, end) in creation order.
// end <= 0 leaves it to the engine: start + 20.
func (c *Client) ListClients(ctx context.Context, start, end int) (*OAuthClientList, error) {
	return getJSON[OAuthClientList](ctx, c, "/api/client/get/list"+rangeQuery(url.Values{}, start, end))
}

// UpdateClient replaces every setting of a client (numeric ID only). A
// client that becomes CONFIDENTIAL gets a secret, in this answer only.
func (c *Client) UpdateClient(ctx context.Context, clientID int64, cl OAuthClient) (*OAuthClient, error) {
	return postJSON[OAuthClient](ctx, c, "/api/client/update/"+strconv.FormatInt(clientID, 10), cl)
}

// DeleteClient deletes a client by client ID or alias.
func (c *Client) DeleteClient(ctx context.Context, clientIdentifier string) error {
	return c.Do(ctx, http.MethodDelete, "/api/client/delete/"+url.PathEscape(clientIdentifier), nil, nil)
}

// RefreshClientSecret replaces a confidential client's secret; the old one
// stops working at once. It is a GET in Authlete's API but changes state,
// so it is never retried once sent.
func (c *Client) RefreshClientSecret(ctx context.Context, clientIdentifier string) (*ClientSecretRefresh, error) {
	return getJSON[ClientSecretRefresh](ctx, c, "/api/client/secret/refresh/"+url.PathEscape(clientIdentifier))
}
