package gatehouse

import "context"

// IntrospectionRequest is the body of /api/auth/introspection.
type IntrospectionRequest struct {
	// Token is the access token the resource server received.
	Token string `json:"token"`
	// Scopes the resource needs; each must have been granted.
	Scopes []string `json:"scopes,omitempty"`
	// Subject, when given, is the end-user the token must belong to.
	Subject string `json:"subject,omitempty"`
}

// IntrospectionResponse is the answer of /api/auth/introspection. For
// BAD_REQUEST, UNAUTHORIZED and FORBIDDEN, ResponseContent is the
// WWW-Authenticate value to answer with (RFC 6750 §3): see RespondBearer.
type IntrospectionResponse struct {
	Result
	ClientID int64    `json:"clientId,omitempty"`
	Subject  string   `json:"subject,omitempty"`
	Scopes   []string `json:"scopes,omitempty"`
	// ExpiresAt is when the token expires, in epoch milliseconds.
	ExpiresAt   int64      `json:"expiresAt,omitempty"`
	Existent    bool       `json:"existent"`
	Usable      bool       `json:"usable"`
	Sufficient  bool       `json:"sufficient"`
	Refreshable bool       `json:"refreshable"`
	Properties  []Property `json:"properties,omitempty"`
}

// StandardIntrospectionRequest is the body of
// /api/auth/introspection/standard.
type StandardIntrospectionRequest struct {
	// Parameters is the RFC 7662 §2.1 form body, as received.
	Parameters string `json:"parameters"`
}

// StandardIntrospectionResponse is the answer of
// /api/auth/introspection/standard: OK with the RFC 7662 §2.2 response,
// BAD_REQUEST or INTERNAL_SERVER_ERROR.
type StandardIntrospectionResponse struct {
	Result
}

// RevocationRequest is the body of /api/auth/revocation.
type RevocationRequest struct {
	// Parameters is the RFC 7009 §2.1 form body, as received.
	Parameters string `json:"parameters"`
	// ClientID and ClientSecret are as in TokenRequest.
	ClientID     string `json:"clientId,omitempty"`
	ClientSecret string `json:"clientSecret,omitempty"`
}

// RevocationResponse is the answer of /api/auth/revocation: OK without
// content (answer 200 with an empty body), BAD_REQUEST, INVALID_CLIENT or
// INTERNAL_SERVER_ERROR.
type RevocationResponse struct {
	Result
}

// UserInfoRequest is the body of /api/auth/userinfo.
type UserInfoRequest struct {
	Token string `json:"token"`
}

// UserInfoResponse is the answer of /api/auth/userinfo. OK: collect Claims
// of Subject and call UserInfoIssue; otherwise ResponseContent is the
// WWW-Authenticate value (or an error object for INTERNAL_SERVER_ERROR).
type UserInfoResponse struct {
	Result
	ClientID int64    `json:"clientId,omitempty"`
	Subject  string   `json:"subject,omitempty"`
	Scopes   []string `json:"scopes,omitempty"`
	// Claims are the names of the claims the token's scopes cover.
	Claims []string `json:"claims,omitempty"`
}

// UserInfoIssueRequest is the body of /api/auth/userinfo/issue.
type UserInfoIssueRequest struct {
	Token string `json:"token"`
	// Claims is a JSON object of the end-user's claims, as a string.
	Claims string `json:"claims,omitempty"`
	// Sub, when given, replaces the token's subject in the response.
	Sub string `json:"sub,omitempty"`
}

// UserInfoIssueResponse is the answer of /api/auth/userinfo/issue: JSON (or
// JWT) with the UserInfo response, or the actions of UserInfoResponse.
type UserInfoIssueResponse struct {
	Result
}

// Introspection asks whether an access token is usable and covers scopes.
// It only reads, but it is a POST and is not retried once sent.
func (c *Client) Introspection(ctx context.Context, req IntrospectionRequest) (*IntrospectionResponse, error) {
	return postJSON[IntrospectionResponse](ctx, c, "/api/auth/introspection", req)
}

// StandardIntrospection relays an RFC 7662 introspection request.
func (c *Client) StandardIntrospection(ctx context.Context, req StandardIntrospectionRequest) (*StandardIntrospectionResponse, error) {
	return postJSON[StandardIntrospectionResponse](ctx, c, "/api/auth/introspection/standard", req)
}

// Revocation relays an RFC 7009 revocation request.
func (c *Client) Revocation(ctx context.Context, req RevocationRequest) (*RevocationResponse, error) {
	return postJSON[RevocationResponse](ctx, c, "/api/auth/revocation", req)
}

// UserInfo checks the access token of a UserInfo request (OIDC Core §5.3).
func (c *Client) UserInfo(ctx context.Context, req UserInfoRequest) (*UserInfoResponse, error) {
	return postJSON[UserInfoResponse](ctx, c, "/api/auth/userinfo", req)
}

// UserInfoIssue builds the UserInfo response from the end-user's claims.
func (c *Client) UserInfoIssue(ctx context.Context, req UserInfoIssueRequest) (*UserInfoIssueResponse, error) {
	return postJSON[UserInfoIssueResponse](ctx, c, "/api/auth/userinfo/issue", req)
}
