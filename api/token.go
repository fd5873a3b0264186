package api

import (
	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/service/oauth"
)

// tokenRequestJSON is the body of /auth/token (Authlete's TokenRequest).
type tokenRequestJSON struct {
	// Parameters is the token request's form body, as received.
	Parameters string `json:"parameters"`
	// ClientID and ClientSecret are the HTTP Basic credentials of the token
	// request, when the client used Basic, as decoded from base64.
	ClientID     string         `json:"clientId"`
	ClientSecret string         `json:"clientSecret"`
	Properties   []propertyJSON `json:"properties"`
	// AccessTokenDuration and RefreshTokenDuration, in seconds, override
	// the client's and the service's lifetimes (Authlete's TokenRequest).
	AccessTokenDuration  int64 `json:"accessTokenDuration"`
	RefreshTokenDuration int64 `json:"refreshTokenDuration"`
}

// issuedJSON is what the answers of /auth/token and /auth/token/issue share,
// field names as in Authlete's TokenResponse and TokenIssueResponse.
type issuedJSON struct {
	ResultCode            string   `json:"resultCode"`
	ResultMessage         string   `json:"resultMessage"`
	Action                string   `json:"action"`
	ResponseContent       string   `json:"responseContent,omitempty"`
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

func issuedView(r service.TokenResult) issuedJSON {
	return issuedJSON{
		ResultCode: r.ResultCode, ResultMessage: r.ResultMessage, Action: r.Action, ResponseContent: r.ResponseContent,
		AccessToken: r.AccessToken, AccessTokenExpiresAt: r.AccessTokenExpiresAt, AccessTokenDuration: r.AccessTokenDuration,
		RefreshToken: r.RefreshToken, RefreshTokenExpiresAt: r.RefreshTokenExpiresAt, RefreshTokenDuration: r.RefreshTokenDuration,
		IDToken: r.IDToken, ClientID: r.ClientID, Subject: r.Subject, Scopes: r.Scopes,
	}
}

// tokenJSON is the answer of /auth/token (Authlete's TokenResponse).
type tokenJSON struct {
	issuedJSON
	GrantType string `json:"grantType,omitempty"`
	// Ticket, Username and Password are the PASSWORD action's.
	Ticket   string `json:"ticket,omitempty"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// Assertion (Authlete's name) and AssertionClaims are the JWT_BEARER
	// action's: the assertion as sent and its unverified claims, a JSON
	// object as a string.
	Assertion       string `json:"assertion,omitempty"`
	AssertionClaims string `json:"assertionClaims,omitempty"`
	// RetryAfter is the TOO_MANY_REQUESTS action's, in seconds.
	RetryAfter int64 `json:"retryAfter,omitempty"`
}

func (s *server) token(c echo.Context) error {
	svc, _ := serviceOf(c)
	var in tokenRequestJSON
	if err := bindRuntime(c, &in); err != nil {
		return err
	}
	req := service.TokenRequest{Parameters: in.Parameters, ClientID: in.ClientID, ClientSecret: in.ClientSecret,
		AccessTokenDuration: in.AccessTokenDuration, RefreshTokenDuration: in.RefreshTokenDuration,
		Properties: properties(in.Properties)}
	r, err := s.engine.Token(c.Request().Context(), svc, req)
	if err != nil {
		if r, err = s.tokenFault(c, err); err != nil {
			return err
		}
	}
	out := tokenJSON{
		issuedJSON: issuedView(r),
		Ticket:     r.Ticket, Username: r.Username, Password: r.Password,
		Assertion: r.Assertion, AssertionClaims: r.AssertionClaims, RetryAfter: r.RetryAfter,
	}
	if r.GrantType != "" {
		out.GrantType = oauth.GrantTypes.Name(r.GrantType)
	}
	if r.AccessToken != "" {
		s.metrics.tokenIssued(r.GrantType)
	}
	return answer(c, r.Action, out)
}
