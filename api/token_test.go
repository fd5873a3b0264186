package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// TestTokenThroughTheRouter drives /api/auth/token with a form body, as a
// frontend relays a client_credentials request made with HTTP Basic.
func TestTokenThroughTheRouter(t *testing.T) {
	m := newMgmt(t, nil)
	key, secret := m.newService()
	c := m.newClient(key, secret, `{"clientName":"Batch","clientType":"CONFIDENTIAL","clientIdAlias":"batch","grantTypes":["CLIENT_CREDENTIALS"],"responseTypes":[]}`)

	call := func(clientSecret string) tokenJSON {
		body := url.Values{"parameters": {"grant_type=client_credentials&scope=profile"}, "clientId": {"batch"}, "clientSecret": {clientSecret}}
		var out tokenJSON
		m.expect(m.call(http.MethodPost, "/api/auth/token", key, secret, "application/x-www-form-urlencoded", body.Encode()), http.StatusOK, &out)
		return out
	}
	ok := call(c.ClientSecret)
	var resp map[string]any
	if err := json.Unmarshal([]byte(ok.ResponseContent), &resp); err != nil {
		t.Fatal(err)
	}
	if ok.Action != "OK" || ok.GrantType != "CLIENT_CREDENTIALS" || resp["token_type"] != "Bearer" || resp["access_token"] != ok.AccessToken || resp["refresh_token"] != nil {
		t.Fatalf("client_credentials = %+v, %v", ok, resp)
	}
	if bad := call("wrong"); bad.Action != "INVALID_CLIENT" || bad.AccessToken != "" {
		t.Errorf("wrong secret = %+v", bad)
	}
	// The API call itself: service credentials and a well-formed body.
	m.expect(m.call(http.MethodPost, "/api/auth/token", key, "wrong", "application/json", `{}`), http.StatusUnauthorized, nil)
	m.expect(m.call(http.MethodPost, "/api/auth/token", key, secret, "application/json", `{"parameters":{"$ne":""}}`), http.StatusBadRequest, nil)
}
