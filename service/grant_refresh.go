package service

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// claimRefresh is the kind of the mark a rotated refresh token leaves.
const claimRefresh = "refresh"

// grantRefreshToken exchanges a refresh token (RFC 6749 §6). By default the
// token is rotated: its single use is claimed atomically, and a second use —
// a replay, or a race of two refreshes — revokes every token of its grant
// (RFC 9700 §4.14.2, SECURITY R06, R07). With refreshTokenKept the same
// token stays valid and is answered again. Scope may only narrow; a new
// refresh token keeps the original scope (SECURITY R05).
func (e *Engine) grantRefreshToken(ctx context.Context, svc store.Service, c store.Client, p oauth.Params) (issue, *TokenResult, error) {
	raw := p.Get("refresh_token")
	if raw == "" {
		return fail(resTokenNoRefresh)
	}
	rt, err := e.store.GetToken(ctx, svc.APIKey, hashToken(raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fail(resTokenBadRefresh)
	case err != nil:
		return issue{}, nil, AsError(fmt.Errorf("get refresh token: %w", err))
	case rt.Kind != "refresh", rt.ClientID != c.ClientID, !e.now().Before(rt.ExpiresAt):
		return fail(resTokenBadRefresh)
	}
	for _, s := range rt.Scopes {
		// The client's or the service's policy may have changed since the
		// grant (SECURITY R11): a scope no longer available ends it.
		if !scopeAllowed(svc, c, s) {
			return fail(resTokenScopeRefused, s)
		}
	}
	scopes := rt.Scopes
	if p.Has("scope") {
		if !scopeGrammar(p.Get("scope")) {
			return fail(resTokenScopeSyntax)
		}
		scopes = nil
		for _, s := range fields(p.Get("scope")) {
			if !slices.Contains(rt.Scopes, s) {
				return fail(resTokenScopeWiden, s)
			}
			if !slices.Contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
	}
	is := issue{
		grantID: rt.GrantID, subject: rt.Subject, idTokenSubject: rt.IDTokenSubject,
		scopes: scopes, refreshScopes: rt.Scopes, authTime: rt.AuthTime, acr: rt.ACR,
		properties: rt.Properties, userInfoClaims: rt.UserInfoClaims, aliasUsed: rt.ClientIDAliasUsed,
	}
	if svc.RefreshTokenKept {
		is.keepRefresh, is.keepRefreshExp = raw, rt.ExpiresAt
	} else {
		err := e.store.Claim(ctx, svc.APIKey, claimRefresh, rt.Hash, rt.ExpiresAt)
		switch {
		case errors.Is(err, store.ErrConsumed):
			return e.replayed(ctx, svc, rt.GrantID, refreshReplay(rt))
		case err != nil:
			return issue{}, nil, AsError(fmt.Errorf("claim refresh token: %w", err))
		}
		is.refresh = true
		is.replay = ptrTo(refreshReplay(rt))
	}
	if slices.Contains(scopes, "openid") {
		// OIDC Core §12.2: same iss, sub, aud and auth_time; a fresh iat;
		// no nonce.
		is.idToken = &IDToken{Subject: idTokenSubject(rt.Subject, rt.IDTokenSubject), AuthTime: rt.AuthTime, ACR: rt.ACR, AliasUsed: rt.ClientIDAliasUsed}
	}
	return is, nil, nil
}

func refreshReplay(rt store.Token) replayMark {
	return replayMark{key: "refresh:" + rt.Hash, expiresAt: rt.ExpiresAt, result: resTokenRefreshReused}
}
