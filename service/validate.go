package service

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
)

// problems collects every bad field of a request, so that one 400 names them
// all instead of making the caller fix them one round trip at a time.
type problems []FieldError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return InvalidFields(p)
}

// maxRequestRate bounds a service's requestRateLimit, in calls per second.
const maxRequestRate = 1_000_000

// Bounds of durations in seconds.
const (
	maxTokenDuration  = 10 * 365 * 24 * 3600 // ten years
	maxCodeDuration   = 600                  // RFC 6749 §4.1.2: at most 10 minutes
	maxTicketDuration = 7 * 24 * 3600
)

func (p *problems) duration(field string, v, lo, hi int64) {
	if v < lo || v > hi {
		p.add(field, "must be between %d and %d seconds", lo, hi)
	}
}

// isLoopbackHost reports whether host (without port) is a loopback name or
// address, for which plain http is acceptable (RFC 8252 §7.3, §8.3).
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkWebURL checks an absolute http(s) URL: https anywhere, http only on
// loopback hosts unless allowHTTP.
func checkWebURL(raw string, allowHTTP bool) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "is not a valid URL"
	case !u.IsAbs() || u.Host == "":
		return "must be an absolute URL"
	case u.User != nil:
		return "must not carry user information"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && (allowHTTP || isLoopbackHost(u.Hostname())):
		return ""
	default:
		return "must use https (http only on loopback hosts)"
	}
}

// checkEndpoint applies RFC 8414 §2 to an endpoint URL: https (http on
// loopback for development), no fragment.
func checkEndpoint(raw string) string {
	if msg := checkWebURL(raw, false); msg != "" {
		return msg
	}
	if strings.Contains(raw, "#") {
		return "must not contain a fragment"
	}
	return ""
}

// checkIssuer applies OIDC Discovery §3 / RFC 8414 §2 to an issuer: an
// https URL (http on loopback for development) with no query or fragment.
func checkIssuer(raw string) string {
	if msg := checkWebURL(raw, false); msg != "" {
		return msg
	}
	u, _ := url.Parse(raw)
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return "must not contain a query or a fragment"
	}
	return ""
}

// dangerousSchemes may never be a redirect target, whatever the client type.
var dangerousSchemes = []string{"javascript", "data", "vbscript", "file", "blob", "about"}

// checkRedirectURI applies RFC 6749 §3.1.2, RFC 8252 §7 and RFC 9700 §2.1 to
// a redirect URI at registration: absolute, no fragment, no wildcard; web
// clients use https (http on loopback); native clients may also use a
// private-use scheme in reverse-domain form.
func checkRedirectURI(raw, appType string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "is not a valid URL"
	case !u.IsAbs():
		return "must be an absolute URI"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not contain a fragment (RFC 6749 §3.1.2)"
	case strings.Contains(raw, "*"):
		return "must not contain wildcards; redirect URIs are matched exactly (RFC 9700 §2.1)"
	case slices.Contains(dangerousSchemes, strings.ToLower(u.Scheme)):
		return fmt.Sprintf("scheme %q is not allowed", u.Scheme)
	case u.User != nil:
		return "must not carry user information"
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return "must name a host"
		}
		return ""
	case "http":
		if u.Host == "" {
			return "must name a host"
		}
		if isLoopbackHost(u.Hostname()) {
			return ""
		}
		return "http is allowed only on loopback hosts (RFC 8252 §8.3); use https"
	}
	if appType == oauth.AppNative && strings.Contains(u.Scheme, ".") {
		return "" // RFC 8252 §7.1 private-use URI scheme, e.g. com.example.app:/cb
	}
	if appType == oauth.AppNative {
		return "a custom scheme must be in reverse-domain form, e.g. com.example.app (RFC 8252 §7.1)"
	}
	return "web clients must use https (http only on loopback hosts)"
}

// checkEnum checks that every value is a wire string of vocab and that none
// repeats.
func (p *problems) enumList(field string, values []string, vocab oauth.Vocabulary) {
	seen := map[string]bool{}
	for i, v := range values {
		switch {
		case !vocab.Contains(v):
			p.add(fmt.Sprintf("%s[%d]", field, i), "unsupported value %q", v)
		case seen[v]:
			p.add(fmt.Sprintf("%s[%d]", field, i), "duplicate value %q", vocab.Name(v))
		}
		seen[v] = true
	}
}

// subset reports every value of values that allowed lacks.
func (p *problems) subset(field string, values, allowed []string, vocab oauth.Vocabulary, of string) {
	for i, v := range values {
		if !slices.Contains(allowed, v) {
			p.add(fmt.Sprintf("%s[%d]", field, i), "%s is not enabled for %s", vocab.Name(v), of)
		}
	}
}

// responseTypesCoherent checks that every response type has the grant types
// it needs (OIDC Dynamic Client Registration §2).
func (p *problems) responseTypesCoherent(field string, responseTypes, grantTypes []string) {
	for i, rt := range responseTypes {
		for _, g := range oauth.GrantTypesFor(rt) {
			if !slices.Contains(grantTypes, g) {
				p.add(fmt.Sprintf("%s[%d]", field, i), "%s needs the grant type %s",
					oauth.ResponseTypes.Name(rt), oauth.GrantTypes.Name(g))
			}
		}
	}
}
