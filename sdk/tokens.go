package gatehouse

import (
	"context"
	"net/http"
	"net/url"
)

// TokenCreateRequest is the body of /api/auth/token/create: a token minted
// without a protocol flow (Authlete's TokenCreateRequest), e.g. after a
// JWT bearer assertion the frontend verified.
type TokenCreateRequest struct {
	// GrantType is the management name of the grant the tokens stand for:
	// AUTHORIZATION_CODE, IMPLICIT, PASSWORD, CLIENT_CREDENTIALS or
	// JWT_BEARER (REFRESH_TOKEN continues a grant and is refused). The
	// client must be registered for it.
	GrantType string `json:"grantType"`
	ClientID  int64  `json:"clientId"`
	// Subject is the end-user; required, except for CLIENT_CREDENTIALS,
	// where it must be empty.
	Subject string   `json:"subject,omitempty"`
	Scopes  []string `json:"scopes,omitempty"`
	// AccessTokenDuration and RefreshTokenDuration are seconds; 0 means the
	// client's or the service's.
	AccessTokenDuration  int64      `json:"accessTokenDuration,omitempty"`
	RefreshTokenDuration int64      `json:"refreshTokenDuration,omitempty"`
	Properties           []Property `json:"properties,omitempty"`
}

// TokenCreateResponse is the answer of /api/auth/token/create: action OK
// with the tokens, shown this once (do not log them). A refused request is
// not an action but an *Error (400 naming the bad fields, 404 for an
// unknown client); the SDK still checks Action, as an Authlete engine may
// answer BAD_REQUEST, FORBIDDEN or INTERNAL_SERVER_ERROR there.
type TokenCreateResponse struct {
	ResultCode    string   `json:"resultCode"`
	ResultMessage string   `json:"resultMessage"`
	Action        Action   `json:"action"`
	AccessToken   string   `json:"accessToken,omitempty"`
	RefreshToken  string   `json:"refreshToken,omitempty"`
	ClientID      int64    `json:"clientId,omitempty"`
	Subject       string   `json:"subject,omitempty"`
	Scopes        []string `json:"scopes,omitempty"`
	GrantType     string   `json:"grantType,omitempty"`
	// ExpiresAt is epoch milliseconds, ExpiresIn seconds.
	ExpiresAt             int64      `json:"expiresAt,omitempty"`
	ExpiresIn             int64      `json:"expiresIn,omitempty"`
	RefreshTokenExpiresAt int64      `json:"refreshTokenExpiresAt,omitempty"`
	TokenType             string     `json:"tokenType,omitempty"`
	Properties            []Property `json:"properties,omitempty"`
}

// TokenListOptions filter and page ListTokens. Empty fields are left out;
// End <= 0 leaves the end of the page to the engine (Start + 20).
type TokenListOptions struct {
	// ClientIdentifier is a client ID or alias.
	ClientIdentifier string
	Subject          string
	Start, End       int
}

// TokenList is one page of stored tokens.
type TokenList struct {
	Start        int           `json:"start"`
	End          int           `json:"end"`
	TotalCount   int           `json:"totalCount"`
	ClientID     int64         `json:"clientId,omitempty"`
	Subject      string        `json:"subject,omitempty"`
	AccessTokens []AccessToken `json:"accessTokens"`
}

// AccessToken is one stored token as token management shows it (Authlete's
// AccessToken object; despite the name, refresh tokens are listed too):
// never the token itself, only its hash. An access token entry has
// AccessTokenHash, a refresh token entry RefreshTokenHash. Times are epoch
// milliseconds.
type AccessToken struct {
	AccessTokenHash       string `json:"accessTokenHash,omitempty"`
	AccessTokenExpiresAt  int64  `json:"accessTokenExpiresAt,omitempty"`
	RefreshTokenHash      string `json:"refreshTokenHash,omitempty"`
	RefreshTokenExpiresAt int64  `json:"refreshTokenExpiresAt,omitempty"`
	CreatedAt             int64  `json:"createdAt,omitempty"`
	// GrantID is shared by every token of one authorization.
	GrantID    string     `json:"grantId,omitempty"`
	ClientID   int64      `json:"clientId,omitempty"`
	Subject    string     `json:"subject,omitempty"`
	GrantType  string     `json:"grantType,omitempty"`
	Scopes     []string   `json:"scopes,omitempty"`
	Properties []Property `json:"properties,omitempty"`
}

// TokenRevokeRequest is the body of /api/auth/token/revoke: the tokens to
// revoke, by token (or hash) or by client and subject.
type TokenRevokeRequest struct {
	AccessTokenIdentifier  string `json:"accessTokenIdentifier,omitempty"`
	RefreshTokenIdentifier string `json:"refreshTokenIdentifier,omitempty"`
	ClientIdentifier       string `json:"clientIdentifier,omitempty"`
	Subject                string `json:"subject,omitempty"`
}

// TokenRevokeResponse is the answer of /api/auth/token/revoke.
type TokenRevokeResponse struct {
	ResultCode    string `json:"resultCode"`
	ResultMessage string `json:"resultMessage"`
	// Count is the number of tokens revoked.
	Count int `json:"count"`
}

// CreateToken mints a token for a client without a protocol flow.
func (c *Client) CreateToken(ctx context.Context, req TokenCreateRequest) (*TokenCreateResponse, error) {
	return postJSON[TokenCreateResponse](ctx, c, "/api/auth/token/create", req)
}

// ListTokens reads stored tokens, filtered by client and subject.
func (c *Client) ListTokens(ctx context.Context, opts TokenListOptions) (*TokenList, error) {
	q := url.Values{}
	if opts.ClientIdentifier != "" {
		q.Set("clientIdentifier", opts.ClientIdentifier)
	}
	if opts.Subject != "" {
		q.Set("subject", opts.Subject)
	}
	return getJSON[TokenList](ctx, c, "/api/auth/token/get/list"+rangeQuery(q, opts.Start, opts.End))
}

// RevokeTokens revokes the tokens the request names: by token or hash,
// each with its whole grant, or every token of a client and/or subject.
func (c *Client) RevokeTokens(ctx context.Context, req TokenRevokeRequest) (*TokenRevokeResponse, error) {
	return postJSON[TokenRevokeResponse](ctx, c, "/api/auth/token/revoke", req)
}

// DeleteToken deletes a token (access or refresh), named by the token or
// its hash, with every token of its grant; an unknown one is a 404 *Error.
func (c *Client) DeleteToken(ctx context.Context, accessTokenIdentifier string) error {
	return c.Do(ctx, http.MethodDelete, "/api/auth/token/delete/"+url.PathEscape(accessTokenIdentifier), nil, nil)
}
