package service

import (
	"context"
	"errors"
	"net/url"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// unknownClientHash is compared against when no client matches, so that an
// unknown client and a wrong secret take the same time (SECURITY C15, M10).
var unknownClientHash = HashSecret("gatehouse: no such client")

// jwtBearerAssertionType is the client_assertion_type of private_key_jwt
// (RFC 7523 §2.2).
const jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// authenticateClient runs the one client authentication of a token request
// (RFC 6749 §2.3): it finds the method the request uses — exactly one —
// and requires it to be the client's registered tokenAuthMethod. Every
// failure reads the same to the client, whether the client exists or not.
// basicID and basicSecret are the HTTP Basic credentials as decoded from
// base64; they are still form-urlencoded (RFC 6749 Appendix B).
func (e *Engine) authenticateClient(ctx context.Context, svc store.Service, p oauth.Params, basicID, basicSecret string) (store.Client, *TokenResult, error) {
	id, method := p.Get("client_id"), oauth.AuthNone
	// failed answers a failure, or the throttle's answer once the client
	// identifier (as presented, known or not) is over its budget (SECURITY C16).
	failed := func(r authzResult) (store.Client, *TokenResult, error) {
		t := tokenError(r)
		if wait := e.throttle.fail(throttleKey{svc.APIKey, id}, e.now()); wait > 0 {
			t = throttled(wait)
		}
		return store.Client{}, &t, nil
	}
	basic := basicID != "" || basicSecret != ""
	post := p.Has("client_secret")
	assertion := p.Has("client_assertion") || p.Has("client_assertion_type")
	used := 0
	for _, b := range []bool{basic, post, assertion} {
		if b {
			used++
		}
	}
	if used > 1 {
		return failed(resClientAuthMethods)
	}

	switch {
	case basic:
		var err1, err2 error
		basicID, err1 = url.QueryUnescape(basicID)
		basicSecret, err2 = url.QueryUnescape(basicSecret)
		if err1 != nil || err2 != nil {
			return failed(resClientAuthFailed)
		}
		if id != "" && id != basicID {
			return failed(resClientIDMismatch)
		}
		id, method = basicID, oauth.AuthClientSecretBasic
	case post:
		method = oauth.AuthClientSecretPost
	case assertion:
		if p.Get("client_assertion_type") != jwtBearerAssertionType || !p.Has("client_assertion") {
			return failed(resClientAuthFailed)
		}
		sub, err := assertionClientID(p.Get("client_assertion"))
		if err != nil || (id != "" && id != sub) {
			return failed(resClientAuthFailed)
		}
		id, method = sub, oauth.AuthPrivateKeyJWT
	}
	if id == "" {
		return failed(resClientAuthFailed)
	}
	c, _, err := e.lookupClient(ctx, svc.APIKey, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		secretMatches(unknownClientHash, basicSecret+p.Get("client_secret"))
		return failed(resClientAuthFailed)
	case err != nil:
		return store.Client{}, nil, AsError(err)
	case c.TokenAuthMethod != method:
		return failed(resClientAuthFailed)
	}
	switch method {
	case oauth.AuthClientSecretBasic:
		if !secretMatches(c.ClientSecretHash, basicSecret) {
			return failed(resClientAuthFailed)
		}
	case oauth.AuthClientSecretPost:
		if !secretMatches(c.ClientSecretHash, p.Get("client_secret")) {
			return failed(resClientAuthFailed)
		}
	case oauth.AuthPrivateKeyJWT:
		err := e.verifyClientAssertion(ctx, svc, c, p.Get("client_assertion"))
		var engineErr *Error
		switch {
		case errors.As(err, &engineErr):
			return store.Client{}, nil, err
		case err != nil:
			return failed(resClientAuthFailed)
		}
	}
	return c, nil, nil
}
