package gatehouse

import (
	"context"
	"testing"
)

// TestCredentialsNeverFromTheURL is SECURITY C09 and U03 at the frontend:
// the engine sees only what the SDK forwards, so the SDK must never take a
// client secret or an access token from the URL query, where logs,
// proxies and Referer headers keep it.
func TestCredentialsNeverFromTheURL(t *testing.T) {
	t.Run("C09_client_credentials_in_the_query", func(t *testing.T) {
		e := newFakeEngine(t)
		e.reply("POST /api/auth/token", 200, `{"resultCode":"G005306","resultMessage":"m","action":"INVALID_CLIENT","responseContent":"{\"error\":\"invalid_client\"}"}`)
		r := formRequest("POST", "/token?client_id=app&client_secret=s3cret", "grant_type=client_credentials")
		got := answeredOf(t, serve(testFrontend(e).TokenHandler(TokenOptions{}), r))
		assertCall(t, e.one(t), "POST", "/api/auth/token", `{"parameters":"grant_type=client_credentials"}`)
		if got.status != 401 {
			t.Errorf("answer = %+v", got)
		}
	})
	t.Run("U03_access_token_in_the_query", func(t *testing.T) {
		e := newFakeEngine(t)
		claims := func(context.Context, string, []string) (map[string]any, error) { return nil, nil }
		r := formRequest("GET", "/userinfo?access_token=at-in-the-url", "")
		got := answeredOf(t, serve(testFrontend(e).UserInfoHandler(claims), r))
		if got.status != 401 || got.authenticate != `Bearer realm="example"` {
			t.Errorf("answer = %+v, want 401 with a bare Bearer challenge", got)
		}
		if n := len(e.Calls()); n != 0 {
			t.Errorf("the token in the URL reached the engine (%d calls)", n)
		}
	})
}
