package gatehouse

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// uiFuncs is an Interactor of functions; a nil one fails the test.
type uiFuncs struct {
	t                          *testing.T
	interaction, noInteraction func(w http.ResponseWriter, r *http.Request, res *AuthorizationResponse)
}

func (u uiFuncs) Interaction(w http.ResponseWriter, r *http.Request, res *AuthorizationResponse) {
	if u.interaction == nil {
		u.t.Error("unexpected Interaction")
		return
	}
	u.interaction(w, r, res)
}

func (u uiFuncs) NoInteraction(w http.ResponseWriter, r *http.Request, res *AuthorizationResponse) {
	if u.noInteraction == nil {
		u.t.Error("unexpected NoInteraction")
		return
	}
	u.noInteraction(w, r, res)
}

const interactionAnswer = `{"resultCode":"G004001","resultMessage":"m","action":"INTERACTION","ticket":"tk","client":{"clientId":7,"clientIdAliasEnabled":false,"clientName":"App","clientType":"PUBLIC","applicationType":"WEB"},"scopes":[{"name":"openid"}]}`

func TestAuthorizationHandlerHandsInteractionToTheUI(t *testing.T) {
	e := newFakeEngine(t)
	e.reply("POST /api/auth/authorization", 200, interactionAnswer)
	ui := uiFuncs{t: t, interaction: func(w http.ResponseWriter, r *http.Request, res *AuthorizationResponse) {
		if res.Ticket != "tk" || res.Client.ClientName != "App" || res.Scopes[0].Name != "openid" {
			t.Errorf("the page got %+v", res)
		}
		io.WriteString(w, "login page")
	}}
	query := "response_type=code&client_id=app&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=openid&state=s+1"
	rec := serve(testFrontend(e).AuthorizationHandler(ui), httptest.NewRequest("GET", "/authorize?"+query, nil))
	assertCall(t, e.one(t), "POST", "/api/auth/authorization", `{"parameters":"`+query+`"}`)
	if rec.Body.String() != "login page" {
		t.Errorf("body = %q", rec.Body.String())
	}
}

func TestAuthorizationHandlerPostAndNoInteraction(t *testing.T) {
	e := newFakeEngine(t)
	e.reply("POST /api/auth/authorization", 200, `{"resultCode":"G004002","resultMessage":"m","action":"NO_INTERACTION","ticket":"tk"}`)
	e.reply("POST /api/auth/authorization/fail", 200, `{"resultCode":"G004004","resultMessage":"m","action":"LOCATION","responseContent":"https://app.example.com/cb?error=login_required"}`)
	fe := testFrontend(e)
	ui := uiFuncs{t: t, noInteraction: func(w http.ResponseWriter, r *http.Request, res *AuthorizationResponse) {
		fe.Fail(w, r, AuthorizationFailRequest{Ticket: res.Ticket, Reason: ReasonLoginRequired})
	}}
	got := answeredOf(t, serve(fe.AuthorizationHandler(ui), formRequest("POST", "/authorize", "response_type=code&client_id=app&prompt=none")))
	calls := e.Calls()
	if len(calls) != 2 {
		t.Fatalf("calls = %v", calls)
	}
	assertCall(t, calls[0], "POST", "/api/auth/authorization", `{"parameters":"response_type=code&client_id=app&prompt=none"}`)
	assertCall(t, calls[1], "POST", "/api/auth/authorization/fail", `{"ticket":"tk","reason":"LOGIN_REQUIRED"}`)
	if got != (answered{status: 303, location: "https://app.example.com/cb?error=login_required"}) {
		t.Errorf("answer = %+v", got)
	}
}

func TestAuthorizationHandlerAnswersTheOtherActions(t *testing.T) {
	for _, tc := range []struct {
		answer string
		want   answered
	}{
		{`{"resultCode":"G004303","resultMessage":"m","action":"BAD_REQUEST","responseContent":"{\"error\":\"invalid_client\"}"}`,
			answered{status: 400, contentType: "application/json", body: `{"error":"invalid_client"}`}},
		{`{"resultCode":"G004314","resultMessage":"m","action":"LOCATION","responseContent":"https://app.example.com/cb?error=invalid_request"}`,
			answered{status: 302, location: "https://app.example.com/cb?error=invalid_request"}},
		{`{"resultCode":"G004314","resultMessage":"m","action":"FORM","responseContent":"<form/>"}`,
			answered{status: 200, contentType: "text/html;charset=UTF-8", body: "<form/>"}},
	} {
		e := newFakeEngine(t)
		e.reply("POST /api/auth/authorization", 200, tc.answer)
		got := answeredOf(t, serve(testFrontend(e).AuthorizationHandler(uiFuncs{t: t}), httptest.NewRequest("GET", "/authorize?client_id=x", nil)))
		if got != tc.want {
			t.Errorf("answer = %+v\nwant     %+v", got, tc.want)
		}
	}
}

func TestAuthorizationHandlerRefusesANonFormPost(t *testing.T) {
	e := newFakeEngine(t)
	r := httptest.NewRequest("POST", "/authorize", strings.NewReader(`{"client_id":"app"}`))
	r.Header.Set("Content-Type", "application/json")
	got := answeredOf(t, serve(testFrontend(e).AuthorizationHandler(uiFuncs{t: t}), r))
	if got.status != 400 || len(e.Calls()) != 0 {
		t.Errorf("answer = %+v after %d calls", got, len(e.Calls()))
	}
}

func TestIssueAnswersTheAuthorizationResponse(t *testing.T) {
	e := newFakeEngine(t)
	e.reply("POST /api/auth/authorization/issue", 200, `{"resultCode":"G004003","resultMessage":"m","action":"LOCATION","responseContent":"https://app.example.com/cb?code=c&iss=x","authorizationCode":"c"}`)
	fe := testFrontend(e)
	rec := httptest.NewRecorder()
	fe.Issue(rec, httptest.NewRequest("POST", "/consent", nil), AuthorizationIssueRequest{Ticket: "tk", Subject: "alice", AuthTime: 1767225600})
	assertCall(t, e.one(t), "POST", "/api/auth/authorization/issue", `{"ticket":"tk","subject":"alice","authTime":1767225600}`)
	// After the consent form's POST: 303, so the form is never replayed.
	if got := answeredOf(t, rec); got != (answered{status: 303, location: "https://app.example.com/cb?code=c&iss=x"}) {
		t.Errorf("answer = %+v", got)
	}
	// Issued during a GET (e.g. a silent prompt=none request): 302.
	rec = httptest.NewRecorder()
	fe.Issue(rec, httptest.NewRequest("GET", "/authorize", nil), AuthorizationIssueRequest{Ticket: "tk", Subject: "alice"})
	if got := answeredOf(t, rec); got != (answered{status: 302, location: "https://app.example.com/cb?code=c&iss=x"}) {
		t.Errorf("answer to a GET = %+v", got)
	}
}
