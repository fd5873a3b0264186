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
// token and no openid scope.
func (e *Engine) grantClientCredentials(_ context.Context, svc store.Service, c store.Client, p oauth.Params) (issue, *TokenResult, error) {
	if c.ClientType != oauth.ClientConfidential {
		return fail(resTokenPublicCC)
	}
	scopes, bad := grantScopes(svc, c, p, false)
	if bad != nil {
		return issue{}, bad, nil
	}
	return issue{grantID: uuid.NewString(), scopes: scopes}, nil, nil
}

// grantScopes is the scope policy of the grants that come with no
// authorization request — client credentials, password, JWT bearer — and
// so follow the authorization endpoint's: what the service does not support
// or the client may not request is dropped, or refused (invalid_scope) when
// the service sets scopeRequired; no scope parameter means the service's
// default entries. Without an authenticated end-user (endUser false), openid
// and offline_access are dropped first: they mean nothing without one.
func grantScopes(svc store.Service, c store.Client, p oauth.Params, endUser bool) ([]string, *TokenResult) {
	if !scopeGrammar(p.Get("scope")) {
		t := tokenError(resTokenScopeSyntax)
		return nil, &t
	}
	requested := fields(p.Get("scope"))
	if !p.Has("scope") {
		requested = defaultScopes(svc, c)
	}
	var scopes []string
	for _, s := range requested {
		switch {
		case !endUser && (s == "openid" || s == "offline_access"):
			continue
		case !scopeAllowed(svc, c, s):
			if svc.ScopeRequired {
				t := tokenError(resTokenScopeRefused, s)
				return nil, &t
			}
		case !slices.Contains(scopes, s):
			scopes = append(scopes, s)
		}
	}
	return scopes, nil
}
