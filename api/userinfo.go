package api

import (
	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
)

// userInfoRequestJSON is the body of /auth/userinfo (Authlete's
// UserInfoRequest).
type userInfoRequestJSON struct {
	// Token is the access token the UserInfo endpoint received.
	Token string `json:"token"`
}

// userInfoJSON is the answer of /auth/userinfo, field names as in
// Authlete's UserInfoResponse.
type userInfoJSON struct {
	ResultCode      string   `json:"resultCode"`
	ResultMessage   string   `json:"resultMessage"`
	Action          string   `json:"action"`
	ResponseContent string   `json:"responseContent,omitempty"`
	ClientID        int64    `json:"clientId,omitempty"`
	Subject         string   `json:"subject,omitempty"`
	Scopes          []string `json:"scopes,omitempty"`
	Claims          []string `json:"claims,omitempty"`
}

// userInfoIssueRequestJSON is the body of /auth/userinfo/issue (Authlete's
// UserInfoIssueRequest).
type userInfoIssueRequestJSON struct {
	Token string `json:"token"`
	// Claims is a JSON object of end-user claims, as a string.
	Claims string `json:"claims"`
	// Sub, when given, replaces the token's subject in the response.
	Sub string `json:"sub"`
}

func (s *server) userInfo(c echo.Context) error {
	svc, _ := serviceOf(c)
	var in userInfoRequestJSON
	if err := bindRuntime(c, &in); err != nil {
		return err
	}
	r, err := s.engine.UserInfo(c.Request().Context(), svc, in.Token)
	if err != nil {
		fault, err := s.engineFault(c, err)
		if err != nil {
			return err
		}
		return answer(c, fault.Action, userInfoJSON{ResultCode: fault.ResultCode, ResultMessage: fault.ResultMessage,
			Action: fault.Action, ResponseContent: fault.ResponseContent})
	}
	return answer(c, r.Action, userInfoJSON{
		ResultCode: r.ResultCode, ResultMessage: r.ResultMessage, Action: r.Action, ResponseContent: r.ResponseContent,
		ClientID: r.ClientID, Subject: r.Subject, Scopes: r.Scopes, Claims: r.Claims,
	})
}

func (s *server) userInfoIssue(c echo.Context) error {
	svc, _ := serviceOf(c)
	var in userInfoIssueRequestJSON
	if err := bindRuntime(c, &in); err != nil {
		return err
	}
	r, err := s.engine.UserInfoIssue(c.Request().Context(), svc,
		service.UserInfoIssueRequest{Token: in.Token, Claims: in.Claims, Sub: in.Sub})
	if err != nil {
		return s.answerFault(c, err)
	}
	return answer(c, r.Action, runtimeResultJSON{ResultCode: r.ResultCode, ResultMessage: r.ResultMessage,
		Action: r.Action, ResponseContent: r.ResponseContent})
}
