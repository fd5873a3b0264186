package service

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// grantAuthorizationCode redeems an authorization code (RFC 6749 §4.1.3).
// The code is consumed first, atomically: of concurrent redemptions exactly
// one can win. A code used a second time revokes every token issued from it
// (RFC 6749 §4.1.2, SECURITY T08); the checks that follow (client, expiry,
// redirect URI, PKCE) burn the code when they fail, as they should: a code
// presented wrongly once is no longer trustworthy.
func (e *Engine) grantAuthorizationCode(ctx context.Context, svc store.Service, c store.Client, p oauth.Params) (issue, *TokenResult, error) {
	raw := p.Get("code")
	if raw == "" {
		return fail(resTokenNoCode)
	}
	code, err := e.store.ConsumeCode(ctx, svc.APIKey, hashToken(raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fail(resTokenBadCode)
	case errors.Is(err, store.ErrConsumed):
		// Whoever presents it, a code seen twice has leaked.
		return e.replayed(ctx, svc, code.GrantID, codeReplay(code))
	case err != nil:
		return issue{}, nil, AsError(fmt.Errorf("consume code: %w", err))
	}
	switch {
	case code.ClientID != c.ClientID, !e.now().Before(code.ExpiresAt):
		return fail(resTokenBadCode)
	case code.RedirectURI != p.Get("redirect_uri"):
		// Required and identical when the request had one (RFC 6749
		// §4.1.3); absent when it had none.
		return fail(resTokenRedirect)
	}
	if bad := checkVerifier(code, p.Get("code_verifier")); bad != nil {
		return fail(*bad)
	}
	is := issue{
		grantID: code.GrantID, subject: code.Subject, idTokenSubject: code.IDTokenSubject,
		scopes: code.Scopes, authTime: code.AuthTime, acr: code.ACR,
		refresh:        mayRefresh(svc, c),
		properties:     code.Properties,
		replay:         ptrTo(codeReplay(code)),
		userInfoClaims: code.UserInfoClaims,
		aliasUsed:      code.ClientIDAliasUsed,
	}
	if slices.Contains(code.Scopes, "openid") {
		var claims map[string]any
		if len(code.Claims) > 0 {
			if err := json.Unmarshal(code.Claims, &claims); err != nil {
				return issue{}, nil, Internal(fmt.Errorf("decode code claims: %w", err))
			}
		}
		is.idToken = &IDToken{Subject: idTokenSubject(code.Subject, code.IDTokenSubject), Nonce: code.Nonce,
			AuthTime: code.AuthTime, ACR: code.ACR, Claims: claims, AliasUsed: code.ClientIDAliasUsed}
	}
	return is, nil, nil
}

func codeReplay(code store.AuthorizationCode) replayMark {
	return replayMark{key: "code:" + code.Hash, expiresAt: code.ExpiresAt, result: resTokenCodeReused}
}

func ptrTo[T any](v T) *T { return &v }

// checkVerifier applies RFC 7636 §4.6: the verifier's grammar, and S256 or
// plain against the challenge, compared in constant time. A verifier without
// a challenge is refused: it signals a downgrade attack (RFC 9700 §2.1.1).
func checkVerifier(code store.AuthorizationCode, verifier string) *authzResult {
	switch {
	case code.CodeChallenge == "" && verifier != "":
		return &resTokenDowngrade
	case code.CodeChallenge == "":
		return nil
	case verifier == "":
		return &resTokenNoVerifier
	case !oauth.IsCodeChallenge(verifier):
		return &resTokenVerifier
	}
	computed := verifier
	if code.CodeChallengeMethod == oauth.PKCES256 {
		h := sha256.Sum256([]byte(verifier))
		computed = base64.RawURLEncoding.EncodeToString(h[:])
	}
	if subtle.ConstantTimeCompare([]byte(computed), []byte(code.CodeChallenge)) != 1 {
		return &resTokenVerifier
	}
	return nil
}

// mayRefresh reports whether the client gets refresh tokens: the service
// supports the grant and the client is registered for it.
func mayRefresh(svc store.Service, c store.Client) bool {
	return slices.Contains(svc.SupportedGrantTypes, oauth.GrantRefreshToken) && slices.Contains(c.GrantTypes, oauth.GrantRefreshToken)
}

func idTokenSubject(subject, override string) string {
	if override != "" {
		return override
	}
	return subject
}
