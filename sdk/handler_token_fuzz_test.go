package gatehouse

import (
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// fuzzBasicSeeds are Authorization headers well-formed and not.
var fuzzBasicSeeds = []string{
	"",
	"Basic " + base64.StdEncoding.EncodeToString([]byte("app:secret")),
	"basic " + base64.StdEncoding.EncodeToString([]byte("my%20app:s%2Bcr%3At")),
	"BASIC " + base64.StdEncoding.EncodeToString([]byte("app:se:cr:et")),
	"Basic " + base64.StdEncoding.EncodeToString([]byte(":")),
	"Basic " + base64.StdEncoding.EncodeToString([]byte(":secret")),
	"Basic " + base64.StdEncoding.EncodeToString([]byte("app:")),
	"Basic " + base64.StdEncoding.EncodeToString([]byte("app")),
	"Basic " + base64.StdEncoding.EncodeToString([]byte("\xff\xfe:\x00\n")),
	"Basic " + base64.StdEncoding.EncodeToString([]byte("ü:ö")),
	"Basic " + base64.RawStdEncoding.EncodeToString([]byte("app:secret1")),
	"Basic " + base64.URLEncoding.EncodeToString([]byte("a?>:b?>")),
	"Basic " + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("a", 4096)+":"+strings.Repeat("s", 4096))),
	"Basic  " + base64.StdEncoding.EncodeToString([]byte("app:secret")),
	"Basic\t" + base64.StdEncoding.EncodeToString([]byte("app:secret")),
	"Basic " + base64.StdEncoding.EncodeToString([]byte("app:secret")) + " ",
	"Basic YXBw\tOnNlY3JldA==",
	"Basic YXBw\nOnNlY3JldA==",
	"Basic",
	"Basic ",
	"Basic !!not-base64",
	"Basic ====",
	"Bearer abc",
	"Bearer",
	"Digest username=\"app\"",
	" Basic YXBwOnNlY3JldA==",
	"Basicx YXBwOnNlY3JldA==",
}

// fuzzDecodeJSON is what s becomes after a trip through encoding/json: each
// byte of invalid UTF-8 is U+FFFD.
func fuzzDecodeJSON(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

// fuzzHeaderValue reports whether a server could receive v as a header
// value: no control characters but tab (RFC 9110 §5.5).
func fuzzHeaderValue(v string) bool {
	for _, c := range []byte(v) {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// FuzzBasicCredentials sends token requests with arbitrary Authorization
// headers (one, or the same twice) to TokenHandler over a fake engine.
// Either the engine is called — with the Basic credentials decoded from
// base64 but still form-urlencoded (RFC 6749 §2.3.1) when the scheme is
// Basic, none otherwise — and its answer relayed, or the request is answered
// 401 invalid_client with a Basic challenge and the engine is not called.
// A Basic header as clients send it (RFC 7617: one space, then the base64
// of id ":" secret) is never refused.
func FuzzBasicCredentials(f *testing.F) {
	for _, s := range fuzzBasicSeeds {
		f.Add(s, false)
	}
	f.Add(fuzzBasicSeeds[1], true)
	f.Add(fuzzBasicSeeds[21], true)
	f.Fuzz(func(t *testing.T, authorization string, twice bool) {
		if !fuzzHeaderValue(authorization) {
			return // net/http refuses the request before any handler runs
		}
		e := newFakeEngine(t)
		e.reply("POST /api/auth/token", 200, tokenOK)
		fe := &Frontend{Client: e.inProcess(), Realm: "example", Logger: slog.New(slog.DiscardHandler)}
		r := formRequest(http.MethodPost, "/token", "grant_type=client_credentials")
		r.Header.Set("Authorization", authorization)
		if twice {
			r.Header.Add("Authorization", authorization)
		}
		rec := serve(fe.TokenHandler(TokenOptions{}), r)
		got := answeredOf(t, rec)

		// What the header says: its scheme is the token before the first
		// space (RFC 9110 §11.4), and a Basic one holds the base64 of
		// id ":" secret, after exactly one space as every client sends it.
		scheme, creds, _ := strings.Cut(authorization, " ")
		basic := strings.EqualFold(scheme, "Basic")
		decoded, decErr := base64.StdEncoding.DecodeString(creds)
		id, secret, wellFormed := strings.Cut(string(decoded), ":")
		wellFormed = wellFormed && decErr == nil

		calls := e.Calls()
		switch {
		case len(calls) == 0:
			if !basic || got.status != http.StatusUnauthorized || got.authenticate != `Basic realm="example"` ||
				!strings.Contains(got.body, `"error":"invalid_client"`) {
				t.Fatalf("Authorization %q: no engine call, answer %+v", authorization, got)
			}
			if wellFormed && !twice {
				t.Fatalf("Authorization %q (%q:%q) is well-formed Basic, answered %+v", authorization, id, secret, got)
			}
		case len(calls) == 1:
			var sent TokenRequest
			if err := json.Unmarshal([]byte(calls[0].Body), &sent); err != nil {
				t.Fatalf("engine call %s: %v", calls[0].Body, err)
			}
			if !basic {
				id, secret = "", ""
			}
			if basic && (!wellFormed || twice) {
				t.Fatalf("Authorization %q (twice %v) is not well-formed Basic, and reached the engine as %s", authorization, twice, calls[0].Body)
			}
			if sent.ClientID != fuzzDecodeJSON(id) || sent.ClientSecret != fuzzDecodeJSON(secret) || sent.Parameters != "grant_type=client_credentials" {
				t.Fatalf("Authorization %q: engine got %q:%q, want %q:%q", authorization, sent.ClientID, sent.ClientSecret, id, secret)
			}
			if got.status != http.StatusOK || got.body != `{"access_token":"at","token_type":"Bearer"}` {
				t.Fatalf("Authorization %q: the engine's OK answered %+v", authorization, got)
			}
		default:
			t.Fatalf("Authorization %q: %d engine calls", authorization, len(calls))
		}
	})
}
