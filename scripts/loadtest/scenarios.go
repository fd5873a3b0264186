package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// tenant is what the harness seeds in an engine through the management
// API: a service and a confidential client_secret_basic client allowed the
// code, refresh and client credentials grants, and an access token of it
// for the introspection scenarios.
type tenant struct {
	auth                   string // the service's Authorization header value
	clientID, clientSecret string
	accessToken            string
	// The bodies of the single-request scenarios, made once so that the
	// harness spends its CPU on nothing but sending them.
	clientCredentials, introspection, standardIntrospection []byte
}

// redirectURI is the seeded client's.
const redirectURI = "https://app.loadtest.example/cb"

// seed creates the tenant as the operator would, then gets its token.
func seed(addr, adminAuth string) (*tenant, error) {
	c := newConn(addr)
	defer c.close()
	var svc struct {
		APIKey    int64  `json:"apiKey"`
		APISecret string `json:"apiSecret"`
	}
	if err := create(c, "/api/service/create", adminAuth,
		`{"serviceName":"Loadtest","issuer":"https://as.loadtest.example"}`, &svc); err != nil {
		return nil, err
	}
	t := &tenant{auth: basicAuth(strconv.FormatInt(svc.APIKey, 10), svc.APISecret)}
	var client struct {
		ClientID     int64  `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	if err := create(c, "/api/client/create", t.auth, `{"clientName":"Loadtest web","clientType":"CONFIDENTIAL",`+
		`"clientIdAlias":"web","redirectUris":["`+redirectURI+`"],`+
		`"grantTypes":["AUTHORIZATION_CODE","REFRESH_TOKEN","CLIENT_CREDENTIALS"]}`, &client); err != nil {
		return nil, err
	}
	t.clientID, t.clientSecret = strconv.FormatInt(client.ClientID, 10), client.ClientSecret
	t.clientCredentials = []byte(`{"parameters":"grant_type=client_credentials&scope=profile","clientId":"` + t.clientID +
		`","clientSecret":"` + t.clientSecret + `"}`)
	status, body, err := c.post("/api/auth/token", t.auth, t.clientCredentials)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("first token: %d %s %v", status, body, err)
	}
	if t.accessToken = field(body, "accessToken"); t.accessToken == "" {
		return nil, fmt.Errorf("first token: no accessToken in %s", body)
	}
	t.introspection = []byte(`{"token":"` + t.accessToken + `","scopes":["profile"]}`)
	t.standardIntrospection = []byte(`{"parameters":"token=` + t.accessToken + `"}`)
	return t, nil
}

// create makes a management call that answers 201 and decodes the answer.
func create(c *conn, path, auth, body string, out any) error {
	status, answer, err := c.post(path, auth, []byte(body))
	if err != nil || status != http.StatusCreated {
		return fmt.Errorf("%s: %d %s %v", path, status, answer, err)
	}
	return json.Unmarshal(answer, out)
}

// field reads a string member of a JSON answer without decoding the whole
// answer, so that the harness spends next to no CPU on it. The values read
// (tickets, codes, tokens) are base64url and need no unescaping.
func field(body []byte, name string) string {
	_, rest, ok := bytes.Cut(body, []byte(`"`+name+`":"`))
	v, _, closed := bytes.Cut(rest, []byte(`"`))
	if !ok || !closed {
		return ""
	}
	return string(v)
}

// scenario is one row kind of the table: what one unit of work is (one
// request, or one flow of three), against the engine or the bare handler.
type scenario struct {
	id   string // for -scenarios
	name string
	// flow: a unit is a whole code flow (three calls), counted as flows/s.
	flow bool
	// bare: the unit goes to the reference server, not the engine.
	bare bool
	// unit does one unit of work on c for t.
	unit func(c *conn, t *tenant) error
}

// call posts body and requires 200 with the given action.
func call(c *conn, path, auth string, body []byte, action string) ([]byte, error) {
	status, answer, err := c.post(path, auth, body)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, err)
	case status != http.StatusOK || !bytes.Contains(answer, []byte(`"action":"`+action+`"`)):
		return nil, fmt.Errorf("%s: %d %.300s", path, status, answer)
	}
	return answer, nil
}

// verifier and its S256 challenge: PKCE on every flow, as RFC 9700 §2.1.1
// asks of every client.
const verifier = "loadtest-verifier-loadtest-verifier-loadtest-verifier"

var challenge = func() string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}()

// scenarios are the rows of the table, in order, and the bare handler
// every other row is divided by.
func scenarios() []scenario {
	return []scenario{
		{id: "bare", name: "bare echo handler", bare: true, unit: func(c *conn, t *tenant) error {
			// The introspection request, to a handler that ignores it.
			_, err := call(c, "/api/bare", t.auth, t.introspection, "OK")
			return err
		}},
		{id: "cc", name: "client_credentials", unit: func(c *conn, t *tenant) error {
			_, err := call(c, "/api/auth/token", t.auth, t.clientCredentials, "OK")
			return err
		}},
		{id: "introspection", name: "introspection", unit: func(c *conn, t *tenant) error {
			_, err := call(c, "/api/auth/introspection", t.auth, t.introspection, "OK")
			return err
		}},
		{id: "standard", name: "introspection/standard", unit: func(c *conn, t *tenant) error {
			answer, err := call(c, "/api/auth/introspection/standard", t.auth, t.standardIntrospection, "OK")
			if err == nil && !bytes.Contains(answer, []byte(`\"active\":true`)) {
				err = fmt.Errorf("inactive: %.300s", answer)
			}
			return err
		}},
		{id: "codeflow", name: "code flow (no ID token)", flow: true, unit: codeFlow},
	}
}

// codeFlow is what a frontend asks of the engine for one authorization code
// flow: the authorization request, its issue once the user consented, and
// the token request with the code. Scope profile: no ID token, so no
// signature; the client may refresh, so the answer holds a refresh token.
func codeFlow(c *conn, t *tenant) error {
	params := url.Values{"response_type": {"code"}, "client_id": {t.clientID}, "redirect_uri": {redirectURI},
		"scope": {"profile"}, "state": {"loadtest"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	answer, err := call(c, "/api/auth/authorization", t.auth, []byte(`{"parameters":"`+params.Encode()+`"}`), "INTERACTION")
	if err != nil {
		return err
	}
	ticket := field(answer, "ticket")
	answer, err = call(c, "/api/auth/authorization/issue", t.auth, []byte(`{"ticket":"`+ticket+`","subject":"alice"}`), "LOCATION")
	if err != nil {
		return err
	}
	token := url.Values{"grant_type": {"authorization_code"}, "code": {field(answer, "authorizationCode")},
		"redirect_uri": {redirectURI}, "code_verifier": {verifier}}
	_, err = call(c, "/api/auth/token", t.auth, []byte(`{"parameters":"`+token.Encode()+
		`","clientId":"`+t.clientID+`","clientSecret":"`+t.clientSecret+`"}`), "OK")
	return err
}
