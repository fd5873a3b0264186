package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse-oss/gatehouse/store"
)

// TestRevocationThroughTheRouter drives /api/auth/revocation as a frontend
// relays revocation requests; every answer is held against openapi.yaml.
// The whole V01–V08 table runs at the service level (service/revocation_test.go).
func TestRevocationThroughTheRouter(t *testing.T) {
	f := newRuntimeFixture(t, store.ErrUnavailable)
	other := f.newClient(f.key, f.secret, `{"clientName":"Other","clientType":"CONFIDENTIAL","clientIdAlias":"other","grantTypes":["CLIENT_CREDENTIALS"],"responseTypes":[]}`)

	revoke := func(clientID, clientSecret, parameters string) (runtimeResultJSON, string) {
		t.Helper()
		var out runtimeResultJSON
		body := url.Values{"parameters": {parameters}, "clientId": {clientID}, "clientSecret": {clientSecret}}
		rec := f.call(http.MethodPost, "/api/auth/revocation", f.key, f.secret, "application/x-www-form-urlencoded", body.Encode())
		f.expect(rec, http.StatusOK, &out)
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q", rec.Header().Get("Cache-Control"))
		}
		var e struct{ Error string }
		_ = json.Unmarshal([]byte(out.ResponseContent), &e)
		return out, e.Error
	}
	active := func(at string) bool {
		t.Helper()
		var out runtimeResultJSON
		f.expect(f.json(http.MethodPost, "/api/auth/introspection/standard", f.key, f.secret,
			`{"parameters":"token=`+url.QueryEscape(at)+`"}`), http.StatusOK, &out)
		return out.ResponseContent != `{"active":false}`
	}
	at := f.accessToken("profile")

	cases := []struct {
		name, id, secret, params string
		action, oauthErr, code   string
		alive                    bool
	}{
		{"V01_no_token", "batch", f.client.ClientSecret, "token_type_hint=access_token", "BAD_REQUEST", "invalid_request", "G007303", true},
		{"V02_garbage", "batch", f.client.ClientSecret, "token=garbage", "OK", "", "G007002", true},
		{"V03_other_client", "other", other.ClientSecret, "token=" + url.QueryEscape(at), "BAD_REQUEST", "unauthorized_client", "G007304", true},
		{"V07_bad_credentials", "batch", "wrong", "token=" + url.QueryEscape(at), "INVALID_CLIENT", "invalid_client", "G005306", true},
		{"V05_V06_revoked", "batch", f.client.ClientSecret, "token=" + url.QueryEscape(at) + "&token_type_hint=refresh_token", "OK", "", "G007001", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, oauthErr := revoke(tc.id, tc.secret, tc.params)
			if out.Action != tc.action || oauthErr != tc.oauthErr || out.ResultCode != tc.code {
				t.Fatalf("got %+v", out)
			}
			if tc.action == "OK" && out.ResponseContent != "" {
				t.Errorf("OK carries responseContent %q", out.ResponseContent)
			}
			if active(at) != tc.alive {
				t.Errorf("token active = %v, want %v", !tc.alive, tc.alive)
			}
		})
	}

	// The API call itself: service credentials and a well-formed body.
	f.expect(f.call(http.MethodPost, "/api/auth/revocation", f.key, "wrong", "application/json", `{}`), http.StatusUnauthorized, nil)
	f.expect(f.call(http.MethodPost, "/api/auth/revocation", f.key, f.secret, "application/json", `{"parameters":["token=x"]}`), http.StatusBadRequest, nil)

	// V08: a store outage is a 503 the frontend retries, never a false OK.
	live := f.accessToken("profile")
	f.down = true
	body := url.Values{"parameters": {"token=" + live}, "clientId": {"batch"}, "clientSecret": {f.client.ClientSecret}}
	f.expect(f.call(http.MethodPost, "/api/auth/revocation", f.key, f.secret, "application/x-www-form-urlencoded", body.Encode()), http.StatusServiceUnavailable, nil)
	f.down = false
	if !active(live) {
		t.Error("the token was revoked during the outage")
	}
}
