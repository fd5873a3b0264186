package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// tokenCreateJSON is the body of /auth/token/create (Authlete's
// TokenCreateRequest, the fields Gatehouse honours).
type tokenCreateJSON struct {
	GrantType            string         `json:"grantType" validate:"required"`
	ClientID             int64          `json:"clientId" validate:"required,gt=0"`
	Subject              string         `json:"subject" validate:"max=255"`
	Scopes               []string       `json:"scopes" validate:"max=100,dive,max=200"`
	AccessTokenDuration  int64          `json:"accessTokenDuration"`
	RefreshTokenDuration int64          `json:"refreshTokenDuration"`
	Properties           []propertyJSON `json:"properties" validate:"max=50"`
}

// tokenCreatedJSON is the answer of /auth/token/create (Authlete's
// TokenCreateResponse): the raw tokens, shown this once.
type tokenCreatedJSON struct {
	ResultCode            string         `json:"resultCode"`
	ResultMessage         string         `json:"resultMessage"`
	Action                string         `json:"action"`
	AccessToken           string         `json:"accessToken"`
	TokenType             string         `json:"tokenType"`
	ExpiresAt             int64          `json:"expiresAt"`
	ExpiresIn             int64          `json:"expiresIn"`
	RefreshToken          string         `json:"refreshToken,omitempty"`
	RefreshTokenExpiresAt int64          `json:"refreshTokenExpiresAt,omitempty"`
	GrantType             string         `json:"grantType"`
	ClientID              int64          `json:"clientId"`
	Subject               string         `json:"subject,omitempty"`
	Scopes                []string       `json:"scopes"`
	Properties            []propertyJSON `json:"properties,omitempty"`
}

func (s *server) createToken(c echo.Context) error {
	svc, _ := serviceOf(c)
	var in tokenCreateJSON
	fields, err := s.bindJSON(c, &in)
	if err != nil {
		return err
	}
	var enums enumDecoder
	req := service.TokenCreateRequest{
		GrantType: enums.one("grantType", in.GrantType, oauth.GrantTypes), ClientID: in.ClientID, Subject: in.Subject,
		Scopes: in.Scopes, AccessTokenDuration: in.AccessTokenDuration, RefreshTokenDuration: in.RefreshTokenDuration,
		Properties: properties(in.Properties),
	}
	if fields = append(fields, enums.fields...); len(fields) > 0 {
		return service.InvalidFields(fields)
	}
	r, err := s.engine.CreateToken(c.Request().Context(), svc, req)
	if err != nil {
		return err
	}
	s.metrics.tokenIssued(req.GrantType)
	return c.JSON(http.StatusOK, tokenCreatedJSON{
		ResultCode: r.ResultCode, ResultMessage: r.ResultMessage, Action: r.Action,
		AccessToken: r.AccessToken, TokenType: "Bearer", ExpiresAt: r.AccessTokenExpiresAt, ExpiresIn: r.AccessTokenDuration,
		RefreshToken: r.RefreshToken, RefreshTokenExpiresAt: r.RefreshTokenExpiresAt,
		GrantType: in.GrantType, ClientID: r.ClientID, Subject: r.Subject, Scopes: nonNil(r.Scopes),
		Properties: in.Properties,
	})
}

// tokenInfoJSON is one stored token in the listing (Authlete's AccessToken
// object): an access token fills the accessToken* fields, a refresh token
// the refreshToken* fields. Only hashes exist to show.
type tokenInfoJSON struct {
	AccessTokenHash       string         `json:"accessTokenHash,omitempty"`
	AccessTokenExpiresAt  int64          `json:"accessTokenExpiresAt,omitempty"`
	RefreshTokenHash      string         `json:"refreshTokenHash,omitempty"`
	RefreshTokenExpiresAt int64          `json:"refreshTokenExpiresAt,omitempty"`
	GrantID               string         `json:"grantId"`
	GrantType             string         `json:"grantType,omitempty"`
	ClientID              int64          `json:"clientId"`
	Subject               string         `json:"subject,omitempty"`
	Scopes                []string       `json:"scopes"`
	Properties            []propertyJSON `json:"properties,omitempty"`
	CreatedAt             int64          `json:"createdAt"`
}

// tokenListJSON is the answer of /auth/token/get/list (Authlete's
// TokenListResponse).
type tokenListJSON struct {
	Start        int             `json:"start"`
	End          int             `json:"end"`
	TotalCount   int             `json:"totalCount"`
	Subject      string          `json:"subject,omitempty"`
	ClientID     int64           `json:"clientId,omitempty"`
	AccessTokens []tokenInfoJSON `json:"accessTokens"`
}

func tokenInfoView(t store.Token) tokenInfoJSON {
	out := tokenInfoJSON{
		GrantID: t.GrantID, ClientID: t.ClientID, Subject: t.Subject, Scopes: nonNil(t.Scopes),
		CreatedAt: t.CreatedAt.UnixMilli(),
	}
	if t.GrantType != "" {
		out.GrantType = oauth.GrantTypes.Name(t.GrantType)
	}
	for _, p := range t.Properties {
		out.Properties = append(out.Properties, propertyJSON(p))
	}
	if t.Kind == "refresh" {
		out.RefreshTokenHash, out.RefreshTokenExpiresAt = t.Hash, t.ExpiresAt.UnixMilli()
	} else {
		out.AccessTokenHash, out.AccessTokenExpiresAt = t.Hash, t.ExpiresAt.UnixMilli()
	}
	return out
}

func (s *server) listTokens(c echo.Context) error {
	svc, _ := serviceOf(c)
	page, err := bindPage(c)
	if err != nil {
		return err
	}
	subject := c.QueryParam("subject")
	list, total, clientID, err := s.engine.ListTokens(c.Request().Context(), svc, c.QueryParam("clientIdentifier"), subject, page)
	if err != nil {
		return err
	}
	out := tokenListJSON{Start: page.Start, End: page.End, TotalCount: total, Subject: subject, ClientID: clientID,
		AccessTokens: make([]tokenInfoJSON, len(list))}
	for i, t := range list {
		out.AccessTokens[i] = tokenInfoView(t)
	}
	return c.JSON(http.StatusOK, out)
}

// tokenRevokeJSON is the body of /auth/token/revoke (Authlete's
// TokenRevokeRequest).
type tokenRevokeJSON struct {
	AccessTokenIdentifier  string `json:"accessTokenIdentifier" validate:"max=512"`
	RefreshTokenIdentifier string `json:"refreshTokenIdentifier" validate:"max=512"`
	ClientIdentifier       string `json:"clientIdentifier" validate:"max=128"`
	Subject                string `json:"subject" validate:"max=255"`
}

// tokenRevokedJSON is the answer of /auth/token/revoke (Authlete's
// TokenRevokeResponse).
type tokenRevokedJSON struct {
	ResultCode    string `json:"resultCode"`
	ResultMessage string `json:"resultMessage"`
	Count         int    `json:"count"`
}

func (s *server) revokeTokens(c echo.Context) error {
	svc, _ := serviceOf(c)
	var in tokenRevokeJSON
	fields, err := s.bindJSON(c, &in)
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		return service.InvalidFields(fields)
	}
	n, code, msg, err := s.engine.RevokeTokens(c.Request().Context(), svc, service.TokenRevokeRequest(in))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenRevokedJSON{ResultCode: code, ResultMessage: msg, Count: n})
}

func (s *server) deleteToken(c echo.Context) error {
	svc, _ := serviceOf(c)
	if err := s.engine.DeleteToken(c.Request().Context(), svc, c.Param("accessTokenIdentifier")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
