package api

import (
	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// authorizationRequestJSON is the body of /auth/authorization.
type authorizationRequestJSON struct {
	// Parameters is the authorization request as the frontend received it:
	// its query string (GET) or form body (POST).
	Parameters string `json:"parameters"`
	// Context is Authlete's opaque frontend context; accepted and unused.
	Context string `json:"context"`
}

// authorizationIssueJSON is the body of /auth/authorization/issue.
type authorizationIssueJSON struct {
	Ticket     string         `json:"ticket"`
	Subject    string         `json:"subject"`
	AuthTime   int64          `json:"authTime"`
	ACR        string         `json:"acr"`
	Claims     string         `json:"claims"`
	Scopes     []string       `json:"scopes"`
	Sub        string         `json:"sub"`
	Properties []propertyJSON `json:"properties"`
}

type propertyJSON struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Hidden bool   `json:"hidden"`
}

// properties converts the properties of a request body; nil stays nil.
func properties(in []propertyJSON) []store.Property {
	var out []store.Property
	for _, p := range in {
		out = append(out, store.Property(p))
	}
	return out
}

// authorizationFailJSON is the body of /auth/authorization/fail.
type authorizationFailJSON struct {
	Ticket      string `json:"ticket"`
	Reason      string `json:"reason"`
	Description string `json:"description"`
}

// runtimeClientJSON is what the consent page needs to know of the client.
type runtimeClientJSON struct {
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

type runtimeServiceJSON struct {
	APIKey      int64  `json:"apiKey"`
	ServiceName string `json:"serviceName"`
	Issuer      string `json:"issuer"`
}

// authorizationJSON is the answer of the three authorization APIs, field
// names as in Authlete's AuthorizationResponse, AuthorizationIssueResponse
// and AuthorizationFailResponse.
type authorizationJSON struct {
	ResultCode      string `json:"resultCode"`
	ResultMessage   string `json:"resultMessage"`
	Action          string `json:"action"`
	ResponseContent string `json:"responseContent,omitempty"`
	Ticket          string `json:"ticket,omitempty"`

	Client            *runtimeClientJSON  `json:"client,omitempty"`
	Service           *runtimeServiceJSON `json:"service,omitempty"`
	ClientIDAliasUsed bool                `json:"clientIdAliasUsed,omitempty"`
	Display           string              `json:"display,omitempty"`
	MaxAge            *int                `json:"maxAge,omitempty"`
	Scopes            []scopeJSON         `json:"scopes,omitempty"`
	Claims            []string            `json:"claims,omitempty"`
	ACRs              []string            `json:"acrs,omitempty"`
	Subject           string              `json:"subject,omitempty"`
	LoginHint         string              `json:"loginHint,omitempty"`
	Prompts           []string            `json:"prompts,omitempty"`
	UILocales         []string            `json:"uiLocales,omitempty"`
	ClaimsLocales     []string            `json:"claimsLocales,omitempty"`
	ResponseType      string              `json:"responseType,omitempty"`
	RedirectURI       string              `json:"redirectUri,omitempty"`
	State             string              `json:"state,omitempty"`

	AuthorizationCode    string `json:"authorizationCode,omitempty"`
	AccessToken          string `json:"accessToken,omitempty"`
	AccessTokenExpiresAt int64  `json:"accessTokenExpiresAt,omitempty"`
	AccessTokenDuration  int64  `json:"accessTokenDuration,omitempty"`
	IDToken              string `json:"idToken,omitempty"`
}

func authorizationView(svc store.Service, r service.AuthorizationResult) authorizationJSON {
	out := authorizationJSON{
		ResultCode: r.ResultCode, ResultMessage: r.ResultMessage, Action: r.Action,
		ResponseContent: r.ResponseContent, Ticket: r.Ticket,
		AuthorizationCode: r.AuthorizationCode, AccessToken: r.AccessToken,
		AccessTokenExpiresAt: r.AccessTokenExpiresAt, AccessTokenDuration: r.AccessTokenDuration, IDToken: r.IDToken,
	}
	if c := r.Client; c != nil {
		out.Client = &runtimeClientJSON{
			ClientID: c.ClientID, ClientIDAlias: c.ClientIDAlias, ClientIDAliasEnabled: c.ClientIDAliasEnabled,
			ClientName: c.ClientName, Description: c.Description,
			ClientType: oauth.ClientTypes.Name(c.ClientType), ApplicationType: oauth.ApplicationTypes.Name(c.ApplicationType),
			LogoURI: c.LogoURI, ClientURI: c.ClientURI, PolicyURI: c.PolicyURI, TOSURI: c.TOSURI,
		}
		out.Service = &runtimeServiceJSON{APIKey: svc.APIKey, ServiceName: svc.ServiceName, Issuer: svc.Issuer}
	}
	if q := r.Request; q != nil {
		out.ClientIDAliasUsed = q.ClientIDAliasUsed
		out.Display = oauth.Displays.Name(q.Display)
		if q.HasMaxAge {
			out.MaxAge = &q.MaxAge
		}
		for _, s := range r.Scopes {
			out.Scopes = append(out.Scopes, scopeJSON(s))
		}
		out.Claims, out.ACRs, out.Subject, out.LoginHint = q.Claims, q.ACRs, q.Subject, q.LoginHint
		out.Prompts = names(q.Prompts, oauth.Prompts)
		out.UILocales, out.ClaimsLocales = q.UILocales, q.ClaimsLocales
		out.ResponseType = oauth.ResponseTypes.Name(q.ResponseType)
		out.RedirectURI, out.State = q.RedirectURI, q.State
	}
	return out
}

// runtimeAnswer renders the outcome of a runtime call: HTTP 200 whatever the
// OAuth outcome (DESIGN §2). A store outage is a 503 the frontend may retry;
// any other engine failure is action INTERNAL_SERVER_ERROR, with the cause
// logged under the request id and a server_error for the client.
func (s *server) runtimeAnswer(c echo.Context, svc store.Service, r service.AuthorizationResult, err error) error {
	if err != nil {
		f, err := s.engineFault(c, err)
		if err != nil {
			return err
		}
		r = service.AuthorizationResult{Action: f.Action, ResultCode: f.ResultCode, ResultMessage: f.ResultMessage,
			ResponseContent: f.ResponseContent}
	}
	if r.AccessToken != "" {
		s.metrics.tokenIssued(oauth.GrantImplicit)
	}
	return answer(c, r.Action, authorizationView(svc, r))
}

// runtimeFault sorts an engine failure of a runtime call: a store outage is
// returned, to be answered 503; anything else is logged under the request id
// and nil is returned, for the caller to answer INTERNAL_SERVER_ERROR.
func (s *server) runtimeFault(c echo.Context, err error) error {
	e := service.AsError(err)
	if e.Kind == service.KindUnavailable {
		return e
	}
	s.log.Error("runtime call failed", "request_id", requestIDOf(c), "route", c.Path(), "error", e.Error())
	return nil
}

func (s *server) authorization(c echo.Context) error {
	svc, _ := serviceOf(c)
	var in authorizationRequestJSON
	if err := bindRuntime(c, &in); err != nil {
		return err
	}
	r, err := s.engine.Authorization(c.Request().Context(), svc, in.Parameters)
	return s.runtimeAnswer(c, svc, r, err)
}

func (s *server) authorizationIssue(c echo.Context) error {
	svc, _ := serviceOf(c)
	var in authorizationIssueJSON
	if err := bindRuntime(c, &in); err != nil {
		return err
	}
	issue := service.AuthorizationIssue{
		Ticket: in.Ticket, Subject: in.Subject, AuthTime: in.AuthTime, ACR: in.ACR,
		Claims: in.Claims, Scopes: in.Scopes, Sub: in.Sub, Properties: properties(in.Properties),
	}
	r, err := s.engine.AuthorizationIssue(c.Request().Context(), svc, issue)
	return s.runtimeAnswer(c, svc, r, err)
}

func (s *server) authorizationFail(c echo.Context) error {
	svc, _ := serviceOf(c)
	var in authorizationFailJSON
	if err := bindRuntime(c, &in); err != nil {
		return err
	}
	r, err := s.engine.AuthorizationFail(c.Request().Context(), svc, in.Ticket, in.Reason, in.Description)
	return s.runtimeAnswer(c, svc, r, err)
}
