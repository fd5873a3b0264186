package service

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
)

// revoke runs a revocation request as client name would send it, with the
// fixture's token request authentication (see tokenFixture.token).
func (f *tokenFixture) revoke(t *testing.T, name string, params url.Values) RevocationResult {
	t.Helper()
	var req RevocationRequest
	req.Parameters, req.ClientID, req.ClientSecret = f.credentials(name, params)
	r, err := f.e.Revoke(context.Background(), f.svc, req)
	if err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	return r
}

// TestRevocation runs the cases V01–V08 of SECURITY §6 on tokens minted
// through the real flows.
func TestRevocation(t *testing.T) {
	f := newTokenFixture(t, nil)
	other := f.otherService(t)
	oc := testClient(oauth.ClientConfidential)
	oc.ClientIDAlias, oc.ClientIDAliasEnabled, oc.TokenAuthMethod = "basic", true, oauth.AuthClientSecretBasic
	_, otherSecret, err := f.e.CreateClient(context.Background(), other, oc)
	if err != nil {
		t.Fatal(err)
	}
	// tokens returns the access and refresh token of a new grant of client.
	tokens := func(client string) (at, rt string) {
		r := f.redeem(t, client, f.code(t, client, "openid"))
		if r.Action != ActionOK {
			t.Fatalf("redeem = %+v", r)
		}
		return r.AccessToken, r.RefreshToken
	}

	cases := []struct {
		name   string
		caller string
		params func() (url.Values, []string) // and the tokens it must leave alive
		action string
		oauthE string // the error of responseContent; "" for OK, whose content is empty
		code   string // the resultCode
	}{
		{name: "V01_no_token", caller: "basic", params: func() (url.Values, []string) {
			return url.Values{"token_type_hint": {"access_token"}}, nil
		}, action: ActionBadRequest, oauthE: "invalid_request", code: "G007303"},
		{name: "V02_garbage", caller: "basic", params: func() (url.Values, []string) {
			return url.Values{"token": {"garbage"}}, nil
		}, action: ActionOK, code: "G007002"},
		{name: "V03_other_client_confidential_caller", caller: "post", params: func() (url.Values, []string) {
			at, rt := tokens("basic")
			return url.Values{"token": {at}}, []string{at, rt}
		}, action: ActionBadRequest, oauthE: "unauthorized_client", code: "G007304"},
		{name: "V03_other_client_public_caller", caller: "public", params: func() (url.Values, []string) {
			at, rt := tokens("basic")
			return url.Values{"token": {rt}}, []string{at, rt}
		}, action: ActionOK, code: "G007003"},
		{name: "duplicate_parameter", caller: "basic", params: func() (url.Values, []string) {
			at, rt := tokens("basic")
			return url.Values{"token": {at, at}}, []string{at, rt}
		}, action: ActionBadRequest, oauthE: "invalid_request", code: "G007302"},
		{name: "V07_bad_client_credentials", caller: "nobody", params: func() (url.Values, []string) {
			at, rt := tokens("basic")
			return url.Values{"token": {at}, "client_id": {"basic"}, "client_secret": {"wrong"}}, []string{at, rt}
		}, action: ActionInvalidClient, oauthE: "invalid_client", code: "G005306"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			params, alive := tc.params()
			r := f.revoke(t, tc.caller, params)
			var body oauth.Error
			_ = json.Unmarshal([]byte(r.ResponseContent), &body)
			if r.Action != tc.action || body.Code != tc.oauthE || r.ResultCode != tc.code {
				t.Fatalf("got %s %q %s (%s), want %s %q %s", r.Action, body.Code, r.ResultCode, r.ResultMessage, tc.action, tc.oauthE, tc.code)
			}
			if tc.action == ActionOK && r.ResponseContent != "" {
				t.Errorf("OK must have an empty body (RFC 7009 §2.2), got %q", r.ResponseContent)
			}
			for _, tok := range alive {
				if !f.active(t, tok) {
					t.Error("a token that must not be revoked was")
				}
			}
		})
	}

	// Each of these revokes: the token and its whole grant are gone, and
	// introspection agrees.
	revokes := []struct {
		name   string
		caller string
		pick   func(at, rt string) url.Values
	}{
		{"V05_wrong_hint", "basic", func(at, _ string) url.Values {
			return url.Values{"token": {at}, "token_type_hint": {"refresh_token"}}
		}},
		{"V05_unrecognised_hint", "basic", func(at, _ string) url.Values {
			return url.Values{"token": {at}, "token_type_hint": {"magic"}}
		}},
		{"V06_refresh_token_revokes_the_grant", "post", func(_, rt string) url.Values { return url.Values{"token": {rt}} }},
		{"V06_access_token_revokes_the_grant", "basic", func(at, _ string) url.Values { return url.Values{"token": {at}} }},
		{"public_client_own_token", "public", func(_, rt string) url.Values { return url.Values{"token": {rt}} }},
	}
	for _, tc := range revokes {
		t.Run(tc.name, func(t *testing.T) {
			at, rt := tokens(tc.caller)
			sibling, _ := tokens(tc.caller) // another grant of the same client
			r := f.revoke(t, tc.caller, tc.pick(at, rt))
			if r.Action != ActionOK || r.ResultCode != "G007001" || r.ResponseContent != "" {
				t.Fatalf("got %+v", r)
			}
			if f.active(t, at) || f.active(t, rt) {
				t.Error("a token of the revoked grant survived")
			}
			if !f.active(t, sibling) {
				t.Error("a token of another grant was revoked")
			}
			std, err := f.e.IntrospectStandard(context.Background(), f.svc, "token="+url.QueryEscape(at))
			if err != nil || std.ResponseContent != `{"active":false}` {
				t.Errorf("introspection of a revoked token = %+v %v", std, err)
			}
		})
	}

	t.Run("V04_other_tenant", func(t *testing.T) {
		at, rt := tokens("basic")
		r, err := f.e.Revoke(context.Background(), other, RevocationRequest{Parameters: "token=" + url.QueryEscape(at), ClientID: "basic", ClientSecret: otherSecret})
		if err != nil || r.Action != ActionOK || r.ResultCode != "G007002" || r.ResponseContent != "" {
			t.Fatalf("got %+v %v", r, err)
		}
		if !f.active(t, at) || !f.active(t, rt) {
			t.Error("another tenant revoked a token")
		}
	})

	t.Run("V08_store_outage", func(t *testing.T) {
		at, _ := tokens("basic")
		e := mustNew(t, Config{Store: tokenOutageStore{f.st}, Now: f.clk.now})
		_, err := e.Revoke(context.Background(), f.svc, RevocationRequest{Parameters: "token=" + url.QueryEscape(at), ClientID: "basic", ClientSecret: f.secrets["basic"]})
		if kindOf(t, err) != KindUnavailable {
			t.Errorf("outage = %v", err)
		}
	})
}
