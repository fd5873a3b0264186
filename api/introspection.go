package api

import (
	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/service/oauth"
)

// introspectionRequestJSON is the body of /auth/introspection (Authlete's
// IntrospectionRequest).
type introspectionRequestJSON struct {
	// Token is the access token the resource server received.
	Token string `json:"token"`
	// Scopes the resource needs; every one must have been granted.
	Scopes []string `json:"scopes"`
	// Subject, when given, is the end-user the token must belong to.
	Subject string `json:"subject"`
}

// introspectionJSON is the answer of /auth/introspection, field names as in
// Authlete's IntrospectionResponse. The four booleans are always present.
type introspectionJSON struct {
	ResultCode      string         `json:"resultCode"`
	ResultMessage   string         `json:"resultMessage"`
	Action          string         `json:"action"`
	ResponseContent string         `json:"responseContent,omitempty"`
	ClientID        int64          `json:"clientId,omitempty"`
	Subject         string         `json:"subject,omitempty"`
	Scopes          []string       `json:"scopes,omitempty"`
	ExpiresAt       int64          `json:"expiresAt,omitempty"`
	Existent        bool           `json:"existent"`
	Usable          bool           `json:"usable"`
	Sufficient      bool           `json:"sufficient"`
	Refreshable     bool           `json:"refreshable"`
	Properties      []propertyJSON `json:"properties,omitempty"`
}

// standardIntrospectionRequestJSON is the body of
// /auth/introspection/standard (Authlete's StandardIntrospectionRequest).
type standardIntrospectionRequestJSON struct {
	// Parameters is the introspection request's form body, as received
	// (RFC 7662 §2.1).
	Parameters string `json:"parameters"`
}

// runtimeResultJSON is the answer of the runtime APIs that carry nothing
// but the outcome: /auth/introspection/standard and /auth/revocation.
type runtimeResultJSON struct {
	ResultCode      string `json:"resultCode"`
	ResultMessage   string `json:"resultMessage"`
	Action          string `json:"action"`
	ResponseContent string `json:"responseContent,omitempty"`
}

// engineFault is the answer of a runtime call the engine failed: action
// INTERNAL_SERVER_ERROR and a server_error for the client, unless the store
// is out, which is returned to be answered 503.
func (s *server) engineFault(c echo.Context, err error) (runtimeResultJSON, error) {
	if err := s.runtimeFault(c, err); err != nil {
		return runtimeResultJSON{}, err
	}
	code, msg := service.EngineFault()
	return runtimeResultJSON{Action: service.ActionInternalServerError, ResultCode: code, ResultMessage: msg,
		ResponseContent: oauth.NewError(oauth.CodeServerError, msg).JSON()}, nil
}

// answerFault answers a runtime call the engine failed with engineFault's
// answer, or returns the store outage to be answered 503.
func (s *server) answerFault(c echo.Context, err error) error {
	f, err := s.engineFault(c, err)
	if err != nil {
		return err
	}
	return answer(c, f.Action, f)
}

func (s *server) introspection(c echo.Context) error {
	svc, _ := serviceOf(c)
	var in introspectionRequestJSON
	if err := bindRuntime(c, &in); err != nil {
		return err
	}
	r, err := s.engine.Introspect(c.Request().Context(), svc,
		service.IntrospectionRequest{Token: in.Token, Scopes: in.Scopes, Subject: in.Subject})
	if err != nil {
		fault, err := s.engineFault(c, err)
		if err != nil {
			return err
		}
		return answer(c, fault.Action, introspectionJSON{ResultCode: fault.ResultCode, ResultMessage: fault.ResultMessage,
			Action: fault.Action, ResponseContent: fault.ResponseContent})
	}
	out := introspectionJSON{
		ResultCode: r.ResultCode, ResultMessage: r.ResultMessage, Action: r.Action, ResponseContent: r.ResponseContent,
		ClientID: r.ClientID, Subject: r.Subject, Scopes: r.Scopes, ExpiresAt: r.ExpiresAt,
		Existent: r.Existent, Usable: r.Usable, Sufficient: r.Sufficient, Refreshable: r.Refreshable,
	}
	for _, p := range r.Properties {
		out.Properties = append(out.Properties, propertyJSON(p))
	}
	return answer(c, r.Action, out)
}

func (s *server) introspectionStandard(c echo.Context) error {
	svc, _ := serviceOf(c)
	var in standardIntrospectionRequestJSON
	if err := bindRuntime(c, &in); err != nil {
		return err
	}
	r, err := s.engine.IntrospectStandard(c.Request().Context(), svc, in.Parameters)
	if err != nil {
		return s.answerFault(c, err)
	}
	return answer(c, r.Action, runtimeResultJSON{ResultCode: r.ResultCode, ResultMessage: r.ResultMessage,
		Action: r.Action, ResponseContent: r.ResponseContent})
}
