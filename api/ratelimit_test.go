package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestRateLimiterBucket(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newRateLimiter(func() time.Time { return now })
	for i := range 2 {
		if _, ok := l.take(1, 2); !ok {
			t.Fatalf("call %d within the burst refused", i+1)
		}
	}
	if wait, ok := l.take(1, 2); ok || wait != 1 {
		t.Fatalf("third call = %v, wait %d; want refused, wait 1", ok, wait)
	}
	if _, ok := l.take(2, 2); !ok {
		t.Error("another service's bucket is shared")
	}
	now = now.Add(500 * time.Millisecond)
	if _, ok := l.take(1, 2); !ok {
		t.Error("half a second at 2/s refills one call")
	}
	if _, ok := l.take(1, 2); ok {
		t.Error("the refill was more than one call")
	}
}

// TestRequestRateLimit is SECURITY M08: a service over its
// requestRateLimit gets 429 with Retry-After; another service's calls at
// the same moment are unaffected.
func TestRequestRateLimit(t *testing.T) {
	m := newMgmt(t, nil)
	aKey, aSecret := m.newService()
	bKey, bSecret := m.newService()
	var svc map[string]any
	m.expect(m.json(http.MethodGet, "/api/service/get/"+aKey, mgmtAdminKey, mgmtAdminSecret, ""), http.StatusOK, &svc)
	svc["requestRateLimit"] = 3
	body, _ := json.Marshal(svc)
	m.expect(m.json(http.MethodPost, "/api/service/update/"+aKey, mgmtAdminKey, mgmtAdminSecret, string(body)), http.StatusOK, nil)

	limited := 0
	for range 10 {
		rec := m.call(http.MethodGet, "/api/client/get/list", aKey, aSecret, "", "")
		switch rec.Code {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			limited++
			var out errorBody
			_ = json.Unmarshal(rec.Body.Bytes(), &out)
			if out.ResultCode != "G000208" || rec.Header().Get("Retry-After") != "1" {
				t.Errorf("429 = %s %s, Retry-After %q", out.ResultCode, out.ResultMessage, rec.Header().Get("Retry-After"))
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		m.expect(m.call(http.MethodGet, "/api/client/get/list", bKey, bSecret, "", ""), http.StatusOK, nil)
	}
	if limited < 6 {
		t.Errorf("%d of 10 calls over a 3/s limit were refused, want at least 6", limited)
	}
	// Credentials first: a stranger spends nobody's budget.
	m.expect(m.call(http.MethodGet, "/api/client/get/list", aKey, "wrong", "", ""), http.StatusUnauthorized, nil)
}
