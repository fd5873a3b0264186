package service

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// AuthorizationRequest is a validated authorization request: what the
// frontend needs for its login and consent pages, and what the ticket
// carries to /issue and /fail.
type AuthorizationRequest struct {
	ClientID            int64    `json:"clientId"`
	ClientIDAliasUsed   bool     `json:"clientIdAliasUsed,omitempty"`
	RedirectURI         string   `json:"redirectUri"`
	RedirectURIGiven    bool     `json:"redirectUriGiven,omitempty"` // the code is bound to it (RFC 6749 §4.1.3)
	ResponseType        string   `json:"responseType"`
	ResponseMode        string   `json:"responseMode"`
	State               string   `json:"state,omitempty"`
	Scopes              []string `json:"scopes,omitempty"`
	Nonce               string   `json:"nonce,omitempty"`
	CodeChallenge       string   `json:"codeChallenge,omitempty"`
	CodeChallengeMethod string   `json:"codeChallengeMethod,omitempty"`
	Prompts             []string `json:"prompts,omitempty"`
	MaxAge              int      `json:"maxAge,omitempty"` // 0: none; use HasMaxAge
	HasMaxAge           bool     `json:"hasMaxAge,omitempty"`
	Display             string   `json:"display,omitempty"`
	LoginHint           string   `json:"loginHint,omitempty"`
	Subject             string   `json:"subject,omitempty"` // from id_token_hint
	ACRs                []string `json:"acrs,omitempty"`
	UILocales           []string `json:"uiLocales,omitempty"`
	ClaimsLocales       []string `json:"claimsLocales,omitempty"`
	Claims              []string `json:"claims,omitempty"`        // claim names the client asks for
	ClaimsRequest       string   `json:"claimsRequest,omitempty"` // the OIDC claims parameter, as sent
	// UserInfoClaims are the supported claims the claims parameter's
	// userinfo member names (OIDC Core §5.5), which the tokens carry.
	UserInfoClaims []string `json:"userInfoClaims,omitempty"`
}

// OpenID reports whether the request is an OpenID Connect request.
func (r AuthorizationRequest) OpenID() bool { return slices.Contains(r.Scopes, "openid") }

// maxValueLength bounds free-text parameters (state, nonce, hints) so that a
// response never grows past what browsers and proxies carry (SECURITY A28).
const maxValueLength = 2048

// lookupClient finds the client a request names by ID or, when the client
// allows it, by alias.
func (e *Engine) lookupClient(ctx context.Context, serviceID int64, id string) (store.Client, bool, error) {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		c, err := e.store.GetClient(ctx, serviceID, n)
		return c, false, err
	}
	c, err := e.store.GetClientByAlias(ctx, serviceID, id)
	if err == nil && !c.ClientIDAliasEnabled {
		return store.Client{}, false, fmt.Errorf("alias disabled: %w", store.ErrNotFound)
	}
	return c, true, err
}

// matchRedirectURI picks the redirect URI to answer to (RFC 6749 §3.1.2.3):
// the requested one when it equals a registered one exactly (RFC 9700 §2.1),
// with the port of a native client's loopback URI free (RFC 8252 §7.3); the
// single registered one when the request names none and is not OpenID
// Connect (which requires it, OIDC Core §3.1.2.1).
func matchRedirectURI(c store.Client, requested string, openid bool) (string, *authzResult) {
	if requested == "" {
		switch {
		case openid:
			return "", &resAuthzRedirectOIDC
		case len(c.RedirectURIs) == 1:
			return c.RedirectURIs[0], nil
		default:
			return "", &resAuthzRedirectMissing
		}
	}
	if strings.Contains(requested, "#") {
		// Registered URIs have no fragment, and url.Parse drops an empty
		// one: refuse any '#' outright (RFC 6749 §3.1.2).
		return "", &resAuthzRedirectUnknown
	}
	for _, reg := range c.RedirectURIs {
		if requested == reg || (c.ApplicationType == oauth.AppNative && loopbackMatch(reg, requested)) {
			return requested, nil
		}
	}
	return "", &resAuthzRedirectUnknown
}

// loopbackMatch reports whether requested equals registered but for the
// port, both being http URIs on a loopback IP literal (RFC 8252 §7.3). The
// name "localhost" gets no such freedom (RFC 8252 §8.3).
func loopbackMatch(registered, requested string) bool {
	r, err1 := url.Parse(registered)
	q, err2 := url.Parse(requested)
	if err1 != nil || err2 != nil || r.Scheme != "http" || q.Scheme != "http" {
		return false
	}
	ip := net.ParseIP(r.Hostname())
	if ip == nil || !ip.IsLoopback() || r.Hostname() != q.Hostname() {
		return false
	}
	return r.EscapedPath() == q.EscapedPath() && r.RawQuery == q.RawQuery && !q.ForceQuery &&
		q.Fragment == "" && q.User == nil && r.User == nil
}

// scopeClaims are the claims a scope stands for (OIDC Core §5.4).
var scopeClaims = map[string][]string{
	"profile": {"name", "family_name", "given_name", "middle_name", "nickname", "preferred_username",
		"profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at"},
	"email":   {"email", "email_verified"},
	"address": {"address"},
	"phone":   {"phone_number", "phone_number_verified"},
}

// requestedClaims lists the claim names an OpenID request asks for, through
// its scopes and its claims parameter, limited to what the service supports.
func requestedClaims(svc store.Service, scopes []string, claimsParam map[string]map[string]any) []string {
	var names []string
	add := func(n string) {
		if !slices.Contains(names, n) && slices.Contains(svc.SupportedClaims, n) {
			names = append(names, n)
		}
	}
	for _, s := range scopes {
		for _, c := range scopeClaims[s] {
			add(c)
		}
	}
	for _, member := range []string{"id_token", "userinfo"} {
		keys := make([]string, 0, len(claimsParam[member]))
		for k := range claimsParam[member] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			add(k)
		}
	}
	return names
}

// fields splits a space-separated list parameter.
func fields(s string) []string { return strings.Fields(s) }
