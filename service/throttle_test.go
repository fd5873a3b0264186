package service

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestAuthThrottle is SECURITY C16: a burst of wrong secrets for one client
// is answered TOO_MANY_REQUESTS with Retry-After once over the budget; the
// client's right secret still works, and other clients and services are
// not affected.
func TestAuthThrottle(t *testing.T) {
	f := newTokenFixture(t, nil)
	other := f.otherService(t)
	cc := "grant_type=client_credentials"
	try := func(svcAPIKey int64, id, secret string) TokenResult {
		t.Helper()
		svc := f.svc
		if svcAPIKey == other.APIKey {
			svc = other
		}
		r, err := f.e.Token(context.Background(), svc, TokenRequest{Parameters: cc, ClientID: id, ClientSecret: secret})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for i := range authFailureBudget {
		if r := try(f.svc.APIKey, "basic", "wrong"); r.Action != ActionInvalidClient {
			t.Fatalf("failure %d = %s %s", i+1, r.Action, r.ResultMessage)
		}
	}
	r := try(f.svc.APIKey, "basic", "wrong")
	if r.Action != ActionTooManyRequests || r.ResultCode != "G005327" || r.RetryAfter != 60 {
		t.Fatalf("over budget = %+v", r)
	}
	wantError(t, r, ActionTooManyRequests, "invalid_client")

	if r := try(f.svc.APIKey, "basic", f.secrets["basic"]); r.Action != ActionOK {
		t.Errorf("the right secret over budget = %s %s", r.Action, r.ResultMessage)
	}
	if r := try(f.svc.APIKey, "post-as-basic", "wrong"); r.Action != ActionInvalidClient {
		t.Errorf("another client identifier = %s", r.Action)
	}
	if r := try(other.APIKey, "basic", "wrong"); r.Action != ActionInvalidClient {
		t.Errorf("the same identifier in another service = %s", r.Action)
	}

	f.clk.t = f.clk.t.Add(30 * time.Second)
	if r := try(f.svc.APIKey, "basic", "wrong"); r.RetryAfter != 30 {
		t.Errorf("Retry-After half way = %d, want 30", r.RetryAfter)
	}
	f.clk.t = f.clk.t.Add(authFailureWindow)
	if r := try(f.svc.APIKey, "basic", "wrong"); r.Action != ActionInvalidClient {
		t.Errorf("after the window = %s", r.Action)
	}
}

func TestAuthThrottleIsBounded(t *testing.T) {
	a := newAuthThrottle()
	now := testNow
	for i := range maxThrottled + 100 {
		a.fail(throttleKey{1, fmt.Sprint(i)}, now)
	}
	if len(a.windows) > maxThrottled {
		t.Fatalf("tracking %d identifiers, bound %d", len(a.windows), maxThrottled)
	}
}
