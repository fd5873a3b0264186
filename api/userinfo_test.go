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
