package api

import (
	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
)

// tokenIssueRequestJSON is the body of /auth/token/issue (Authlete's
// TokenIssueRequest): the ticket of a PASSWORD answer and the resource owner
// whose credentials the frontend found good.
type tokenIssueRequestJSON struct {
	Ticket     string         `json:"ticket"`
	Subject    string         `json:"subject"`
	Properties []propertyJSON `json:"properties"`
}

// tokenFailRequestJSON is the body of /auth/token/fail (Authlete's
// TokenFailRequest).
type tokenFailRequestJSON struct {
	Ticket string `json:"ticket"`
	Reason string `json:"reason"`
}

// tokenFailJSON is the answer of /auth/token/fail, field names as in
// Authlete's TokenFailResponse.
type tokenFailJSON struct {
	ResultCode      string `json:"resultCode"`
	ResultMessage   string `json:"resultMessage"`
	Action          string `json:"action"`
	ResponseContent string `json:"responseContent,omitempty"`
}

func (s *server) tokenIssue(c echo.Context) error {
	svc, _ := serviceOf(c)
	var in tokenIssueRequestJSON
	if err := bindRuntime(c, &in); err != nil {
		return err
	}
	r, err := s.engine.TokenIssue(c.Request().Context(), svc, in.Ticket, in.Subject, properties(in.Properties))
	if err != nil {
		if r, err = s.tokenFault(c, err); err != nil {
			return err
		}
	}
	if r.AccessToken != "" {
		s.metrics.tokenIssued(r.GrantType)
	}
	// Authlete's TokenIssueResponse: the fields of a token answer.
	return answer(c, r.Action, issuedView(r))
}

func (s *server) tokenFail(c echo.Context) error {
	svc, _ := serviceOf(c)
	var in tokenFailRequestJSON
	if err := bindRuntime(c, &in); err != nil {
		return err
	}
	r, err := s.engine.TokenFail(c.Request().Context(), svc, in.Ticket, in.Reason)
	if err != nil {
		if r, err = s.tokenFault(c, err); err != nil {
			return err
		}
	}
	return answer(c, r.Action, tokenFailJSON{
		ResultCode: r.ResultCode, ResultMessage: r.ResultMessage, Action: r.Action, ResponseContent: r.ResponseContent,
	})
}

// tokenFault turns an engine failure of a token call into its answer: a
// store outage is returned, to be answered 503; anything else is logged by
// runtimeFault and answered INTERNAL_SERVER_ERROR with a server_error for
// the client.
func (s *server) tokenFault(c echo.Context, err error) (service.TokenResult, error) {
	f, err := s.engineFault(c, err)
	return service.TokenResult{Action: f.Action, ResultCode: f.ResultCode, ResultMessage: f.ResultMessage,
		ResponseContent: f.ResponseContent}, err
}
