package service

import (
	"context"
	"slices"
	"testing"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// TestCreateTokenRefreshLikeTheFlow: a minted token comes with a refresh
// token exactly when the grant's own token response would carry one.
func TestCreateTokenRefreshLikeTheFlow(t *testing.T) {
	f := newTokenFixture(t, func(s *store.Service) {
		s.SupportedGrantTypes = append(s.SupportedGrantTypes, oauth.GrantJWTBearer, oauth.GrantPassword)
	})
	c := testClient(oauth.ClientConfidential)
	c.GrantTypes = []string{oauth.GrantAuthorizationCode, oauth.GrantPassword, oauth.GrantJWTBearer, oauth.GrantClientCredentials, oauth.GrantRefreshToken}
	c, _, err := f.e.CreateClient(context.Background(), f.svc, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		grant, subject string
		refresh        bool
	}{
		{oauth.GrantAuthorizationCode, "alice", true},
		{oauth.GrantPassword, "alice", true},
		{oauth.GrantJWTBearer, "alice", false},
		{oauth.GrantClientCredentials, "", false},
	} {
		r, err := f.e.CreateToken(context.Background(), f.svc, TokenCreateRequest{GrantType: tc.grant, ClientID: c.ClientID, Subject: tc.subject})
		if err != nil {
			t.Fatalf("%s: %v", tc.grant, err)
		}
		if (r.RefreshToken != "") != tc.refresh || r.AccessToken == "" || r.ResponseContent != "" {
			t.Errorf("%s: access %t, refresh %t, want refresh %t", tc.grant, r.AccessToken != "", r.RefreshToken != "", tc.refresh)
		}
		list, _, _, err := f.e.ListTokens(context.Background(), f.svc, "", tc.subject, store.Page{End: 100})
		if err != nil || !slices.ContainsFunc(list, func(tok store.Token) bool { return tok.GrantType == tc.grant }) {
			t.Errorf("%s: the stored token does not carry its grant type: %v", tc.grant, err)
		}
	}
}
