package api

import (
	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
)

// revocationRequestJSON is the body of /auth/revocation (Authlete's
// RevocationRequest).
type revocationRequestJSON struct {
	// Parameters is the revocation request's form body, as received
	// (RFC 7009 §2.1).
	Parameters string `json:"parameters"`
	// ClientID and ClientSecret are the HTTP Basic credentials of the
	// request, when the client used Basic, as decoded from base64.
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// revocationJSON is the answer of /auth/revocation (Authlete's
// RevocationResponse), with Gatehouse's retryAfter for TOO_MANY_REQUESTS.
type revocationJSON struct {
	runtimeResultJSON
	RetryAfter int64 `json:"retryAfter,omitempty"`
}

func (s *server) revocation(c echo.Context) error {
	svc, _ := serviceOf(c)
	var in revocationRequestJSON
	if err := bindRuntime(c, &in); err != nil {
		return err
	}
	r, err := s.engine.Revoke(c.Request().Context(), svc,
		service.RevocationRequest{Parameters: in.Parameters, ClientID: in.ClientID, ClientSecret: in.ClientSecret})
	if err != nil {
		return s.answerFault(c, err)
	}
	return answer(c, r.Action, revocationJSON{runtimeResultJSON: runtimeResultJSON{ResultCode: r.ResultCode,
		ResultMessage: r.ResultMessage, Action: r.Action, ResponseContent: r.ResponseContent}, RetryAfter: r.RetryAfter})
}
