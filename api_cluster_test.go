package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// callTimeout bounds one call of the tests to an engine: well over the
// engine's own deadline on a call (10 s, store calls included), so that a
// call that runs out of it is a hang of the engine, not of the test.
const callTimeout = 25 * time.Second

// engineAPI calls the JSON API of one engine instance, with plain net/http,
// as one principal (HTTP Basic: the operator's or a service's credentials).
// It is not named api: run.go imports the api package under that name.
type engineAPI struct {
	name        string // the instance, for failure messages
	base        string
	key, secret string
}

// as is the same instance called with other credentials.
func (a engineAPI) as(key, secret string) engineAPI {
	a.key, a.secret = key, secret
	return a
}

// send makes one call, in as its JSON body (none if nil), and returns the
// answer's status and body. An error means there was no answer.
func (a engineAPI) send(ctx context.Context, method, path string, in any) (int, []byte, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, nil, err
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return 0, nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth(a.key, a.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// call makes a call that must answer want, decodes the answer into out
// unless out is nil, and returns it as it came.
func (a engineAPI) call(t *testing.T, method, path string, in any, want int, out any) []byte {
	t.Helper()
	status, body, err := a.send(t.Context(), method, path, in)
	if err != nil {
		t.Fatalf("engine %s: %s %s: %v", a.name, method, path, err)
	}
	if status != want {
		t.Fatalf("engine %s: %s %s: HTTP %d %s, want %d", a.name, method, path, status, body, want)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("engine %s: %s %s: %v in %s", a.name, method, path, err, body)
		}
	}
	return body
}

// probe GETs an unauthenticated path (a health probe); status 0 means no
// answer, and the body then says why.
func (a engineAPI) probe(path string) (int, string) {
	status, body, err := a.send(context.Background(), http.MethodGet, path, nil)
	if err != nil {
		return 0, err.Error()
	}
	return status, string(body)
}

// runtimeAnswer is the part of a runtime API answer (DESIGN §3) the tests
// read.
type runtimeAnswer struct {
	Action          string `json:"action"`
	ResultCode      string `json:"resultCode"`
	ResultMessage   string `json:"resultMessage"`
	ResponseContent string `json:"responseContent"`
	Ticket          string `json:"ticket"`
	Client          struct {
		ClientName string `json:"clientName"`
	} `json:"client"`
	raw string
}

// runtime posts a runtime call, which must be processed (HTTP 200) with
// the action want.
func (a engineAPI) runtime(t *testing.T, path string, in any, want string) runtimeAnswer {
	t.Helper()
	ans := a.tryRuntime(t, path, in)
	if ans.Action != want {
		t.Fatalf("engine %s: POST %s: action %s, want %s: %s", a.name, path, ans.Action, want, ans.raw)
	}
	return ans
}

// tryRuntime posts a runtime call, which must be processed (HTTP 200),
// whatever its action.
func (a engineAPI) tryRuntime(t *testing.T, path string, in any) runtimeAnswer {
	t.Helper()
	var ans runtimeAnswer
	ans.raw = string(a.call(t, http.MethodPost, path, in, http.StatusOK, &ans))
	return ans
}

// tokenResponse is the token endpoint's answer (RFC 6749 §5.1), the
// responseContent of an OK from /api/auth/token.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

// oauthClient is a client of a service, with the credentials it
// authenticates with at the token endpoint (client_secret_basic: the
// frontend passes what it decoded from the Authorization header).
type oauthClient struct {
	id, secret string
}

// token runs a token request of c, its form body form, at a; it must
// succeed.
func (a engineAPI) token(t *testing.T, c oauthClient, form string) tokenResponse {
	t.Helper()
	ans := a.runtime(t, "/api/auth/token", map[string]any{"parameters": form, "clientId": c.id, "clientSecret": c.secret}, "OK")
	var tok tokenResponse
	if err := json.Unmarshal([]byte(ans.ResponseContent), &tok); err != nil || tok.AccessToken == "" || tok.TokenType != "Bearer" {
		t.Fatalf("engine %s: token response %s: %v", a.name, ans.ResponseContent, err)
	}
	return tok
}

// createService creates a service as the operator and returns the API as
// that service.
func (a engineAPI) createService(t *testing.T, body map[string]any) engineAPI {
	t.Helper()
	var svc struct {
		APIKey    int64  `json:"apiKey"`
		APISecret string `json:"apiSecret"`
	}
	a.call(t, http.MethodPost, "/api/service/create", body, http.StatusCreated, &svc)
	if svc.APIKey == 0 || svc.APISecret == "" {
		t.Fatalf("engine %s: created service %+v: no credentials", a.name, svc)
	}
	return a.as(fmt.Sprint(svc.APIKey), svc.APISecret)
}

// createClient creates a confidential client of the service a is called as.
func (a engineAPI) createClient(t *testing.T, body map[string]any) oauthClient {
	t.Helper()
	var c struct {
		ClientID     int64  `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	a.call(t, http.MethodPost, "/api/client/create", body, http.StatusCreated, &c)
	if c.ClientID == 0 || c.ClientSecret == "" {
		t.Fatalf("engine %s: created client %+v: no credentials", a.name, c)
	}
	return oauthClient{id: fmt.Sprint(c.ClientID), secret: c.ClientSecret}
}
