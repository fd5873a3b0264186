package gatehouse

import "context"

// TokenRequest is the body of /api/auth/token.
type TokenRequest struct {
	// Parameters is the token request's form body, as received.
	Parameters string `json:"parameters"`
	// ClientID and ClientSecret are the client's HTTP Basic credentials,
	// decoded from base64 but still form-urlencoded (RFC 6749 §2.3.1): the
	// engine decodes them, so they must not be decoded twice.
	ClientID     string `json:"clientId,omitempty"`
	ClientSecret string `json:"clientSecret,omitempty"`
	// AccessTokenDuration and RefreshTokenDuration, in seconds, override the
	// client's and the service's lifetimes for this request; 0 keeps them.
	AccessTokenDuration  int64      `json:"accessTokenDuration,omitempty"`
	RefreshTokenDuration int64      `json:"refreshTokenDuration,omitempty"`
	Properties           []Property `json:"properties,omitempty"`
}

// IssuedTokens are the minted values of a token answer, besides the token
// response in ResponseContent. Do not log them.
type IssuedTokens struct {
	AccessToken           string   `json:"accessToken,omitempty"`
	AccessTokenExpiresAt  int64    `json:"accessTokenExpiresAt,omitempty"`
	AccessTokenDuration   int64    `json:"accessTokenDuration,omitempty"`
	RefreshToken          string   `json:"refreshToken,omitempty"`
	RefreshTokenExpiresAt int64    `json:"refreshTokenExpiresAt,omitempty"`
	RefreshTokenDuration  int64    `json:"refreshTokenDuration,omitempty"`
	IDToken               string   `json:"idToken,omitempty"`
	ClientID              int64    `json:"clientId,omitempty"`
	Subject               string   `json:"subject,omitempty"`
	Scopes                []string `json:"scopes,omitempty"`
}

// TokenResponse is the answer of /api/auth/token. PASSWORD carries Ticket,
// Username and Password; JWT_BEARER carries Assertion and AssertionClaims;
// every other action carries ResponseContent.
type TokenResponse struct {
	Result
	IssuedTokens
	// GrantType is the management name, e.g. AUTHORIZATION_CODE.
	GrantType string `json:"grantType,omitempty"`
	// Ticket is the single-use handle for TokenIssue / TokenFail (PASSWORD).
	Ticket string `json:"ticket,omitempty"`
	// Username and Password are the resource owner's credentials to check
	// (PASSWORD). Never log or store them.
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// Assertion is the JWT of a JWT bearer request, and AssertionClaims its
	// payload as a JSON object string — NOT verified (JWT_BEARER).
	Assertion       string `json:"assertion,omitempty"`
	AssertionClaims string `json:"assertionClaims,omitempty"`
}

// TokenIssueRequest is the body of /api/auth/token/issue: the resource
// owner of a PASSWORD answer is authenticated.
type TokenIssueRequest struct {
	Ticket     string     `json:"ticket"`
	Subject    string     `json:"subject"`
	Properties []Property `json:"properties,omitempty"`
}

// TokenIssueResponse is the answer of /api/auth/token/issue: OK with the
// token response, BAD_REQUEST or INTERNAL_SERVER_ERROR.
type TokenIssueResponse struct {
	Result
	IssuedTokens
}

// TokenFailRequest is the body of /api/auth/token/fail.
type TokenFailRequest struct {
	Ticket string          `json:"ticket"`
	Reason TokenFailReason `json:"reason"`
}

// TokenFailResponse is the answer of /api/auth/token/fail: BAD_REQUEST with
// the error response, or INTERNAL_SERVER_ERROR.
type TokenFailResponse struct {
	Result
}

// Token relays a token request (RFC 6749 §3.2) to /api/auth/token. An
// authorization code is single use, so this call is never repeated once
// sent.
func (c *Client) Token(ctx context.Context, req TokenRequest) (*TokenResponse, error) {
	return postJSON[TokenResponse](ctx, c, "/api/auth/token", req)
}

// TokenIssue calls /api/auth/token/issue after a PASSWORD answer.
func (c *Client) TokenIssue(ctx context.Context, req TokenIssueRequest) (*TokenIssueResponse, error) {
	return postJSON[TokenIssueResponse](ctx, c, "/api/auth/token/issue", req)
}

// TokenFail calls /api/auth/token/fail after a PASSWORD answer.
func (c *Client) TokenFail(ctx context.Context, req TokenFailRequest) (*TokenFailResponse, error) {
	return postJSON[TokenFailResponse](ctx, c, "/api/auth/token/fail", req)
}
