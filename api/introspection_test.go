package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// tokenOutage is a store whose token reads and revocations fail once down
// is set, as a store that goes away after the tokens were issued.
type tokenOutage struct {
	*memstore.Store
	down *bool
	err  error
}

func (s tokenOutage) GetToken(ctx context.Context, serviceID int64, hash string) (store.Token, error) {
	if *s.down {
		return store.Token{}, s.err
	}
	return s.Store.GetToken(ctx, serviceID, hash)
}

func (s tokenOutage) DeleteGrant(ctx context.Context, serviceID int64, grantID string) (int, error) {
	if *s.down {
		return 0, s.err
	}
	return s.Store.DeleteGrant(ctx, serviceID, grantID)
}

// runtimeFixture is a service with a confidential client_credentials client
// "batch" behind the real router, its store able to fail on demand.
type runtimeFixture struct {
	*mgmt
	key, secret string
	client      clientJSON
	down        bool
}

func newRuntimeFixture(t *testing.T, storeErr error) *runtimeFixture {
	t.Helper()
	f := &runtimeFixture{}
	f.mgmt = newMgmt(t, tokenOutage{Store: memstore.New(), down: &f.down, err: storeErr})
	f.key, f.secret = f.newService()
	f.client = f.newClient(f.key, f.secret, `{"clientName":"Batch","clientType":"CONFIDENTIAL","clientIdAlias":"batch","grantTypes":["CLIENT_CREDENTIALS"],"responseTypes":[]}`)
	return f
}

// accessToken gets a client_credentials token of "batch" through the router.
func (f *runtimeFixture) accessToken(scope string) string {
	f.t.Helper()
	body := url.Values{"parameters": {"grant_type=client_credentials&scope=" + scope}, "clientId": {"batch"}, "clientSecret": {f.client.ClientSecret}}
	var out tokenJSON
	f.expect(f.call(http.MethodPost, "/api/auth/token", f.key, f.secret, "application/x-www-form-urlencoded", body.Encode()), http.StatusOK, &out)
	if out.Action != "OK" {
		f.t.Fatalf("token = %+v", out)
	}
	return out.AccessToken
}

func TestIntrospectionThroughTheRouter(t *testing.T) {
	f := newRuntimeFixture(t, store.ErrUnavailable)
	at := f.accessToken("profile")

	introspect := func(contentType, body string) introspectionJSON {
		t.Helper()
		var out introspectionJSON
		rec := f.call(http.MethodPost, "/api/auth/introspection", f.key, f.secret, contentType, body)
		f.expect(rec, http.StatusOK, &out)
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q", rec.Header().Get("Cache-Control"))
		}
		return out
	}
	ok := introspect("application/json", `{"token":"`+at+`","scopes":["profile"]}`)
	if ok.Action != "OK" || ok.ClientID != f.client.ClientID || !ok.Existent || !ok.Usable || !ok.Sufficient || ok.Refreshable || ok.ResponseContent != "" {
		t.Errorf("active = %+v", ok)
	}
	forbidden := introspect("application/x-www-form-urlencoded", url.Values{"token": {at}, "scopes": {"profile admin"}}.Encode())
	if forbidden.Action != "FORBIDDEN" || !strings.HasPrefix(forbidden.ResponseContent, `Bearer error="insufficient_scope"`) ||
		!strings.HasSuffix(forbidden.ResponseContent, `scope="profile admin"`) || forbidden.Sufficient || !forbidden.Usable {
		t.Errorf("insufficient scope = %+v", forbidden)
	}
	if r := introspect("application/json", `{"token":"garbage"}`); r.Action != "UNAUTHORIZED" || r.Existent ||
		!strings.HasPrefix(r.ResponseContent, `Bearer error="invalid_token", error_description="[G006301]`) {
		t.Errorf("garbage = %+v", r)
	}
	if r := introspect("application/json", `{}`); r.Action != "BAD_REQUEST" || !strings.HasPrefix(r.ResponseContent, `Bearer error="invalid_request"`) {
		t.Errorf("no token = %+v", r)
	}

	// I01: the caller must hold the service's credentials.
	f.expect(f.call(http.MethodPost, "/api/auth/introspection", "", "", "application/json", `{"token":"`+at+`"}`), http.StatusUnauthorized, nil)
	f.expect(f.call(http.MethodPost, "/api/auth/introspection", f.key, "wrong", "application/json", `{"token":"`+at+`"}`), http.StatusUnauthorized, nil)
	f.expect(f.call(http.MethodPost, "/api/auth/introspection", f.key, f.secret, "application/json", `{"token":{"$ne":""}}`), http.StatusBadRequest, nil)

	f.down = true
	f.expect(f.call(http.MethodPost, "/api/auth/introspection", f.key, f.secret, "application/json", `{"token":"`+at+`"}`), http.StatusServiceUnavailable, nil)
}

func TestStandardIntrospectionThroughTheRouter(t *testing.T) {
	f := newRuntimeFixture(t, errors.New("disk on fire"))
	at := f.accessToken("profile")

	introspect := func(parameters string) (runtimeResultJSON, map[string]any) {
		t.Helper()
		var out runtimeResultJSON
		rec := f.call(http.MethodPost, "/api/auth/introspection/standard", f.key, f.secret, "application/x-www-form-urlencoded",
			url.Values{"parameters": {parameters}}.Encode())
		f.expect(rec, http.StatusOK, &out)
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("I08: Cache-Control = %q", rec.Header().Get("Cache-Control"))
		}
		var content map[string]any
		_ = json.Unmarshal([]byte(out.ResponseContent), &content)
		return out, content
	}
	out, active := introspect("token=" + url.QueryEscape(at) + "&token_type_hint=refresh_token")
	if out.Action != "OK" || active["active"] != true || active["token_type"] != "Bearer" || active["scope"] != "profile" ||
		active["client_id"] != strconv.FormatInt(f.client.ClientID, 10) || active["iss"] != "https://login.shop.example" || active["sub"] != nil {
		t.Errorf("I08 active = %+v %v", out, active)
	}
	if out, _ := introspect("token=garbage"); out.Action != "OK" || out.ResponseContent != `{"active":false}` {
		t.Errorf("I02 garbage = %+v", out)
	}
	if out, content := introspect("token_type_hint=access_token"); out.Action != "BAD_REQUEST" || content["error"] != "invalid_request" {
		t.Errorf("no token = %+v", out)
	}

	// I01.
	f.expect(f.call(http.MethodPost, "/api/auth/introspection/standard", "", "", "application/json", `{"parameters":"token=x"}`), http.StatusUnauthorized, nil)

	// A store failure other than an outage is the engine's fault: the
	// frontend gets INTERNAL_SERVER_ERROR, never a false "inactive".
	f.down = true
	if out, content := introspect("token=" + url.QueryEscape(at)); out.Action != "INTERNAL_SERVER_ERROR" || content["error"] != "server_error" ||
		strings.Contains(out.ResultMessage, "fire") {
		t.Errorf("engine fault = %+v", out)
	}
}
