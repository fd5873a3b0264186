package service

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// grantClientCredentials issues a token to a confidential client acting on
// its own behalf (RFC 6749 §4.4): no end-user, so no refresh token, no ID
// token and no openid scope. Scopes follow the authorization endpoint's
// policy: what the service does not support or the client may not request
// is dropped, or refused when the service sets scopeRequired.
func (e *Engine) grantClientCredentials(_ context.Context, svc store.Service, c store.Client, p oauth.Params) (issue, *TokenResult, error) {
	if c.ClientType != oauth.ClientConfidential {
		return fail(resTokenPublicCC)
	}
	if !scopeGrammar(p.Get("scope")) {
		return fail(resTokenScopeSyntax)
	}
	var scopes []string
	requested := fields(p.Get("scope"))
	if !p.Has("scope") {
		requested = defaultScopes(svc, c)
	}
	for _, s := range requested {
		switch {
		case s == "openid" || s == "offline_access":
			continue // end-user scopes mean nothing without an end-user
		case !scopeAllowed(svc, c, s):
			if svc.ScopeRequired {
				return fail(resTokenScopeRefused, s)
			}
		case !slices.Contains(scopes, s):
			scopes = append(scopes, s)
		}
	}
	return issue{grantID: uuid.NewString(), scopes: scopes}, nil, nil
}
