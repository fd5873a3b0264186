package oauth

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// paramsSeeds are realistic requests and hostile strings.
var paramsSeeds = []string{
	"",
	"response_type=code&client_id=s6BhdRkqt3&state=xyz&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb",
	"response_type=code+id_token&client_id=web&scope=openid%20profile&nonce=n-0S6_WzA2Mj&response_mode=form_post",
	"grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb",
	"code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
	"claims=%7B%22id_token%22%3A%7B%22email%22%3Anull%7D%7D",
	// Duplicates, empty values, odd shapes.
	"a=1&a=2",
	"a=1&a=2&a=3",
	"state=&state=abc",
	"state=abc&state=",
	"client_id=a&client_id=a",
	"a=1&A=2",
	"=2&=1&a=y&a=X",
	"=value",
	"=",
	"key",
	"key&key",
	"&&&",
	"a=1&&b=2&",
	"a=b=c",
	"a+b=c+d",
	"a%20b=c%2Bd",
	"scope[foo]=bar",
	"scope%5Bfoo%5D=bar&scope=openid",
	"a=1;b=2",
	"a;b=1",
	// Bad percent-encoding.
	"%zz",
	"a=%zz",
	"%zz=1",
	"a=%",
	"a=%2",
	"%=1",
	"a=%00&%00=b",
	// Unicode, raw and encoded, valid and not.
	"name=%E2%9C%93&emoji=😀",
	"ü=ö&ü=ö",
	"a=%ff%fe",
	"a=\xff\xfe",
	"nonce=\u202e\u0000",
	// Limits.
	strings.Repeat("a=1&", MaxParams),
	strings.Repeat("a=1&", MaxParams+1),
	strings.Repeat("&", 5000),
	"a=" + strings.Repeat("x", MaxParamsLength-2),
	"a=" + strings.Repeat("x", MaxParamsLength-1),
}

// FuzzParseParams checks that ParseParams never panics, fails only with
// ErrParams, and when it succeeds agrees with the standard library's form
// parser: a parameter sent once with a value Has it, one sent twice or more
// with values is Duplicated and has none, and empty values count as absent
// (RFC 6749 §3.1).
func FuzzParseParams(f *testing.F) {
	for _, s := range paramsSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := ParseParams(raw)
		if err != nil {
			if !errors.Is(err, ErrParams) {
				t.Fatalf("ParseParams(%q) error %v is not ErrParams", raw, err)
			}
		}

		// The reference: url.ParseQuery, where it has the same grammar (it
		// refuses ';', which ParseParams takes literally) and within the
		// limits, which it does not have.
		parts := 0
		for part := range strings.SplitSeq(raw, "&") {
			if part != "" {
				parts++
			}
		}
		overLimit := len(raw) > MaxParamsLength || parts > MaxParams
		if overLimit && err == nil {
			t.Fatalf("ParseParams accepted %d bytes, %d parameters; the limits are %d, %d", len(raw), parts, MaxParamsLength, MaxParams)
		}
		if err != nil || strings.Contains(raw, ";") {
			if err == nil {
				checkParamsConsistent(t, p, nil)
			}
			if err != nil && !overLimit {
				if _, qerr := url.ParseQuery(raw); qerr == nil && !strings.Contains(raw, ";") {
					t.Fatalf("ParseParams(%q) = %v; url.ParseQuery accepts it", raw, err)
				}
			}
			return
		}
		q, qerr := url.ParseQuery(raw)
		if qerr != nil {
			t.Fatalf("ParseParams(%q) succeeded; url.ParseQuery says %v", raw, qerr)
		}
		checkParamsConsistent(t, p, q)
	})
}

// checkParamsConsistent checks Get, Has, Duplicated and AnyDuplicated
// against each other and, when q is not nil, against the values url.ParseQuery
// found.
func checkParamsConsistent(t *testing.T, p Params, q url.Values) {
	t.Helper()
	names := []string{"", "client_id", "scope", "state", "a", "scope[foo]"}
	for k := range q {
		names = append(names, k)
	}
	for k := range p.values {
		names = append(names, k)
	}
	for k := range p.duplicated {
		names = append(names, k)
	}
	firstDup := ""
	for _, k := range names {
		has, get, dup := p.Has(k), p.Get(k), p.Duplicated(k)
		switch {
		case has && (get == "" || dup):
			t.Fatalf("%q: Has with Get %q, Duplicated %v", k, get, dup)
		case !has && get != "":
			t.Fatalf("%q: Get %q without Has", k, get)
		}
		if dup && (firstDup == "" || k < firstDup) {
			firstDup = k
		}
		if q == nil || k == "" {
			// A nameless parameter means nothing and is dropped, where
			// url.ParseQuery keeps it.
			continue
		}
		var values []string
		for _, v := range q[k] {
			if v != "" {
				values = append(values, v)
			}
		}
		switch len(values) {
		case 0:
			if has || dup {
				t.Fatalf("%q: sent without a value (%q), but Has %v, Duplicated %v", k, q[k], has, dup)
			}
		case 1:
			if !has || get != values[0] || dup {
				t.Fatalf("%q: sent once as %q, but Has %v, Get %q, Duplicated %v", k, values[0], has, get, dup)
			}
		default:
			if has || !dup {
				t.Fatalf("%q: sent %d times, but Has %v, Duplicated %v", k, len(values), has, dup)
			}
		}
	}
	if got := p.AnyDuplicated(); got != firstDup {
		t.Fatalf("AnyDuplicated = %q, want %q", got, firstDup)
	}
}
