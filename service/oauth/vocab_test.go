package oauth

import (
	"slices"
	"testing"
)

func TestVocabularyRoundTrip(t *testing.T) {
	for _, v := range []Vocabulary{GrantTypes, ResponseTypes, ClientAuthMethods, ClientTypes, ApplicationTypes, IDTokenSignAlgs} {
		for _, name := range v.Names() {
			wire, ok := v.Wire(name)
			if !ok || v.Name(wire) != name || !v.Contains(wire) {
				t.Errorf("%s: Wire=%q ok=%v, Name(wire)=%q", name, wire, ok, v.Name(wire))
			}
		}
	}
	if _, ok := ClientAuthMethods.Wire("CLIENT_SECRET_JWT"); ok {
		t.Error("client_secret_jwt must not be offered: secrets are stored hashed")
	}
	if got := GrantTypes.Name("no-such"); got != "no-such" {
		t.Errorf("Name(unknown) = %q", got)
	}
}

func TestGrantTypesFor(t *testing.T) {
	cases := map[string][]string{
		ResponseNone:             nil,
		ResponseCode:             {GrantAuthorizationCode},
		ResponseToken:            {GrantImplicit},
		ResponseIDToken:          {GrantImplicit},
		ResponseCodeIDToken:      {GrantAuthorizationCode, GrantImplicit},
		ResponseCodeIDTokenToken: {GrantAuthorizationCode, GrantImplicit},
		ResponseIDTokenToken:     {GrantImplicit},
	}
	for rt, want := range cases {
		if got := GrantTypesFor(rt); !slices.Equal(got, want) {
			t.Errorf("GrantTypesFor(%q) = %v, want %v", rt, got, want)
		}
	}
}

func TestIsScopeToken(t *testing.T) {
	for s, want := range map[string]bool{
		"openid": true, "read:all": true, "a!#[]~": true,
		"": false, "two words": false, `quo"te`: false, `back\slash`: false,
		"new\nline": false, "tab\t": false, "caf\u00e9": false,
	} {
		if got := IsScopeToken(s); got != want {
			t.Errorf("IsScopeToken(%q) = %v, want %v", s, got, want)
		}
	}
}
