package gatehouse

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// answered is what a response writer got: the status, the headers the
// action table speaks of, and the body.
type answered struct {
	status                              int
	contentType, location, authenticate string
	body                                string
}

func answeredOf(t *testing.T, rec *httptest.ResponseRecorder) answered {
	t.Helper()
	h := rec.Result().Header
	if h.Get("Cache-Control") != "no-store" || h.Get("Pragma") != "no-cache" {
		t.Errorf("Cache-Control %q, Pragma %q: every answer must be no-store, no-cache", h.Get("Cache-Control"), h.Get("Pragma"))
	}
	return answered{status: rec.Code, contentType: h.Get("Content-Type"), location: h.Get("Location"),
		authenticate: h.Get("WWW-Authenticate"), body: rec.Body.String()}
}

const (
	errorJSON      = `{"error":"invalid_grant","error_description":"[G005310] bad code"}`
	challengeValue = `Bearer error="invalid_token", error_description="[G006301] unknown"`
)

func TestRespondImplementsTheActionTable(t *testing.T) {
	cases := []struct {
		action  Action
		content string
		want    answered
	}{
		{ActionOK, `{"access_token":"at"}`, answered{status: 200, contentType: "application/json", body: `{"access_token":"at"}`}},
		{ActionOK, "", answered{status: 200}}, // revocation
		{ActionJSON, `{"sub":"alice"}`, answered{status: 200, contentType: "application/json", body: `{"sub":"alice"}`}},
		{ActionJWT, "eyJ.eyJ.sig", answered{status: 200, contentType: "application/jwt", body: "eyJ.eyJ.sig"}},
		{ActionLocation, "https://app.example.com/cb?code=c&state=s", answered{status: 302, location: "https://app.example.com/cb?code=c&state=s"}},
		{ActionForm, "<html>post</html>", answered{status: 200, contentType: "text/html;charset=UTF-8", body: "<html>post</html>"}},
		{ActionBadRequest, errorJSON, answered{status: 400, contentType: "application/json", body: errorJSON}},
		{ActionUnauthorized, challengeValue, answered{status: 401, authenticate: challengeValue}},
		{ActionForbidden, challengeValue, answered{status: 403, authenticate: challengeValue}},
		{ActionInvalidClient, errorJSON, answered{status: 401, contentType: "application/json", body: errorJSON}},
		{ActionInternalServerError, `{"error":"server_error"}`, answered{status: 500, contentType: "application/json", body: `{"error":"server_error"}`}},
		// Not answers: a bug of the caller, never guessed at.
		{ActionInteraction, "", answered{status: 500, contentType: "application/json", body: serverErrorBody}},
		{ActionPassword, "", answered{status: 500, contentType: "application/json", body: serverErrorBody}},
		{"SOMETHING_NEW", "x", answered{status: 500, contentType: "application/json", body: serverErrorBody}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s %.10s", tc.action, tc.content), func(t *testing.T) {
			rec := httptest.NewRecorder()
			Respond(rec, tc.action, tc.content)
			if got := answeredOf(t, rec); got != tc.want {
				t.Errorf("answer = %+v\nwant     %+v", got, tc.want)
			}
		})
	}
}

func TestRespondBearerPutsErrorsInTheChallenge(t *testing.T) {
	cases := []struct {
		action  Action
		content string
		want    answered
	}{
		{ActionBadRequest, `Bearer error="invalid_request"`, answered{status: 400, authenticate: `Bearer error="invalid_request"`}},
		{ActionUnauthorized, challengeValue, answered{status: 401, authenticate: challengeValue}},
		{ActionForbidden, `Bearer error="insufficient_scope", scope="openid"`, answered{status: 403, authenticate: `Bearer error="insufficient_scope", scope="openid"`}},
		{ActionJSON, `{"sub":"alice"}`, answered{status: 200, contentType: "application/json", body: `{"sub":"alice"}`}},
		{ActionJWT, "eyJ.eyJ.sig", answered{status: 200, contentType: "application/jwt", body: "eyJ.eyJ.sig"}},
		{ActionInternalServerError, `{"error":"server_error"}`, answered{status: 500, contentType: "application/json", body: `{"error":"server_error"}`}},
	}
	for _, tc := range cases {
		t.Run(string(tc.action), func(t *testing.T) {
			rec := httptest.NewRecorder()
			RespondBearer(rec, tc.action, tc.content)
			if got := answeredOf(t, rec); got != tc.want {
				t.Errorf("answer = %+v\nwant     %+v", got, tc.want)
			}
		})
	}
}

func TestRespondBasicChallengesOnlyInvalidClient(t *testing.T) {
	rec := httptest.NewRecorder()
	RespondBasic(rec, ActionInvalidClient, errorJSON, `my "realm"`)
	want := answered{status: 401, contentType: "application/json", authenticate: `Basic realm="my \"realm\""`, body: errorJSON}
	if got := answeredOf(t, rec); got != want {
		t.Errorf("answer = %+v\nwant     %+v", got, want)
	}

	rec = httptest.NewRecorder()
	RespondBasic(rec, ActionBadRequest, errorJSON, "realm")
	want = answered{status: 400, contentType: "application/json", body: errorJSON}
	if got := answeredOf(t, rec); got != want {
		t.Errorf("BAD_REQUEST answer = %+v\nwant     %+v", got, want)
	}
}

func TestRespondFailureShowsNothingOfTheEngine(t *testing.T) {
	secretish := "[G000101] store exploded at mongodb://user:pw@db"
	cases := []struct {
		name       string
		err        error
		status     int
		retryAfter string
	}{
		{"store out", &Error{StatusCode: 503, ResultCode: "G000102", ResultMessage: secretish, RetryAfter: 2 * time.Second}, 503, "2"},
		{"wrapped store out", fmt.Errorf("calling: %w", &Error{StatusCode: 503, ResultMessage: secretish}), 503, ""},
		{"engine fault", &Error{StatusCode: 500, ResultCode: "G000101", ResultMessage: secretish}, 500, ""},
		{"bad API credentials", &Error{StatusCode: 401, ResultCode: "G000203", ResultMessage: secretish}, 500, ""},
		{"network", errors.New(secretish), 500, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			RespondFailure(rec, tc.err)
			got := answeredOf(t, rec)
			if got.status != tc.status || got.contentType != "application/json" || got.body != serverErrorBody {
				t.Errorf("answer = %+v, want %d with the generic server_error", got, tc.status)
			}
			if strings.Contains(got.body, "G000") || strings.Contains(got.body, "mongodb") {
				t.Errorf("body %s shows the engine's internals", got.body)
			}
			if ra := rec.Header().Get("Retry-After"); ra != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q", ra, tc.retryAfter)
			}
		})
	}
}

func TestRespondLeavesOtherHeadersAlone(t *testing.T) {
	rec := httptest.NewRecorder()
	rec.Header().Set("X-Frame-Options", "DENY")
	Respond(rec, ActionForm, "<html/>")
	if rec.Header().Get("X-Frame-Options") != "DENY" || rec.Code != http.StatusOK {
		t.Errorf("headers = %v", rec.Header())
	}
}
