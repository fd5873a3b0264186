package gatehouse

import "context"

// AuthorizationRequest is the body of /api/auth/authorization.
type AuthorizationRequest struct {
	// Parameters is the authorization request as the frontend received it:
	// the query string of a GET (without "?") or the form body of a POST.
	Parameters string `json:"parameters"`
	// Context is Authlete's opaque frontend context; the engine ignores it.
	Context string `json:"context,omitempty"`
}

// AuthorizationResponse is the answer of /api/auth/authorization.
// INTERACTION and NO_INTERACTION carry the Ticket and what the login and
// consent pages need, and no ResponseContent; every other action carries
// ResponseContent only.
type AuthorizationResponse struct {
	Result
	// Ticket is the single-use handle for Frontend.Issue / Frontend.Fail.
	Ticket            string          `json:"ticket,omitempty"`
	Client            *RuntimeClient  `json:"client,omitempty"`
	Service           *RuntimeService `json:"service,omitempty"`
	ClientIDAliasUsed bool            `json:"clientIdAliasUsed,omitempty"`
	// Display is PAGE, POPUP, TOUCH or WAP (OIDC Core §3.1.2.1), or empty.
	Display string `json:"display,omitempty"`
	// MaxAge is the request's max_age in seconds; nil when not given (0 is
	// given and means "authenticate now").
	MaxAge *int `json:"maxAge,omitempty"`
	// Scopes are the scopes to ask consent for, with the service's texts.
	Scopes []Scope `json:"scopes,omitempty"`
	// Claims are the end-user claims the request asks for.
	Claims []string `json:"claims,omitempty"`
	ACRs   []string `json:"acrs,omitempty"`
	// Subject is the end-user named by id_token_hint: authenticate exactly
	// this one, or fail with ReasonDifferentSubject.
	Subject   string `json:"subject,omitempty"`
	LoginHint string `json:"loginHint,omitempty"`
	// Prompts are NONE, LOGIN, CONSENT, SELECT_ACCOUNT, CREATE.
	Prompts       []string `json:"prompts,omitempty"`
	UILocales     []string `json:"uiLocales,omitempty"`
	ClaimsLocales []string `json:"claimsLocales,omitempty"`
	// ResponseType is the management name, e.g. CODE or CODE_ID_TOKEN.
	ResponseType string `json:"responseType,omitempty"`
	RedirectURI  string `json:"redirectUri,omitempty"`
	State        string `json:"state,omitempty"`
}

// RuntimeClient is what the login and consent pages need of the client.
type RuntimeClient struct {
	ClientID             int64  `json:"clientId"`
	ClientIDAlias        string `json:"clientIdAlias,omitempty"`
	ClientIDAliasEnabled bool   `json:"clientIdAliasEnabled"`
	ClientName           string `json:"clientName"`
	Description          string `json:"description,omitempty"`
	ClientType           string `json:"clientType"`
	ApplicationType      string `json:"applicationType"`
	LogoURI              string `json:"logoUri,omitempty"`
	ClientURI            string `json:"clientUri,omitempty"`
	PolicyURI            string `json:"policyUri,omitempty"`
	TOSURI               string `json:"tosUri,omitempty"`
}

// RuntimeService names the service an authorization request is for.
type RuntimeService struct {
	APIKey      int64  `json:"apiKey"`
	ServiceName string `json:"serviceName"`
	Issuer      string `json:"issuer"`
}

// AuthorizationIssueRequest is the body of /api/auth/authorization/issue:
// the end-user has authenticated and consented.
type AuthorizationIssueRequest struct {
	Ticket string `json:"ticket"`
	// Subject is the end-user's identifier, 1 to 255 printable ASCII.
	Subject string `json:"subject"`
	// AuthTime is when the end-user authenticated, in epoch seconds; 0 is
	// unknown, which a request with max_age does not allow.
	AuthTime int64  `json:"authTime,omitempty"`
	ACR      string `json:"acr,omitempty"`
	// Claims is a JSON object of claims for the ID token, as a string.
	Claims string `json:"claims,omitempty"`
	// Scopes, when non-nil, narrow the requested scopes (the end-user
	// unticked some); nil grants them all.
	Scopes []string `json:"scopes,omitzero"`
	// Sub replaces Subject as the ID token's sub (a pairwise identifier).
	Sub        string     `json:"sub,omitempty"`
	Properties []Property `json:"properties,omitempty"`
}

// AuthorizationIssueResponse is the answer of /api/auth/authorization/issue:
// LOCATION or FORM with the authorization response, or BAD_REQUEST or
// INTERNAL_SERVER_ERROR. The minted values are also in their own fields;
// do not log them.
type AuthorizationIssueResponse struct {
	Result
	AuthorizationCode    string `json:"authorizationCode,omitempty"`
	AccessToken          string `json:"accessToken,omitempty"`
	AccessTokenExpiresAt int64  `json:"accessTokenExpiresAt,omitempty"`
	AccessTokenDuration  int64  `json:"accessTokenDuration,omitempty"`
	IDToken              string `json:"idToken,omitempty"`
}

// AuthorizationFailRequest is the body of /api/auth/authorization/fail.
type AuthorizationFailRequest struct {
	Ticket string                  `json:"ticket"`
	Reason AuthorizationFailReason `json:"reason"`
	// Description replaces the engine's error_description.
	Description string `json:"description,omitempty"`
}

// AuthorizationFailResponse is the answer of /api/auth/authorization/fail:
// LOCATION or FORM with the error response, or BAD_REQUEST or
// INTERNAL_SERVER_ERROR.
type AuthorizationFailResponse struct {
	Result
}

// Authorization relays an authorization request (RFC 6749 §4.1.1, OIDC
// Core §3.1.2.1) to /api/auth/authorization.
func (c *Client) Authorization(ctx context.Context, req AuthorizationRequest) (*AuthorizationResponse, error) {
	return postJSON[AuthorizationResponse](ctx, c, "/api/auth/authorization", req)
}

// AuthorizationIssue calls /api/auth/authorization/issue. The ticket is
// single use, so this call is never repeated once sent.
func (c *Client) AuthorizationIssue(ctx context.Context, req AuthorizationIssueRequest) (*AuthorizationIssueResponse, error) {
	return postJSON[AuthorizationIssueResponse](ctx, c, "/api/auth/authorization/issue", req)
}

// AuthorizationFail calls /api/auth/authorization/fail.
func (c *Client) AuthorizationFail(ctx context.Context, req AuthorizationFailRequest) (*AuthorizationFailResponse, error) {
	return postJSON[AuthorizationFailResponse](ctx, c, "/api/auth/authorization/fail", req)
}
