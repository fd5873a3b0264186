package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-oss/gatehouse/store"
)

// Every answer below goes through f.call, which holds it against
// openapi.yaml (checkContract). U02 (lower-case "bearer") is the frontend's
// header parsing: the engine only ever sees the bare token.
func TestUserInfoThroughTheRouter(t *testing.T) {
	f := newRuntimeFixture(t, store.ErrUnavailable)
	at := f.accessToken("profile") // client credentials: no openid

	post := func(path, contentType, body string) runtimeResultJSON {
		t.Helper()
		var out runtimeResultJSON
		rec := f.call(http.MethodPost, path, f.key, f.secret, contentType, body)
		f.expect(rec, http.StatusOK, &out)
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q", rec.Header().Get("Cache-Control"))
		}
		return out
	}
	for _, path := range []string{"/api/auth/userinfo", "/api/auth/userinfo/issue"} {
		if r := post(path, "application/json", `{}`); r.Action != "BAD_REQUEST" || r.ResultCode != "G008201" ||
			!strings.HasPrefix(r.ResponseContent, `Bearer error="invalid_request"`) {
			t.Errorf("%s no token = %+v", path, r)
		}
		if r := post(path, "application/json", `{"token":"garbage"}`); r.Action != "UNAUTHORIZED" || r.ResultCode != "G008301" ||
			!strings.HasPrefix(r.ResponseContent, `Bearer error="invalid_token"`) {
			t.Errorf("%s U01 garbage = %+v", path, r)
		}
		if r := post(path, "application/x-www-form-urlencoded", url.Values{"token": {at}}.Encode()); r.Action != "FORBIDDEN" ||
			r.ResultCode != "G008304" || !strings.HasPrefix(r.ResponseContent, `Bearer error="insufficient_scope"`) ||
			!strings.HasSuffix(r.ResponseContent, `scope="openid"`) {
			t.Errorf("%s without openid = %+v", path, r)
		}
		f.expect(f.call(http.MethodPost, path, "", "", "application/json", `{"token":"x"}`), http.StatusUnauthorized, nil)
		f.expect(f.call(http.MethodPost, path, f.key, f.secret, "application/json", `{"token":{"$ne":""}}`), http.StatusBadRequest, nil)
	}

	f.down = true
	for _, path := range []string{"/api/auth/userinfo", "/api/auth/userinfo/issue"} {
		f.expect(f.call(http.MethodPost, path, f.key, f.secret, "application/json", `{"token":"`+at+`"}`), http.StatusServiceUnavailable, nil)
	}
}

// TestSignedUserInfoThroughTheRouter registers userInfoSignedResponseAlg
// through client management and gets action JWT, as openapi.yaml says.
func TestSignedUserInfoThroughTheRouter(t *testing.T) {
	m := newManaged(t)
	signed := m.newClient(m.key, m.secret, `{"clientName":"Signed","clientType":"CONFIDENTIAL","userInfoSignedResponseAlg":"ES256",
		"grantTypes":["AUTHORIZATION_CODE"],"responseTypes":["CODE"],"redirectUris":["https://app.example/cb"]}`)
	if signed.UserInfoSignedResponseAlg != "ES256" {
		t.Fatalf("client = %+v", signed)
	}
	tok := m.create(`{"grantType":"AUTHORIZATION_CODE","clientId":` + itoa(signed.ClientID) + `,"subject":"alice","scopes":["openid","profile"]}`)
	var out runtimeResultJSON
	m.expect(m.json(http.MethodPost, "/api/auth/userinfo/issue", m.key, m.secret, `{"token":"`+tok.AccessToken+`","claims":"{\"name\":\"Alice\"}"}`), http.StatusOK, &out)
	if out.Action != "JWT" || strings.Count(out.ResponseContent, ".") != 2 {
		t.Errorf("signed userinfo = %+v", out)
	}
	m.expect(m.json(http.MethodPost, "/api/client/create", m.key, m.secret, `{"clientName":"Bad","clientType":"CONFIDENTIAL","userInfoSignedResponseAlg":"none",
		"grantTypes":["CLIENT_CREDENTIALS"],"responseTypes":[]}`), http.StatusBadRequest, nil)
}
