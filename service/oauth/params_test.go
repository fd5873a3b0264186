package oauth

import (
	"errors"
	"strings"
	"testing"
)

func TestParseParams(t *testing.T) {
	p, err := ParseParams("client_id=abc&scope=openid+profile&state=&nonce=a%26b&state2=x&dup=1&dup=2&scope%5Bfoo%5D=bar")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"client_id":  "abc",
		"scope":      "openid profile", // '+' is a space in a form
		"nonce":      "a&b",
		"state":      "",    // empty is absent (RFC 6749 §3.1)
		"dup":        "",    // repeated has no value
		"scope[foo]": "bar", // a literal name, never a structure
	} {
		if got := p.Get(name); got != want {
			t.Errorf("Get(%q) = %q, want %q", name, got, want)
		}
	}
	if p.Has("state") || !p.Has("client_id") || p.Has("dup") {
		t.Error("Has must be false for empty and repeated parameters")
	}
	if !p.Duplicated("dup") || p.Duplicated("client_id") || p.AnyDuplicated() != "dup" {
		t.Errorf("duplicates: %v %v %q", p.Duplicated("dup"), p.Duplicated("client_id"), p.AnyDuplicated())
	}
	// A repeat with one empty value is not a repeat: the empty one is absent.
	if p, _ := ParseParams("state=&state=abc"); p.Get("state") != "abc" || p.Duplicated("state") {
		t.Error("state=&state=abc must read as state=abc")
	}
	// Three times is still just repeated.
	if p, _ := ParseParams("a=1&a=2&a=3"); !p.Duplicated("a") || p.Has("a") {
		t.Error("a thrice must be repeated and valueless")
	}
}

func TestParseParamsLimits(t *testing.T) {
	for name, raw := range map[string]string{
		"bad escape":     "a=%zz",
		"bad key escape": "%zz=1",
		"too long":       "a=" + strings.Repeat("x", MaxParamsLength),
		"too many":       strings.Repeat("a=1&", MaxParams+1),
	} {
		if _, err := ParseParams(raw); !errors.Is(err, ErrParams) {
			t.Errorf("%s: error = %v, want ErrParams", name, err)
		}
	}
}

func TestParseResponseType(t *testing.T) {
	for in, want := range map[string]string{
		"code": "code", "token code": "code token", "id_token code token": "code id_token token",
		"none": "none", "id_token": "id_token",
		"": "", "code code": "", "code  token": "", "none code": "", "CODE": "", "device": "",
	} {
		got, ok := ParseResponseType(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseResponseType(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if DefaultResponseMode("code") != ModeQuery || DefaultResponseMode("code id_token") != ModeFragment || DefaultResponseMode("none") != ModeQuery {
		t.Error("default response modes")
	}
}

func TestDescriptionCharset(t *testing.T) {
	got := Description("RFC 6749 §4.1.2.1: \"quoted\" back\\slash\nnew line caf\u00e9")
	for _, r := range got {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			t.Fatalf("Description kept %q in %q", r, got)
		}
	}
	if !strings.Contains(got, "RFC 6749 section 4.1.2.1") {
		t.Errorf("Description = %q", got)
	}
	if e := NewError(CodeInvalidRequest, "x\"y"); e.JSON() != `{"error":"invalid_request","error_description":"x y"}` {
		t.Errorf("JSON = %s", e.JSON())
	}
}

func TestIsCodeChallenge(t *testing.T) {
	ok := strings.Repeat("a", 43)
	for s, want := range map[string]bool{
		ok: true, strings.Repeat("Z", 128): true, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM": true,
		ok[:42]: false, strings.Repeat("a", 129): false, ok[:42] + "+": false, ok[:42] + "=": false,
	} {
		if IsCodeChallenge(s) != want {
			t.Errorf("IsCodeChallenge(%q) = %v", s, !want)
		}
	}
}
